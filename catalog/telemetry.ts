// The telemetry pipeline's own health: spans the OpenTelemetry SDK queued,
// exported or dropped (its self-observability metrics, semconv names mapped
// to Prometheus), and log records shipped to or dropped before Logstash.
// A responder reads these when traces or logs go missing.
import { counter, gauge } from './spec.ts';

/** `error_type` values: `queue_full` when the span queue was full, otherwise the export error's name. */
export const spanProcessed = counter({
  name: 'otel_sdk_processor_span_processed_total',
  help: 'Spans whose processing by the batch span processor finished; error_type is set when they were dropped (queue_full) or their export failed.',
  unit: '',
  labels: ['error_type'],
  maxSeries: 20,
  source: 'exporter',
});

export const spanQueueSize = gauge({
  name: 'otel_sdk_processor_span_queue_size',
  help: 'Spans waiting in the batch span processor queue.',
  unit: '',
  labels: [],
  source: 'exporter',
});

export const spanQueueCapacity = gauge({
  name: 'otel_sdk_processor_span_queue_capacity',
  help: 'Spans the batch span processor queue holds before it drops new ones.',
  unit: '',
  labels: [],
  source: 'exporter',
});

export const spanExported = counter({
  name: 'otel_sdk_exporter_span_exported_total',
  help: 'Spans the OTLP exporter finished exporting; error_type is set when the export failed.',
  unit: '',
  labels: ['error_type'],
  maxSeries: 20,
  source: 'exporter',
});

export const spanInflight = gauge({
  name: 'otel_sdk_exporter_span_inflight',
  help: 'Spans handed to the OTLP exporter whose export has not finished yet.',
  unit: '',
  labels: [],
  source: 'exporter',
});

export const LOG_DROP_REASONS = ['buffer_full', 'disconnected'] as const;

export const logRecordsShipped = counter({
  name: 'log_records_shipped_total',
  help: 'Log records written to a remote log destination (Logstash over TCP).',
  unit: '',
  labels: ['destination'],
  values: { destination: ['logstash'] },
  source: 'exporter',
});

export const logRecordsDropped = counter({
  name: 'log_records_dropped_total',
  help: 'Log records dropped before a remote log destination because its buffer was full or it was unreachable for too long.',
  unit: '',
  labels: ['destination', 'reason'],
  values: { destination: ['logstash'], reason: LOG_DROP_REASONS },
  source: 'exporter',
});

export const telemetryRecordsDropped = counter({
  name: 'telemetry_records_dropped_total',
  help: 'Requests whose span (signal="span") or request log line (signal="log") was dropped because the ring buffer between the request thread and the telemetry worker was full.',
  unit: '',
  labels: ['signal'],
  values: { signal: ['span', 'log'] },
  source: 'exporter',
});

export const telemetryMetrics = {
  spanProcessed,
  spanQueueSize,
  spanQueueCapacity,
  spanExported,
  spanInflight,
  logRecordsShipped,
  logRecordsDropped,
  telemetryRecordsDropped,
} as const;
