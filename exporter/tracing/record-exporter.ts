// The telemetry worker's span exporter: the SDK's OTLP/HTTP transport
// (endpoint, headers, compression, timeout and retries from the OTEL_*
// variables, the exporter's self-metrics) with a serializer that takes
// request records instead of SDK spans. Protobuf is encoded straight from
// the records (record-protobuf.ts); JSON goes through the SDK's serializer.
// The SDK's batch span processor queues the records, as it queues spans:
// it reads a span's sampled flag and resource and nothing else.
import { type MeterProvider, TraceFlags } from '@opentelemetry/api';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { type IExporterMetricsHelper, type IExportTraceServiceResponse, type ISerializer, JsonTraceSerializer, ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { encodeRecordSpans } from './record-protobuf.ts';
import { recordToReadableSpan } from './record-span.ts';
import type { RequestRecord } from './request-record.ts';

/** The component type the SDK's own OTLP/HTTP span exporters report in their self-metrics. */
const COMPONENT_TYPE = 'otlp_http_span_exporter';
const SAMPLED = { traceId: '', spanId: '', traceFlags: TraceFlags.SAMPLED };

/** A sampled request record in the batch span processor's queue. */
export class QueuedRecord {
  /** The record, or its span encoded already (protobuf, span-in-ring.ts). */
  readonly item: RequestRecord | Uint8Array;
  readonly resource: Resource;

  constructor(item: RequestRecord | Uint8Array, resource: Resource) {
    this.item = item;
    this.resource = resource;
  }

  spanContext(): typeof SAMPLED {
    return SAMPLED;
  }

  /** The processor's queue is typed for SDK spans; it reads only spanContext() and resource, which a queued record has. */
  asQueued(): ReadableSpan {
    return this as unknown as ReadableSpan;
  }
}

export interface RecordExporterOptions {
  readonly protocol: 'http/json' | 'http/protobuf';
  readonly scopeName: string;
  readonly attributeValueLengthLimit: number;
  readonly selfObsMeterProvider: MeterProvider;
}

export function createRecordExporter(options: RecordExporterOptions): SpanExporter {
  const { scopeName, attributeValueLengthLimit: limit } = options;
  const scope = { name: scopeName };
  const protobuf = options.protocol === 'http/protobuf';
  const serializer: ISerializer<QueuedRecord[], IExportTraceServiceResponse> = protobuf
    ? {
        // One resource per worker (the batch's first record's is every record's).
        serializeRequest: (items) => encodeRecordSpans(items.map((i) => i.item), items[0]?.resource.attributes ?? {}, scopeName, limit),
        deserializeResponse: (data) => ProtobufTraceSerializer.deserializeResponse(data),
      }
    : {
        // The worker queues records, never encoded spans, for JSON.
        serializeRequest: (items) => JsonTraceSerializer.serializeRequest(items.map((i) => recordToReadableSpan(i.item as RequestRecord, i.resource, scope, limit))),
        deserializeResponse: (data) => JsonTraceSerializer.deserializeResponse(data),
      };
  const http = convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', { 'Content-Type': protobuf ? 'application/x-protobuf' : 'application/json' });
  // The helper counts the items of a request (request.length), whatever they are.
  const delegate = createOtlpHttpExportDelegate(http, serializer, COMPONENT_TYPE, TraceExporterMetricsHelper as unknown as IExporterMetricsHelper<QueuedRecord[]>, options.selfObsMeterProvider);
  // The processor hands over what it queued: QueuedRecords (see asQueued).
  return new OTLPExporterBase(delegate) as unknown as SpanExporter;
}
