// The demo's log lines: one JSON object per line on stderr, with Elastic
// Common Schema field names. stdout is kept for the single "listening" line
// that scripts and tests parse.
import type { Logger } from '../logger.ts';

type Level = 'info' | 'warn' | 'error';

export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': level, message, ...fields })}\n`);
}

/** The exporter's Logger interface over the same lines. */
export function demoLogger(serviceName: string): Logger {
  const withService = (fields: Record<string, unknown>) => ({ 'service.name': serviceName, ...fields });
  return {
    warn: (fields, message) => log('warn', message, withService(fields)),
    info: (fields, message) => log('info', message, withService(fields)),
    error: (fields, message) => log('error', message, withService(fields)),
  };
}
