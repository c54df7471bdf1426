// The one log line per request, in Elastic Common Schema fields, carrying
// the ids of the request's span. Query and path (matrix) parameters named
// like credentials are redacted before the line is built (../redaction.ts);
// headers are never logged.
import type { IncomingMessage } from 'node:http';
import { isSpanContextValid, type Span } from '@opentelemetry/api';
import { splitTarget } from '../redaction.ts';
import type { AccessLogger } from './access-logger.ts';

/** The subset of a pino logger the request log needs. */
export interface RequestLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** The parts of a request line both writers (pino's fields object, the access logger's template) share. */
export interface RequestLine {
  readonly path: string;
  /** The query string with secret-looking parameters redacted; absent without a `?`. */
  readonly query: string | undefined;
  readonly durationNanos: number;
  readonly userAgent: string | undefined;
  readonly clientAddress: string | undefined;
  readonly traceId: string | undefined;
  readonly spanId: string | undefined;
  readonly message: string;
}

export function requestLine(req: IncomingMessage, method: string, route: string | undefined, status: number, durationSeconds: number, span: Span | undefined): RequestLine {
  // Express rewrites req.url inside mounted routers; originalUrl keeps what the client asked for.
  const { path, query } = splitTarget((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/');
  const spanContext = span?.spanContext();
  const ctx = spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
  return {
    path,
    query,
    durationNanos: Math.round(durationSeconds * 1e9),
    userAgent: req.headers['user-agent'],
    clientAddress: req.socket.remoteAddress,
    traceId: ctx?.traceId,
    spanId: ctx?.spanId,
    message: `${method} ${path} ${status}`,
  };
}

/** Writes one request line; the middleware gets it once, from requestLineWriter. */
export type RequestLineWriter = AccessLogger['logRequest'];

/** The request-line writer for `logger`, chosen once: its own template when it has one (createLogger's accessLogger), else fields for pino. */
export function requestLineWriter(logger: RequestLogger | AccessLogger): RequestLineWriter {
  if ('logRequest' in logger) return (...args) => logger.logRequest(...args);
  return (req, method, route, status, durationSeconds, span) => {
    const r = requestLine(req, method, route, status, durationSeconds, span);
    const fields = {
      event: { duration: r.durationNanos, dataset: 'http.access' },
      http: {
        request: { method },
        response: { status_code: status },
        ...(route !== undefined && { route }),
        version: req.httpVersion,
      },
      url: { path: r.path, ...(r.query !== undefined && { query: r.query }) },
      ...(r.userAgent !== undefined && { user_agent: { original: r.userAgent } }),
      ...(r.clientAddress !== undefined && { client: { address: r.clientAddress } }),
      ...(r.traceId !== undefined && { trace: { id: r.traceId }, span: { id: r.spanId } }),
    };
    if (status >= 500) logger.error(fields, r.message);
    else if (status >= 400) logger.warn(fields, r.message);
    else logger.info(fields, r.message);
  };
}

/** Writes one request line through `logger` (for one-off calls; the middleware keeps its writer). */
export function logRequest(logger: RequestLogger | AccessLogger, ...line: Parameters<RequestLineWriter>): void {
  requestLineWriter(logger)(...line);
}
