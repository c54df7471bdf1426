// The request's SERVER span when the sampler did not sample it: the API's
// NonRecordingSpan (ids only, every call a no-op), the class
// trace.wrapSpanContext makes, which the API does not export by name. The
// recorder makes it from ids it made valid, so finish() knows them by this
// class and writes them without the API's check of the two hex strings, and
// without a context object built by spread first.
import { INVALID_SPAN_CONTEXT, type Span, type SpanContext, trace, type TraceState } from '@opentelemetry/api';

const NonRecordingSpan = trace.wrapSpanContext(INVALID_SPAN_CONTEXT).constructor as new (context: SpanContext) => Span;

export class UnsampledSpan extends NonRecordingSpan {
  constructor(traceId: string, spanId: string, traceState: TraceState | undefined) {
    super(traceState === undefined ? { traceId, spanId, traceFlags: 0 } : { traceId, spanId, traceFlags: 0, traceState });
  }
}
