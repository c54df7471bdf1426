// The one log line per request, in Elastic Common Schema fields, carrying
// the ids of the request's span. Query parameters that look like credentials
// are redacted before the line is built; headers are never logged.
import type { IncomingMessage } from 'node:http';
import { isSpanContextValid, type Span } from '@opentelemetry/api';

export const REDACTED = '[REDACTED]';

/** Query parameters whose values are never logged. */
const SECRET_PARAM = /(^|&)([^=&]*(?:token|passw|secret|api[-_]?key|auth|session|signature|sig|code|credential)[^=&]*)=[^&]*/gi;

export function redactQuery(query: string): string {
  return query.replace(SECRET_PARAM, `$1$2=${REDACTED}`);
}

/** The subset of a pino logger the request log needs. */
export interface RequestLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export function logRequest(
  logger: RequestLogger,
  req: IncomingMessage,
  method: string,
  route: string | undefined,
  status: number,
  durationSeconds: number,
  span: Span | undefined,
): void {
  // Express rewrites req.url inside mounted routers; originalUrl keeps what the client asked for.
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const spanContext = span?.spanContext();
  const ctx = spanContext !== undefined && isSpanContextValid(spanContext) ? spanContext : undefined;
  const fields = {
    event: { duration: Math.round(durationSeconds * 1e9), dataset: 'http.access' },
    http: {
      request: { method },
      response: { status_code: status },
      ...(route !== undefined && { route }),
      version: req.httpVersion,
    },
    url: { path, ...(q !== -1 && { query: redactQuery(url.slice(q + 1)) }) },
    ...(req.headers['user-agent'] !== undefined && { user_agent: { original: req.headers['user-agent'] } }),
    ...(req.socket.remoteAddress !== undefined && { client: { address: req.socket.remoteAddress } }),
    ...(ctx !== undefined && { trace: { id: ctx.traceId }, span: { id: ctx.spanId } }),
  };
  const message = `${method} ${path} ${status}`;
  if (status >= 500) logger.error(fields, message);
  else if (status >= 400) logger.warn(fields, message);
  else logger.info(fields, message);
}
