// The request log's fast path: createLogger's `accessLogger` writes the one
// line per request as a string template, without building a fields object
// for pino to walk (`node bench/telemetry-cost.ts` measures both). The line is
// the same ECS document the pino path writes (test/logging.test.ts compares
// them); anything else logged through it goes to pino as usual.
import type { IncomingMessage } from 'node:http';
import type { Span } from '@opentelemetry/api';
import type { Logger as PinoLogger } from 'pino';
import { type RequestLogger, requestLine } from './request-log.ts';
import { isoNow } from './timestamp.ts';

/** A request logger that serialises the request line itself. */
export interface AccessLogger extends RequestLogger {
  logRequest(req: IncomingMessage, method: string, route: string | undefined, status: number, durationSeconds: number, span: Span | undefined): void;
}

/** `pinoLogger` decides the level and writes whatever is not a request line; `base` is its `base` object and `stream` its destination. */
export function createAccessLogger(pinoLogger: PinoLogger, base: object, stream: { write(line: string): unknown }): AccessLogger {
  const baseFields = JSON.stringify(base).slice(1, -1);
  const json = JSON.stringify;
  const levelValues = pinoLogger.levels.values;
  return {
    info: (fields, message) => pinoLogger.info(fields, message),
    warn: (fields, message) => pinoLogger.warn(fields, message),
    error: (fields, message) => pinoLogger.error(fields, message),
    logRequest(req, method, route, status, durationSeconds, span) {
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (levelValues[level]! < pinoLogger.levelVal) return;
      const r = requestLine(req, method, route, status, durationSeconds, span);
      stream.write(
        `{"log.level":"${level}","@timestamp":"${isoNow()}",${baseFields}` +
          (r.traceId === undefined ? '' : `,"trace":{"id":"${r.traceId}"},"span":{"id":"${r.spanId}"}`) +
          `,"event":{"duration":${r.durationNanos},"dataset":"http.access"}` +
          `,"http":{"request":{"method":${json(method)}},"response":{"status_code":${status}}${route === undefined ? '' : `,"route":${json(route)}`},"version":${json(req.httpVersion)}}` +
          `,"url":{"path":${json(r.path)}${r.query === undefined ? '' : `,"query":${json(r.query)}`}}` +
          (r.userAgent === undefined ? '' : `,"user_agent":{"original":${json(r.userAgent)}}`) +
          (r.clientAddress === undefined ? '' : `,"client":{"address":${json(r.clientAddress)}}`) +
          `,"message":${json(r.message)}}\n`,
      );
    },
  };
}
