// The request's SERVER span when the sampler did not sample it: ids only,
// every call a no-op, as the API's NonRecordingSpan that
// trace.wrapSpanContext returns. The recorder makes it from ids it made
// valid, so finish() writes them without the API's check of the two hex
// strings, and without a context object built by spread first.
import type { Attributes, AttributeValue, Exception, Link, Span, SpanContext, SpanStatus, TimeInput, TraceState } from '@opentelemetry/api';

export class UnsampledSpan implements Span {
  readonly #context: SpanContext;

  constructor(traceId: string, spanId: string, traceState: TraceState | undefined) {
    this.#context = traceState === undefined ? { traceId, spanId, traceFlags: 0 } : { traceId, spanId, traceFlags: 0, traceState };
  }

  spanContext(): SpanContext {
    return this.#context;
  }

  setAttribute(_key: string, _value: AttributeValue): this {
    return this;
  }

  setAttributes(_attributes: Attributes): this {
    return this;
  }

  addEvent(_name: string, _attributesOrStartTime?: Attributes | TimeInput, _startTime?: TimeInput): this {
    return this;
  }

  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(_status: SpanStatus): this {
    return this;
  }

  updateName(_name: string): this {
    return this;
  }

  end(_endTime?: TimeInput): void {}

  isRecording(): boolean {
    return false;
  }

  recordException(_exception: Exception, _time?: TimeInput): void {}
}
