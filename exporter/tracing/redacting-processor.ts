// Censors span attributes through the one redaction policy before a span is
// exported, whichever instrumentation made it: the middleware's server span,
// instrumentation-http's and undici's client spans (`url.full` with the
// query of an outgoing call), the app's own spans. It runs when a span is
// ending, so attributes set at any time during the request are covered.
import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { isSecretName, REDACTED, redactText, redactUrl } from '../redaction.ts';

/**
 * Attributes the kit sets from values that hold no secret (or that the request
 * line logs as they are, as the user agent): not worth a free-text pass on every span.
 */
const PLAIN_ATTRIBUTES = new Set(['http.request.method', 'http.route', 'server.address', 'client.address', 'network.peer.address', 'network.protocol.version', 'url.scheme', 'user_agent.original', 'error.type']);

/** Attributes that hold a URL or a part of one (stable and older HTTP conventions). */
const URL_ATTRIBUTES = new Set(['url.full', 'url.path', 'url.query', 'http.url', 'http.target', 'url.original']);

export class RedactingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _parentContext: Context): void {}

  onEnding(span: Span): void {
    for (const [key, value] of Object.entries(span.attributes)) {
      if (typeof value !== 'string' || PLAIN_ATTRIBUTES.has(key)) continue;
      const censored = censorAttribute(key, value);
      if (censored !== value) span.setAttribute(key, censored);
    }
    // Recorded exceptions carry the error's message and stack, which may quote a URL or a header.
    for (const event of span.events) censorEventAttributes(event.attributes as Record<string, unknown> | undefined);
  }

  onEnd(_span: ReadableSpan): void {}
  forceFlush = async (): Promise<void> => {};
  shutdown = async (): Promise<void> => {};
}

/** The same policy for attributes the telemetry worker builds (recording pipeline): censored in place. */
export function censorAttributes(attributes: Record<string, unknown>): void {
  // for-in over own keys (the worker's attributes are plain objects): no entries array per span.
  for (const key in attributes) {
    const value = attributes[key];
    if (typeof value === 'string' && !PLAIN_ATTRIBUTES.has(key)) attributes[key] = censorAttribute(key, value);
  }
}

/** Event attributes: every string value, plain names included (an exception message may quote anything). */
export function censorEventAttributes(attributes: Record<string, unknown> | undefined): void {
  if (attributes === undefined) return;
  for (const [key, value] of Object.entries(attributes)) if (typeof value === 'string') attributes[key] = censorAttribute(key, value);
}

/** A string attribute censored by its key's policy (a URL part, a secret name, free text). */
export function censorAttribute(key: string, value: string): string {
  if (key === 'url.query') return redactUrl(`?${value}`).slice(1);
  if (URL_ATTRIBUTES.has(key)) return redactUrl(value);
  // `http.request.header.authorization`, `db.password`, `app.session_id`: judged by the last part of the key.
  if (isSecretName(key.slice(key.lastIndexOf('.') + 1))) return REDACTED;
  return redactText(value);
}
