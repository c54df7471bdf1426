// Tracing in one call: the OpenTelemetry Node SDK with a batch span
// processor and the OTLP/HTTP exporter (JSON or protobuf), configured by the standard OTEL_*
// variables. Server spans come from the exporter's middleware (one span per
// request, see server-span.ts) rather than from instrumentation-http's
// patching of every incoming request, which measured several times dearer;
// outgoing calls (node:http and fetch) are traced by the official
// instrumentations so their spans are children of the request's span.
import { type Attributes, diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, ParentBasedSampler, type Sampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import type { Registry } from 'prom-client';
import { type Logger, stderrLogger } from '../logger.ts';
import { diagLevel, diagLogger } from './diag-logger.ts';
import { type SelfMetrics, spanPipelineMetrics } from './self-metrics.ts';

export interface TracingOptions {
  /** `service.name`, unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES sets it. */
  serviceName: string;
  /** `service.version`. */
  serviceVersion?: string;
  /** `deployment.environment.name` (e.g. production). */
  environment?: string;
  /** Registry that receives the span pipeline's own metrics (queue, drops, export failures). */
  registry?: Registry;
  logger?: Logger;
  /** Instrumentations added to the default ones (http and fetch client spans). */
  instrumentations?: Instrumentation[];
  /** Span queue and batch settings; OTEL_BSP_* variables win over these. */
  batch?: { maxQueueSize?: number; maxExportBatchSize?: number; scheduledDelayMillis?: number; exportTimeoutMillis?: number };
}

export interface Tracing {
  /** False when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none: nothing is exported. */
  readonly enabled: boolean;
  /** Publishes the span pipeline's counts (queue, drops, export failures) in a registry. */
  registerMetrics(registry: Registry): void;
  /** Exports what is queued and stops; later spans are dropped. Idempotent. */
  shutdown(): Promise<void>;
}

/** The tracing this process started, if any (createExporter publishes its metrics). */
export function currentTracing(): Tracing | undefined {
  return started;
}

/** Default cut of span attribute values: a URL longer than this is junk or an attack. */
const MAX_ATTRIBUTE_LENGTH = 2048;

/** Starts the SDK once per process; later calls return the first one's handle. */
let started: Tracing | undefined;

export function startTracing(options: TracingOptions): Tracing {
  if (started !== undefined) return started;
  const env = process.env;
  const exporterName = getStringFromEnv('OTEL_TRACES_EXPORTER') ?? 'otlp';
  if (isTrue(env.OTEL_SDK_DISABLED) || exporterName === 'none') {
    return (started = { enabled: false, registerMetrics() {}, shutdown: async () => {} });
  }
  if (exporterName !== 'otlp') throw new Error(`OTEL_TRACES_EXPORTER=${JSON.stringify(exporterName)}: only "otlp" (OTLP/HTTP) or "none" are supported`);
  const protocol = otlpProtocol(options.logger ?? stderrLogger);

  const selfMetrics: SelfMetrics = spanPipelineMetrics(options.logger ?? stderrLogger);
  if (options.registry !== undefined) selfMetrics.register(options.registry);
  const selfObsMeterProvider = selfMetrics.meterProvider;
  const exporter = protocol === 'http/protobuf' ? new OTLPProtobufTraceExporter({ selfObsMeterProvider }) : new OTLPJsonTraceExporter({ selfObsMeterProvider });
  const batch = options.batch ?? {};
  const processor = new BatchSpanProcessor({
    exporter,
    maxQueueSize: getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE') ?? batch.maxQueueSize ?? 2048,
    maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? batch.maxExportBatchSize ?? 512,
    scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY') ?? batch.scheduledDelayMillis ?? 1000,
    exportTimeoutMillis: getNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT') ?? batch.exportTimeoutMillis ?? 10_000,
    selfObsMeterProvider,
  });

  const sdk = startNodeSdk({
    // Its console logger is replaced by ours right after start (below).
    logLevel: 'none',
    resourceAttributes: resourceAttributes(options, env),
    spanProcessors: [processor],
    // The standard variable picks the sampler; unset, a parent-based ratio (OTEL_TRACES_SAMPLER_ARG, default 1).
    ...(env.OTEL_TRACES_SAMPLER === undefined && { sampler: defaultSampler() }),
    // Only what is asked for: an unasked OTLP metrics or logs exporter makes shutdown wait for a port where nothing listens.
    ...(env.OTEL_METRICS_EXPORTER === undefined && { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER === undefined && { logRecordProcessors: [] }),
    // A junk URL must not make a span the size of the URL: attribute values are cut (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT wins).
    spanLimits: { attributeValueLengthLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? MAX_ATTRIBUTE_LENGTH },
    instrumentations: [
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      new UndiciInstrumentation(),
      ...(options.instrumentations ?? []),
    ],
  });
  diag.setLogger(diagLogger(options.logger ?? stderrLogger), { logLevel: diagLevel(env), suppressOverrideMessage: true });
  let stopping: Promise<void> | undefined;
  return (started = { enabled: true, registerMetrics: (registry) => selfMetrics.register(registry), shutdown: () => (stopping ??= sdk.shutdown()) });
}

/**
 * OTLP/HTTP with JSON (the default here: about 10 % less CPU per span than
 * protobuf, bench/telemetry-cost.ts) or protobuf (2.4 times smaller on the
 * wire); OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over OTEL_EXPORTER_OTLP_PROTOCOL.
 * gRPC is not shipped: asking for it is logged once and JSON is sent.
 */
function otlpProtocol(logger: Logger): 'http/json' | 'http/protobuf' {
  const protocol = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol === undefined || protocol === 'http/json' || protocol === 'http/protobuf') return protocol ?? 'http/json';
  logger.warn({ protocol }, 'OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or http/protobuf (grpc is not supported by this kit); exporting OTLP/HTTP JSON');
  return 'http/json';
}

function defaultSampler(): Sampler {
  const ratio = getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG') ?? 1;
  return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio >= 0 && ratio <= 1 ? ratio : 1) });
}

/** Our attributes rank below the variables users set: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win. */
function resourceAttributes(options: TracingOptions, env: NodeJS.ProcessEnv): Attributes {
  const fromEnv = new Set((env.OTEL_RESOURCE_ATTRIBUTES ?? '').split(',').map((kv) => kv.split('=')[0]!.trim()));
  if (env.OTEL_SERVICE_NAME) fromEnv.add('service.name');
  const ours: Attributes = {
    'service.name': options.serviceName,
    ...(options.serviceVersion !== undefined && { 'service.version': options.serviceVersion }),
    ...(options.environment !== undefined && { 'deployment.environment.name': options.environment }),
  };
  return Object.fromEntries(Object.entries(ours).filter(([k]) => !fromEnv.has(k)));
}

const isTrue = (v: string | undefined) => v !== undefined && v.trim().toLowerCase() === 'true';
