// One SERVER span per request, named and attributed by the stable HTTP
// semantic conventions, its parent taken from the W3C traceparent header by
// the globally registered propagator. The middleware starts it, runs the rest
// of the request in its context, and ends it when the response closes.
import type { IncomingMessage } from 'node:http';
import { context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace, TraceFlags, type Tracer } from '@opentelemetry/api';
import type { HTTP_METHODS } from '../catalog/http.ts';

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
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const host = req.headers.host ?? '';
  const colon = host.lastIndexOf(':');
  const hasPort = colon > host.lastIndexOf(']');
  return tracer.startSpan(
    spanMethod(method),
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': method,
        ...(method === '_OTHER' && req.method !== undefined && { 'http.request.method_original': req.method }),
        'url.path': q === -1 ? url : url.slice(0, q),
        ...(q !== -1 && { 'url.query': url.slice(q + 1) }),
        'url.scheme': (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
        'server.address': hasPort ? host.slice(0, colon) : host,
        ...(hasPort && { 'server.port': Number(host.slice(colon + 1)) }),
        'network.protocol.version': req.httpVersion,
        ...(req.socket.remoteAddress !== undefined && { 'client.address': req.socket.remoteAddress }),
        ...(req.headers['user-agent'] !== undefined && { 'user_agent.original': req.headers['user-agent'] }),
      },
    },
    parent,
  );
}

/** Runs `fn` with `span` active, so log lines and outgoing calls made for the request belong to it. */
export function withSpan<T>(span: Span, fn: () => T): T {
  return context.with(trace.setSpan(context.active(), span), fn);
}

export function endServerSpan(span: Span, method: HttpMethod, route: string | undefined, status: number): void {
  if (route !== undefined) {
    span.setAttribute('http.route', route);
    span.updateName(`${spanMethod(method)} ${route}`);
  }
  span.setAttribute('http.response.status_code', status);
  // Server spans are errors on 5xx only: a 4xx is the client's mistake, not the server's.
  if (status >= 500) {
    span.setAttribute('error.type', String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
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
