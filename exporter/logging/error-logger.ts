// The error-handling middleware an Express app adds last. Express's own
// handler prints the stack as plain text on stderr, between the JSON lines,
// where Logstash and Kibana cannot read it, and sends HTML. This one writes
// one ECS document per unhandled error (error.type, error.message,
// error.stack_trace, the request's trace.id and span.id, its http and url
// fields) and answers JSON with the error's status, never with the stack.
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { isSpanContextValid } from '@opentelemetry/api';
import { UNMATCHED_ROUTE } from '../../catalog/http.ts';
import type { Logger } from '../logger.ts';
import { pathnameOf, RouteTemplates, type RoutedRequest } from '../route-template.ts';
import { activeSpan } from '../tracing/server-span.ts';

export interface ErrorLoggerOptions {
  /** Receives the error documents; `createLogger().logger` writes them in ECS. 5xx at `error`, 4xx at `warn`. */
  logger: Logger;
}

/** Express recognises an error handler by its four parameters. */
export type ErrorMiddleware = (err: unknown, req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** The body sent for an error: its status text, plus its message when the error says it may be shown (`expose`, as http-errors sets for 4xx). */
export interface ErrorBody {
  error: string;
  message?: string;
}

export function errorLogger(options: ErrorLoggerOptions): ErrorMiddleware {
  const { logger } = options;
  const routes = new RouteTemplates();
  return function errorLogger(err, req, res, _next) {
    const status = res.headersSent ? res.statusCode : errorStatus(err);
    const fields = errorDocument(err, req as IncomingMessage & RoutedRequest, status, routes);
    const message = `${req.method ?? 'HTTP'} ${fields.url.path} failed: ${fields.error.message}`;
    if (status >= 500) (logger.error ?? logger.warn).call(logger, fields, message);
    else logger.warn(fields, message);
    // The status line is gone (a stream failed midway): only closing the connection tells the client.
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body: ErrorBody = { error: STATUS_CODES[status] ?? 'Error' };
    if ((err as { expose?: unknown } | null)?.expose === true && err instanceof Error) body.message = err.message;
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(body));
  };
}

/** `err.status` or `err.statusCode` when it is an HTTP error status (body-parser, http-errors), else 500. */
export function errorStatus(err: unknown): number {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : e?.statusCode;
  return typeof status === 'number' && Number.isInteger(status) && status >= 400 && status <= 599 ? status : 500;
}

/** ECS fields of one failed request; `error` is a plain object so any pino logger writes it as is. */
function errorDocument(err: unknown, req: IncomingMessage & RoutedRequest, status: number, routes: RouteTemplates) {
  const route = routes.resolve(req);
  const ctx = activeSpan()?.spanContext();
  const traced = ctx !== undefined && isSpanContextValid(ctx);
  return {
    error: ecsError(err),
    http: {
      request: { method: req.method },
      response: { status_code: status },
      ...(route !== UNMATCHED_ROUTE && { route }),
    },
    url: { path: pathnameOf(req) },
    ...(traced && { trace: { id: ctx.traceId }, span: { id: ctx.spanId } }),
  };
}

function ecsError(err: unknown): { type: string; message: string; stack_trace?: string; code?: string } {
  if (!(err instanceof Error)) return { type: typeof err, message: String(err) };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: err.message,
    ...(err.stack !== undefined && { stack_trace: err.stack }),
    ...(code !== undefined && { code: String(code) }),
  };
}
