// One SERVER span per request, named and attributed by the stable HTTP
// semantic conventions, its parent taken from the W3C traceparent header by
// the globally registered propagator. The middleware starts it, runs the rest
// of the request in its context, and ends it when the response closes.
import type { IncomingMessage } from 'node:http';
import { type Attributes, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import type { HTTP_METHODS } from '../../catalog/http.ts';
import { splitTarget } from '../redaction.ts';
import { RecordedSpan } from './recorded-span.ts';
import { SpanOnContext } from './span-on-context.ts';

export const TRACER_NAME = 'node-observability-kit';

/** The request method as the middleware normalised it: a known method, or `_OTHER`. */
type HttpMethod = (typeof HTTP_METHODS)[number];

/** Span names use `HTTP` for methods the conventions do not know. */
const spanMethod = (method: HttpMethod) => (method === '_OTHER' ? 'HTTP' : method);

/** The tracer of the globally registered provider (a no-op one until tracing starts). */
export function kitTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

export function startServerSpan(tracer: Tracer, req: IncomingMessage, method: HttpMethod): Span {
  const { headers, socket } = req;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const attributes = requestAttributes(
    method,
    req.url ?? '/',
    headers.host,
    (socket as { encrypted?: boolean }).encrypted === true,
    req.httpVersion,
    method === '_OTHER' ? req.method : undefined,
    socket.remoteAddress,
    headers['user-agent'],
  );
  return tracer.startSpan(spanMethod(method), { kind: SpanKind.SERVER, attributes }, parent);
}

/**
 * A server span's attributes from what is known when the request comes in,
 * by the stable HTTP conventions; the SDK pipeline sets them here and the
 * telemetry worker from a record. Secret query and matrix parameters are
 * censored here and again when the span ends (redacting-processor.ts).
 * Positional and built key by key (no spreads): this runs on every request.
 */
export function requestAttributes(
  method: HttpMethod,
  target: string,
  hostHeader: string | undefined,
  encrypted: boolean,
  httpVersion: string,
  methodOriginal: string | undefined,
  clientAddress: string | undefined,
  userAgent: string | undefined,
): Attributes {
  const { path, query } = splitTarget(target);
  const host = hostHeader ?? '';
  const colon = host.lastIndexOf(':');
  const hasPort = colon > host.lastIndexOf(']');
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': path,
    'url.scheme': encrypted ? 'https' : 'http',
    'server.address': hasPort ? host.slice(0, colon) : host,
    'network.protocol.version': httpVersion,
  };
  if (method === '_OTHER' && methodOriginal !== undefined) attributes['http.request.method_original'] = methodOriginal;
  if (query !== undefined) attributes['url.query'] = query;
  if (hasPort) attributes['server.port'] = Number(host.slice(colon + 1));
  if (clientAddress !== undefined) attributes['client.address'] = clientAddress;
  if (userAgent !== undefined) attributes['user_agent.original'] = userAgent;
  return attributes;
}

/** What the response adds: its status, the route template, and error.type on 5xx (a 4xx is the client's mistake). */
export function responseAttributes(route: string | undefined, status: number): Attributes {
  const attributes: Attributes = { 'http.response.status_code': status };
  if (route !== undefined) attributes['http.route'] = route;
  if (status >= 500) attributes['error.type'] = String(status);
  return attributes;
}

/** `GET /orders/:id`, or the method alone (HTTP for unknown ones) without a route. */
export function serverSpanName(method: HttpMethod, route: string | undefined): string {
  return route === undefined ? spanMethod(method) : `${spanMethod(method)} ${route}`;
}

/** Runs `fn` with `span` active, so log lines and outgoing calls made for the request belong to it. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(new SpanOnContext(context.active(), span), fn);
}

export function endServerSpan(span: Span, method: HttpMethod, route: string | undefined, status: number): void {
  if (route !== undefined) span.updateName(serverSpanName(method, route));
  // Server spans are errors on 5xx only: a 4xx is the client's mistake, not the server's.
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.setAttributes(responseAttributes(route, status));
  span.end();
}

/** `trace_id`/`span_id` of a sampled span, as exemplar labels; nothing for an unsampled or invalid one. */
export function exemplarOf(span: Span | undefined): Record<string, string> | undefined {
  if (span === undefined) return undefined;
  const ctx = span.spanContext();
  // The recording pipeline's spans are sampled, with ids it made valid: the two regex checks below are for other spans.
  if (span instanceof RecordedSpan) return { trace_id: ctx.traceId, span_id: ctx.spanId };
  if ((ctx.traceFlags & TraceFlags.SAMPLED) === 0 || !trace.isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/** The span active in the current context (made by our middleware or the app's own instrumentation). */
export function activeSpan(): Span | undefined {
  return trace.getSpan(context.active());
}
