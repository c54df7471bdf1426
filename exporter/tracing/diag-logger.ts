// Routes the OpenTelemetry SDK's own diagnostics (export failures, dropped
// spans) into the app's JSON log instead of console.*, which would put
// plain-text lines into a JSON stdout. A dead collector makes the SDK
// complain on every export; the same complaint is written once a minute.
import { type DiagLogger, DiagLogLevel } from '@opentelemetry/api';
import { diagLogLevelFromString } from '@opentelemetry/core';
import type { Logger } from '../logger.ts';

const REPEAT_AFTER_MS = 60_000;

export function diagLogger(logger: Logger): DiagLogger {
  const lastSeen = new Map<string, number>();
  const write = (level: 'error' | 'warn' | 'info') => (raw: string, ...args: unknown[]) => {
    const message = readable(raw);
    const now = Date.now();
    const key = message.slice(0, 80);
    if ((lastSeen.get(key) ?? -Infinity) > now - REPEAT_AFTER_MS) return;
    if (lastSeen.size > 1000) lastSeen.clear(); // bounded, whatever the SDK says
    lastSeen.set(key, now);
    const detail = args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : safeJson(a))).join(' ');
    const fields = { event: { dataset: 'opentelemetry.sdk' }, ...(detail !== '' && { error: { message: detail.slice(0, 2000) } }) };
    (logger[level] ?? logger.warn).call(logger, fields, `opentelemetry: ${message}`);
  };
  return { error: write('error'), warn: write('warn'), info: write('info'), debug: write('info'), verbose: write('info') };
}

/** OTEL_LOG_LEVEL as the SDK reads it; warn when unset. */
export function diagLevel(env: NodeJS.ProcessEnv): DiagLogLevel {
  return env.OTEL_LOG_LEVEL === undefined ? DiagLogLevel.WARN : (diagLogLevelFromString(env.OTEL_LOG_LEVEL) ?? DiagLogLevel.WARN);
}

/** The global error handler passes errors as JSON text; keep their message. */
function readable(message: string): string {
  if (!message.startsWith('{')) return message;
  try {
    const err = JSON.parse(message) as { message?: unknown; code?: unknown };
    return typeof err.message === 'string' ? `${err.message}${typeof err.code === 'string' && !err.message.includes(err.code) ? ` (${err.code})` : ''}` : message;
  } catch {
    return message;
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
