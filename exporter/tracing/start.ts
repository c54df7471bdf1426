// Tracing in one call: the OpenTelemetry Node SDK with a batch span
// processor and the OTLP/HTTP exporter (JSON or protobuf), configured by the standard OTEL_*
// variables. Server spans come from the exporter's middleware (one span per
// request, see server-span.ts) rather than from instrumentation-http's
// patching of every incoming request, which measured several times dearer;
// outgoing calls (node:http and fetch) are traced by the official
// instrumentations so their spans are children of the request's span.
// That works in ESM apps too, named imports included, without a loader
// hook: see builtin-clients.ts.
import { type Attributes, diag, trace } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { getStringFromEnv } from '@opentelemetry/core';
import { OTLPTraceExporter as OTLPJsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OTLPProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { startNodeSdk } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { Registry } from 'prom-client';
import { type Logger, stderrLogger } from '../logger.ts';
import { diagLevel, diagLogger } from './diag-logger.ts';
import { readOtelEnv } from './otel-env.ts';
import { RedactingSpanProcessor } from './redacting-processor.ts';
import { RequestRecorder } from './request-recorder.ts';
import { TRACER_NAME } from './server-span.ts';
import { type SelfMetrics, spanPipelineMetrics } from './self-metrics.ts';
import { patchBuiltinClients, warnIfEsmHookMissing } from './builtin-clients.ts';

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
  /**
   * How the middleware's server spans and request lines are made:
   * `recording` (default) writes one compact record per request into a
   * shared ring and a worker thread builds, serialises and exports the span
   * and renders the line; `sdk` makes them on the request thread with the
   * OpenTelemetry SDK. OBSERVABILITY_TRACING_PIPELINE wins over this.
   * Other spans (client calls, the app's own) always go through the SDK.
   */
  pipeline?: TracingPipeline;
  /** Bytes of the recording pipeline's ring (default 8 MiB); a full ring drops and counts. */
  ringBytes?: number;
}

export type TracingPipeline = 'recording' | 'sdk';
export const PIPELINE_ENV = 'OBSERVABILITY_TRACING_PIPELINE';

export interface Tracing {
  /** False when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none: nothing is exported. */
  readonly enabled: boolean;
  /** Publishes the span pipeline's counts (queue, drops, export failures) in a registry. */
  registerMetrics(registry: Registry): void;
  /** Exports what is queued now (request records included) and waits for it; never rejects. */
  flush(): Promise<void>;
  /** Exports what is queued and stops; later spans are dropped. Idempotent; never rejects (a failed final export is logged). */
  shutdown(): Promise<void>;
}

/** The tracing this process started, if any (createExporter publishes its metrics). */
export function currentTracing(): Tracing | undefined {
  return started;
}

/** The recording pipeline of the tracing this process started, if it runs one (createExporter hands it to the middleware). */
export function currentRecorder(): RequestRecorder | undefined {
  return recorder;
}
let recorder: RequestRecorder | undefined;

/** Default cut of span attribute values: a URL longer than this is junk or an attack. */
const MAX_ATTRIBUTE_LENGTH = 2048;

/** Starts the SDK once per process; later calls return the first one's handle. */
let started: Tracing | undefined;

export function startTracing(options: TracingOptions): Tracing {
  if (started !== undefined) return started;
  const logger = options.logger ?? stderrLogger;
  const settings = readOtelEnv(process.env, (variable, message) => logger.warn({ 'otel.variable': variable }, `${variable}: ${message}`));
  if (!settings.enabled) return (started = { enabled: false, registerMetrics() {}, flush: async () => {}, shutdown: async () => {} });
  const protocol = otlpProtocol(logger);
  const pipeline = tracingPipeline(options.pipeline, logger);

  const selfMetrics: SelfMetrics = spanPipelineMetrics(logger);
  if (options.registry !== undefined) selfMetrics.register(options.registry);
  const selfObsMeterProvider = selfMetrics.meterProvider;
  const exporter = protocol === 'http/protobuf' ? new OTLPProtobufTraceExporter({ selfObsMeterProvider }) : new OTLPJsonTraceExporter({ selfObsMeterProvider });
  const batch = options.batch ?? {};
  const batchSettings = {
    maxQueueSize: settings.bsp.maxQueueSize ?? batch.maxQueueSize ?? 2048,
    maxExportBatchSize: settings.bsp.maxExportBatchSize ?? batch.maxExportBatchSize ?? 512,
    scheduledDelayMillis: settings.bsp.scheduledDelayMillis ?? batch.scheduledDelayMillis ?? 1000,
    exportTimeoutMillis: settings.bsp.exportTimeoutMillis ?? batch.exportTimeoutMillis ?? 10_000,
  };
  const processor = new BatchSpanProcessor({ exporter, ...batchSettings, selfObsMeterProvider });
  const attributeValueLengthLimit = settings.attributeValueLengthLimit ?? MAX_ATTRIBUTE_LENGTH;

  const env = process.env;
  const sdk = startNodeSdk({
    // Its console logger is replaced by ours right after start (below).
    logLevel: 'none',
    resourceAttributes: resourceAttributes(options, env),
    // Secrets in any span's attributes are censored before the batch processor queues it.
    spanProcessors: [new RedactingSpanProcessor(), processor],
    // OTEL_TRACES_SAMPLER/_ARG, validated (otel-env.ts); unset, a parent-based ratio (default 1).
    sampler: settings.sampler,
    // Only what is asked for: an unasked OTLP metrics or logs exporter makes shutdown wait for a port where nothing listens.
    ...(env.OTEL_METRICS_EXPORTER === undefined && { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER === undefined && { logRecordProcessors: [] }),
    // A junk URL must not make a span the size of the URL: attribute values are cut (OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT wins).
    spanLimits: { attributeValueLengthLimit },
    instrumentations: [
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      new UndiciInstrumentation(),
      ...(options.instrumentations ?? []),
    ],
  });
  diag.setLogger(diagLogger(logger), { logLevel: diagLevel(env), suppressOverrideMessage: true });
  // node:http/https client spans in ESM apps too, named imports included (builtin-clients.ts).
  patchBuiltinClients();
  if (options.instrumentations !== undefined && options.instrumentations.length > 0) warnIfEsmHookMissing(logger);
  if (pipeline === 'recording') {
    recorder = new RequestRecorder({
      sampler: settings.sampler,
      logger,
      selfMetrics,
      ...(options.ringBytes !== undefined && { ringBytes: options.ringBytes }),
      worker: { protocol, batch: batchSettings, attributeValueLengthLimit, scopeName: TRACER_NAME },
    });
    sendSdkResource(recorder, options);
    if (options.registry !== undefined) recorder.register(options.registry);
  }
  const pipelineRecorder = recorder;
  let stopping: Promise<void> | undefined;
  return (started = {
    enabled: true,
    registerMetrics: (registry) => {
      selfMetrics.register(registry);
      pipelineRecorder?.register(registry);
    },
    flush: () =>
      Promise.all([pipelineRecorder?.flush(), processor.forceFlush()])
        .then(() => undefined)
        .catch((err: unknown) => logger.warn({ err }, `tracing: flush failed: ${String(err)}`)),
    shutdown: () =>
      // The worker drains first: the spans it exports are the request spans, the SDK's are the rest.
      // A collector that is down at exit must not turn the app's shutdown into an unhandled rejection:
      // the spans it did not take are already counted as export failures (self-metrics); say it once and resolve.
      (stopping ??= Promise.all([pipelineRecorder?.shutdown(), sdk.shutdown()])
        .then(() => undefined)
        .catch((err: unknown) => logger.warn({ err }, `tracing: spans still queued at shutdown were not exported: ${String(err)}`))),
  });
}

/** OBSERVABILITY_TRACING_PIPELINE, else the option, else `recording`; a wrong value is logged once and the default used. */
function tracingPipeline(option: TracingPipeline | undefined, logger: Logger): TracingPipeline {
  const value = process.env[PIPELINE_ENV]?.trim() || option;
  if (value === undefined || value === 'recording' || value === 'sdk') return value ?? 'recording';
  logger.warn({ [PIPELINE_ENV]: value }, `${PIPELINE_ENV} must be recording or sdk; using recording`);
  return 'recording';
}

/**
 * The recording pipeline's spans carry the resource the SDK detected, so
 * they and the SDK's own spans (client calls) name the same service. The
 * SDK keeps it on its tracer provider; if a future SDK moves it, the
 * attributes given to the SDK are sent instead.
 */
function sendSdkResource(target: RequestRecorder, options: TracingOptions): void {
  const provider = (trace.getTracerProvider() as { getDelegate?: () => unknown }).getDelegate?.() as { _resource?: Resource } | undefined;
  const resource = provider?._resource ?? resourceFromAttributes(resourceAttributes(options, process.env));
  if (resource.asyncAttributesPending === true) void resource.waitForAsyncAttributes?.().then(() => target.setResource(resource.attributes));
  else target.setResource(resource.attributes);
}

/**
 * OTLP/HTTP with protobuf (the OTLP default: half the CPU per span of JSON
 * with the SDK's own protobuf writer, bench/telemetry-cost.ts, and 2.4 times
 * smaller on the wire) or JSON; OTEL_EXPORTER_OTLP_TRACES_PROTOCOL wins over
 * OTEL_EXPORTER_OTLP_PROTOCOL. gRPC is not shipped: asking for it is logged
 * once and protobuf over HTTP is sent.
 */
function otlpProtocol(logger: Logger): 'http/json' | 'http/protobuf' {
  const protocol = getStringFromEnv('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL');
  if (protocol === undefined || protocol === 'http/json' || protocol === 'http/protobuf') return protocol ?? 'http/protobuf';
  logger.warn({ protocol }, 'OTEL_EXPORTER_OTLP_PROTOCOL must be http/json or http/protobuf (grpc is not supported by this kit); exporting OTLP/HTTP protobuf');
  return 'http/protobuf';
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

