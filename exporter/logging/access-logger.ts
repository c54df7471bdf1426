// The request log's fast path: createLogger's `accessLogger` writes the one
// line per request as a string template (access-line.ts), without building a
// fields object for pino to walk (`node bench/telemetry-cost.ts` measures
// both). The line is the same ECS document the pino path writes
// (test/logging.test.ts compares them); anything else logged through it goes
// to pino as usual. With the recording pipeline the telemetry worker renders
// the line and hands it to this logger's destinations (LINE_SINK).
import type { IncomingMessage } from 'node:http';
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import type { Logger as PinoLogger } from 'pino';
import { accessLine, type AccessLineFields, levelOf } from './access-line.ts';
import type { RequestLogger } from './request-log.ts';
import { isoNow } from './timestamp.ts';

/** Where lines rendered off the request thread are written: the access logger's own destinations. */
export interface AccessLineSink {
  /** The logger's `base` object as JSON without its braces. */
  readonly baseFields: string;
  /** Whether the logger's level lets a line of this level through. */
  enabled(level: AccessLineFields['level']): boolean;
  write(line: string): void;
  /** Writes whole lines, joined (the worker's batches). */
  writeLines(text: string): void;
  /** Writes what is buffered now (process exit). */
  flushSync?(): void;
}

/** The key under which an access logger offers its sink to the recording pipeline. */
export const LINE_SINK = Symbol.for('node-observability-kit.access-line-sink');

/**
 * Writes a batch of whole lines: at once where the destination takes
 * batches (the kit's stdout stream), else one call per line, which is
 * pino's destination contract (Logstash counts lines by calls).
 */
export function writeLines(stream: { write(line: string): unknown; writeLines?(text: string): void }, text: string): void {
  if (stream.writeLines !== undefined) return stream.writeLines(text);
  for (let start = 0, end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) stream.write(text.slice(start, end + 1));
}

/** A request logger that serialises the request line itself. */
export interface AccessLogger extends RequestLogger {
  logRequest(req: IncomingMessage, method: string, route: string | undefined, status: number, durationSeconds: number, span: Span | undefined): void;
  readonly [LINE_SINK]?: AccessLineSink;
}

/** `pinoLogger` decides the level and writes whatever is not a request line; `base` is its `base` object and `stream` its destination. */
export function createAccessLogger(pinoLogger: PinoLogger, base: object, stream: { write(line: string): unknown; writeLines?(text: string): void; flushSync?(): void }): AccessLogger {
  const baseFields = JSON.stringify(base).slice(1, -1);
  const levelValues = pinoLogger.levels.values;
  const sink: AccessLineSink = {
    baseFields,
    enabled: (level) => levelValues[level]! >= pinoLogger.levelVal,
    write: (line) => void stream.write(line),
    writeLines: (text) => writeLines(stream, text),
    flushSync: () => stream.flushSync?.(),
  };
  return {
    info: (fields, message) => pinoLogger.info(fields, message),
    warn: (fields, message) => pinoLogger.warn(fields, message),
    error: (fields, message) => pinoLogger.error(fields, message),
    [LINE_SINK]: sink,
    logRequest(req, method, route, status, durationSeconds, span) {
      const level = levelOf(status);
      if (!sink.enabled(level)) return;
      const spanContext = span?.spanContext();
      const ctx = spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
      const fields: AccessLineFields = {
        level,
        timestamp: isoNow(),
        method,
        route,
        status,
        durationNanos: Math.round(durationSeconds * 1e9),
        httpVersion: req.httpVersion,
        // Express rewrites req.url inside mounted routers; originalUrl keeps what the client asked for.
        target: (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/',
        userAgent: req.headers['user-agent'],
        clientAddress: req.socket.remoteAddress,
        traceId: ctx?.traceId,
        spanId: ctx?.spanId,
      };
      stream.write(accessLine(fields, baseFields));
    },
  };
}
