// The request's SERVER span as the recording pipeline keeps it on the
// request thread: an OpenTelemetry API span (so it sits in the active
// context, child spans of the official instrumentations and of app code
// take it as parent, and app code may add attributes, events or a status),
// but only a span context and, when the app adds something, a few fields.
// It is turned into an OTLP span by the telemetry worker, from the record
// the middleware writes when the response closes.
import type { Attributes, AttributeValue, Exception, Link, Span, SpanContext, SpanStatus, TimeInput } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { SpanExtras } from './request-record.ts';

/** Attributes an app may set on one span, as the SDK's default limit. */
const MAX_ATTRIBUTES = 128;
const MAX_EVENTS = 128;

const toMillis = (t: TimeInput | undefined): number => {
  if (t === undefined) return performance.timeOrigin + performance.now();
  if (typeof t === 'number') return t < 1e12 ? performance.timeOrigin + t : t; // performance.now() values, as the SDK reads them
  if (t instanceof Date) return t.getTime();
  return t[0] * 1e3 + t[1] / 1e6;
};

export class RecordedSpan implements Span {
  readonly #context: SpanContext;
  /** What the app added, if anything: sent to the worker as JSON. */
  #extras: SpanExtras | undefined;
  #attributeCount = 0;
  #ended = false;

  /** The parent's span id, when the request carried one (or the app's context had one). */
  readonly parentSpanId: string | undefined;
  readonly remoteParent: boolean;
  /** The request target when the span started (req.url; routers rewrite it later): the span's url.path and url.query. */
  readonly target: string;

  constructor(context: SpanContext, parentSpanId: string | undefined, remoteParent: boolean, target: string) {
    this.#context = context;
    this.parentSpanId = parentSpanId;
    this.remoteParent = remoteParent;
    this.target = target;
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.#ended || value === undefined || value === null) return this;
    const attributes = ((this.#extras ??= {}).a ??= {});
    if (!Object.hasOwn(attributes, key)) {
      if (this.#attributeCount >= MAX_ATTRIBUTES) return this;
      this.#attributeCount++;
    }
    attributes[key] = value;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.setAttribute(key, value);
    return this;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, startTime?: TimeInput): this {
    if (this.#ended) return this;
    const events = ((this.#extras ??= {}).e ??= []);
    if (events.length >= MAX_EVENTS) return this;
    const isTime = typeof attributesOrStartTime === 'number' || attributesOrStartTime instanceof Date || Array.isArray(attributesOrStartTime);
    const attributes = isTime ? undefined : (attributesOrStartTime as Attributes | undefined);
    events.push({ n: name, t: toMillis(isTime ? (attributesOrStartTime as TimeInput) : startTime), ...(attributes !== undefined && { a: attributes }) });
    return this;
  }

  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  /** As the SDK: OK is final, UNSET is ignored, a message only with ERROR. */
  setStatus(status: SpanStatus): this {
    if (this.#ended || status.code === SpanStatusCode.UNSET) return this;
    const extras = (this.#extras ??= {});
    if (extras.s?.c === SpanStatusCode.OK) return this;
    extras.s = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { c: status.code, m: status.message } : { c: status.code };
    return this;
  }

  updateName(name: string): this {
    if (!this.#ended) (this.#extras ??= {}).n = name;
    return this;
  }

  /** The middleware ends the span when the response closes; an earlier end() by the app only stops further changes. */
  end(_endTime?: TimeInput): void {
    this.#ended = true;
  }

  isRecording(): boolean {
    return !this.#ended;
  }

  /** As the SDK: an `exception` event with type, message and stack. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      if (exception.code) attributes['exception.type'] = exception.code.toString();
      else if (exception.name) attributes['exception.type'] = exception.name;
      if (exception.message) attributes['exception.message'] = exception.message;
      if (exception.stack) attributes['exception.stacktrace'] = exception.stack;
    }
    if (attributes['exception.type'] !== undefined || attributes['exception.message'] !== undefined) this.addEvent('exception', attributes, time);
  }

  /** What the app added, as JSON for the record; undefined when nothing (the common case). */
  extrasJson(): string | undefined {
    return this.#extras === undefined ? undefined : JSON.stringify(this.#extras);
  }
}
