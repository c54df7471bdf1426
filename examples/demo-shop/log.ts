// The demo's logger: the exporter's ECS pino logger, created once from the
// configuration (stdout, plus Logstash when LOGSTASH_HOST/PORT are set).
// Code that logs before start-up (a configuration error) gets a stdout
// logger with the default service name.
import type { Logger as PinoLogger } from 'pino';
import { createLogger, type EcsLogger, type LoggerOptions } from '../../exporter/logging/ecs-logger.ts';

let current: EcsLogger | undefined;

export function initLogging(options: LoggerOptions): EcsLogger {
  current = createLogger(options);
  return current;
}

export function demoLogger(): PinoLogger {
  return (current ??= createLogger({ serviceName: 'demo-shop' })).logger;
}

type Level = 'info' | 'warn' | 'error';

export function log(level: Level, message: string, fields: Record<string, unknown> = {}): void {
  demoLogger()[level](fields, message);
}

/** Flushes stdout and Logstash; the last thing before exit. */
export function closeLogging(): Promise<void> {
  return current?.close() ?? Promise.resolve();
}
