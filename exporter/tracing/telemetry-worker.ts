// The recording pipeline's worker thread: it drains the record ring every
// few milliseconds, turns each request record into the same OTLP SERVER
// span the SDK pipeline exports (batch span processor and OTLP/HTTP
// exporter of the SDK, JSON or protobuf) and into the ECS request line,
// which it hands back to the request thread's log destinations in batches.
// The span pipeline's self-observability counts and the SDK's diagnostics
// go back to the request thread, where /metrics and the log are.
import { parentPort, workerData } from 'node:worker_threads';
import { type Attributes, createTraceState, diag, DiagLogLevel, type HrTime, type ObservableCallback, type ObservableResult, SpanKind, SpanStatusCode, createNoopMeter, type Meter, type MeterProvider } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { recordLine } from '../logging/record-line.ts';
import { addSecretNames } from '../redaction.ts';
import { censorAttributes, censorEventAttributes } from './redacting-processor.ts';
import { joinInChunks } from './line-chunks.ts';
import { RecordRing } from './record-ring.ts';
import { requestAttributes, responseAttributes, serverSpanName } from './server-span.ts';
import { ENCRYPTED, HAS_PARENT, KIND_CONTROL, LOG_LINE, readControlRecord, readRequestRecord, recordKind, REMOTE_PARENT, type RequestRecord, SAMPLED_SPAN } from './request-record.ts';

export interface WorkerSettings {
  readonly ring: SharedArrayBuffer;
  /** Names added to the redaction policy at run time before the worker started (later ones come as control records). */
  readonly secretNames: readonly string[];
  readonly protocol: 'http/json' | 'http/protobuf';
  readonly batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
  readonly attributeValueLengthLimit: number;
  readonly scopeName: string;
  /** How often the ring is drained (default 20 ms). */
  readonly pollMillis?: number;
}

export type WorkerMessage =
  /** Whole request lines of one access logger, joined in chunks (line-chunks.ts): few strings to copy between threads, few writes at the other end. */
  | { readonly t: 'lines'; readonly id: number; readonly text: string }
  | { readonly t: 'stats'; readonly adds: [name: string, errorType: string, value: number][]; readonly queue: number }
  | { readonly t: 'diag'; readonly level: 'error' | 'warn'; readonly message: string }
  | { readonly t: 'done'; readonly n: number };

type MainMessage = { t: 'resource'; attributes: Attributes } | { t: 'flush' | 'shutdown'; n: number };

const port = parentPort!;
const settings = workerData as WorkerSettings;
addSecretNames(settings.secretNames);
const ring = new RecordRing(settings.ring);
const baseFields = new Map<number, string>();

// Counts of the batch processor and exporter, summed between two reports.
const adds = new Map<string, [string, string, number]>();
const queueCallbacks: ObservableCallback[] = [];
const selfObsMeterProvider: MeterProvider = { getMeter: () => forwardingMeter };
const noop = createNoopMeter();
/** The worker's queue has the configured capacity, as the SDK's queue on the request thread: the capacity gauge shows the setting once. */
const NOT_FORWARDED = new Set(['otel.sdk.processor.span.queue.capacity']);
const counter = (name: string) => ({
  add(value: number, attributes?: Attributes) {
    if (NOT_FORWARDED.has(name)) return;
    const errorType = String(attributes?.['error.type'] ?? '');
    const key = `${name}\u0000${errorType}`;
    const entry = adds.get(key);
    if (entry === undefined) adds.set(key, [name, errorType, value]);
    else entry[2] += value;
  },
});
const forwardingMeter: Meter = Object.assign(Object.create(noop) as Meter, {
  createCounter: counter,
  createUpDownCounter: counter,
  createObservableUpDownCounter(name: string) {
    const instrument = noop.createObservableUpDownCounter(name);
    return Object.assign(Object.create(instrument) as typeof instrument, { addCallback: (cb: ObservableCallback) => void queueCallbacks.push(cb), removeCallback() {} });
  },
});
function reportStats(): void {
  let queue = 0;
  const result = { observe: (value: number) => (queue += value) } as ObservableResult;
  for (const cb of queueCallbacks) void cb(result);
  if (adds.size === 0 && queue === lastQueue) return;
  lastQueue = queue;
  port.postMessage({ t: 'stats', adds: [...adds.values()], queue } satisfies WorkerMessage);
  adds.clear();
}
let lastQueue = 0;

// The SDK's diagnostics (export failures) are logged by the request thread's logger.
const forward = (level: 'error' | 'warn') => (message: string, ...args: unknown[]) =>
  port.postMessage({ t: 'diag', level, message: [message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))].join(' ') } satisfies WorkerMessage);
diag.setLogger({ error: forward('error'), warn: forward('warn'), info() {}, debug() {}, verbose() {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

// Nothing the exporter does may end the worker: a failure is logged and the next batch tried.
process.on('unhandledRejection', (reason) => forward('warn')(`telemetry worker: ${reason instanceof Error ? reason.message : String(reason)}`));

// Only the exporter asked for is loaded.
const exporter =
  settings.protocol === 'http/protobuf'
    ? new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ selfObsMeterProvider })
    : new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ selfObsMeterProvider });
const processor = new BatchSpanProcessor({ exporter, ...settings.batch, selfObsMeterProvider });

let resource: Resource | undefined;
/** Spans recorded before the resource arrived (bounded like the queue they wait for). */
const early: RequestRecord[] = [];

function poll(): void {
  const lines = new Map<number, string[]>();
  ring.drain((at) => {
    const b = ring.data;
    if (recordKind(b, at) === KIND_CONTROL) return control(readControlRecord(b, at) as { logger?: number; baseFields?: string; secrets?: string[] });
    const r = readRequestRecord(b, at);
    if ((r.flags & LOG_LINE) !== 0) {
      const base = baseFields.get(r.loggerId);
      if (base !== undefined) {
        let batch = lines.get(r.loggerId);
        if (batch === undefined) lines.set(r.loggerId, (batch = []));
        batch.push(recordLine(r, base));
      }
    }
    if ((r.flags & SAMPLED_SPAN) === 0) return;
    if (resource !== undefined) processor.onEnd(toSpan(r, resource));
    else if (early.length < settings.batch.maxQueueSize) early.push(r);
    else counter('otel.sdk.processor.span.processed').add(1, { 'error.type': 'queue_full' });
  });
  for (const [id, batch] of lines) for (const text of joinInChunks(batch)) port.postMessage({ t: 'lines', id, text } satisfies WorkerMessage);
  reportStats();
}

function control(value: { logger?: number; baseFields?: string; secrets?: string[] }): void {
  if (value.logger !== undefined && value.baseFields !== undefined) baseFields.set(value.logger, value.baseFields);
  if (value.secrets !== undefined) addSecretNames(value.secrets);
}

const timer = setInterval(poll, settings.pollMillis ?? 20);

port.on('message', (m: MainMessage) => {
  if (m.t === 'resource') {
    resource = resourceFromAttributes(m.attributes);
    for (const r of early.splice(0)) processor.onEnd(toSpan(r, resource));
    return;
  }
  void (async () => {
    try {
      poll();
      if (m.t === 'flush') await processor.forceFlush();
      else {
        clearInterval(timer);
        await processor.shutdown();
      }
    } catch (err) {
      // A collector that is down or slow fails the final export: counted by the exporter, said once, and the caller is answered anyway.
      forward('warn')(`spans still queued were not exported at ${m.t}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      reportStats();
      port.postMessage({ t: 'done', n: m.n } satisfies WorkerMessage);
    }
  })();
});

const hr = (ms: number): HrTime => {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
};
const limit = settings.attributeValueLengthLimit;
const scope = { name: settings.scopeName };

/** The SERVER span of a record: the attributes, name and status server-span.ts gives the SDK pipeline's span. */
function toSpan(r: RequestRecord, res: Resource): ReadableSpan {
  const attributes = requestAttributes(r.method, r.target, r.host, (r.flags & ENCRYPTED) !== 0, r.httpVersion, r.methodOriginal, r.clientAddress, r.userAgent) as Record<string, unknown>;
  // The app's additions between the two, as on the SDK span: set during the request, overwritten by what the response says.
  const extras = r.extras;
  if (extras?.a !== undefined) Object.assign(attributes, extras.a);
  Object.assign(attributes, responseAttributes(r.route, r.status));
  censorAttributes(attributes);
  for (const [key, value] of Object.entries(attributes)) if (typeof value === 'string' && value.length > limit) attributes[key] = value.slice(0, limit);
  // As the SDK: an app's OK is final; a 5xx is an error without message; otherwise the app's status.
  const appStatus = extras?.s;
  const status = appStatus?.c === SpanStatusCode.OK ? { code: SpanStatusCode.OK } : r.status >= 500 ? { code: SpanStatusCode.ERROR } : appStatus === undefined ? { code: SpanStatusCode.UNSET } : { code: appStatus.c, ...(appStatus.m !== undefined && { message: appStatus.m }) };
  const events = (extras?.e ?? []).map((e) => {
    const eventAttributes = e.a === undefined ? {} : { ...e.a };
    censorEventAttributes(eventAttributes);
    return { name: e.n, time: hr(e.t), attributes: eventAttributes as Attributes, droppedAttributesCount: 0 };
  });
  const startTime = hr(r.startMs);
  const endTime = hr(r.endMs);
  const traceState = r.traceState === undefined ? undefined : createTraceState(r.traceState);
  const spanContext = { traceId: r.traceId, spanId: r.spanId, traceFlags: r.traceFlags, ...(traceState !== undefined && { traceState }) };
  return {
    name: r.route !== undefined ? serverSpanName(r.method, r.route) : (extras?.n ?? serverSpanName(r.method, undefined)),
    kind: SpanKind.SERVER,
    spanContext: () => spanContext,
    parentSpanContext: (r.flags & HAS_PARENT) !== 0 ? { traceId: r.traceId, spanId: r.parentSpanId, traceFlags: r.traceFlags, isRemote: (r.flags & REMOTE_PARENT) !== 0 } : undefined,
    startTime,
    endTime,
    duration: hr(r.endMs - r.startMs),
    status,
    attributes: attributes as Attributes,
    links: [],
    events,
    ended: true,
    resource: res,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
