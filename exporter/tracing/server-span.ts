// One SERVER span per request, named and attributed by the stable HTTP
// semantic conventions, its parent taken from the W3C traceparent header by
// the globally registered propagator. The middleware starts it, runs the rest
// of the request in its context, and ends it when the response closes.
import type { IncomingMessage } from 'node:http';
import { type Attributes, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import type { HTTP_METHODS } from '../../catalog/http.ts';
import { splitTarget } from '../redaction.ts';

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
  // Secret query and matrix parameters are censored here and again when the span ends (redacting-processor.ts), for spans made elsewhere.
  const { path, query } = splitTarget(req.url ?? '/');
  const host = headers.host ?? '';
  const colon = host.lastIndexOf(':');
  const hasPort = colon > host.lastIndexOf(']');
  // Built key by key (no spreads): this object is made on every request.
  const attributes: Attributes = {
    'http.request.method': method,
    'url.path': path,
    'url.scheme': (socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
    'server.address': hasPort ? host.slice(0, colon) : host,
    'network.protocol.version': req.httpVersion,
  };
  if (method === '_OTHER' && req.method !== undefined) attributes['http.request.method_original'] = req.method;
  if (query !== undefined) attributes['url.query'] = query;
  if (hasPort) attributes['server.port'] = Number(host.slice(colon + 1));
  if (socket.remoteAddress !== undefined) attributes['client.address'] = socket.remoteAddress;
  if (headers['user-agent'] !== undefined) attributes['user_agent.original'] = headers['user-agent'];
  return tracer.startSpan(spanMethod(method), { kind: SpanKind.SERVER, attributes }, parent);
}

/** Runs `fn` with `span` active, so log lines and outgoing calls made for the request belong to it. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

export function endServerSpan(span: Span, method: HttpMethod, route: string | undefined, status: number): void {
  const attributes: Attributes = { 'http.response.status_code': status };
  if (route !== undefined) {
    attributes['http.route'] = route;
    span.updateName(`${spanMethod(method)} ${route}`);
  }
  // Server spans are errors on 5xx only: a 4xx is the client's mistake, not the server's.
  if (status >= 500) {
    attributes['error.type'] = String(status);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.setAttributes(attributes);
  span.end();
}

/** `trace_id`/`span_id` of a sampled span, as exemplar labels; nothing for an unsampled or invalid one. */
export function exemplarOf(span: Span | undefined): Record<string, string> | undefined {
  if (span === undefined) return undefined;
  const ctx = span.spanContext();
  if ((ctx.traceFlags & TraceFlags.SAMPLED) === 0 || !trace.isSpanContextValid(ctx)) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/** The span active in the current context (made by our middleware or the app's own instrumentation). */
export function activeSpan(): Span | undefined {
  return trace.getSpan(context.active());
}
