// The recording pipeline's worker thread: it drains the record ring every
// DEFAULT_POLL_MILLIS, turns each request record into the same OTLP SERVER
// span the SDK pipeline exports (the SDK's batch span processor and OTLP/HTTP
// transport; protobuf encoded straight from the records, record-exporter.ts)
// and into the ECS request line, which it hands back to the request
// thread's log destinations in batches. The common record's span and line
// are made from its bytes in the ring (span-in-ring.ts, line-in-ring.ts);
// any other record is decoded into strings first.
// The span pipeline's self-observability counts and the SDK's diagnostics
// go back to the request thread, where /metrics and the log are.
import { parentPort, workerData } from 'node:worker_threads';
import { type Attributes, diag, DiagLogLevel, type ObservableCallback, type ObservableResult, createNoopMeter, type Meter, type MeterProvider } from '@opentelemetry/api';
import { type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import { addLineInRing } from '../logging/line-in-ring.ts';
import { recordLine } from '../logging/record-line.ts';
import { addSecretNames } from '../redaction.ts';
import { LineChunks } from './line-chunks.ts';
import { createRecordExporter, QueuedRecord } from './record-exporter.ts';
import { RecordRing } from './record-ring.ts';
import { KIND_CONTROL, LOG_LINE, readControlRecord, readRequestRecord, recordFlags, recordKind, recordLogger, type RequestRecord, SAMPLED_SPAN } from './request-record.ts';
import { encodeSpanInRing } from './span-in-ring.ts';

export interface WorkerSettings {
  readonly ring: SharedArrayBuffer;
  /** Names added to the redaction policy at run time before the worker started (later ones come as control records). */
  readonly secretNames: readonly string[];
  readonly protocol: 'http/json' | 'http/protobuf';
  readonly batch: { maxQueueSize: number; maxExportBatchSize: number; scheduledDelayMillis: number; exportTimeoutMillis: number };
  readonly attributeValueLengthLimit: number;
  readonly scopeName: string;
  /** How often the ring is drained (default DEFAULT_POLL_MILLIS). */
  readonly pollMillis?: number;
}

/** The batch processor's and exporter's counts since the last report, and the queue now. */
export interface WorkerStats {
  readonly adds: [name: string, errorType: string, value: number][];
  readonly queue: number;
}

/**
 * How often the worker drains the ring. Each poll costs the same whatever it
 * reads (a timer wakeup, a message to the request thread), so fewer, larger
 * polls cost less per request: 50 ms against 20 took 0.5 µs less worker CPU
 * per request at 100% and at 10% sampling (7 of 8 alternating processes,
 * about 8 and 4 µs per request on this VM). A request line then reaches
 * stdout within about 50 ms; 50 ms of requests at 50k requests/s fill under
 * a tenth of the default ring.
 */
export const DEFAULT_POLL_MILLIS = 50;

export type WorkerMessage =
  /**
   * What one poll has for the request thread, in one message (each message wakes that thread): whole request
   * lines by access logger id, in chunks (line-chunks.ts), and the counts when they are due.
   */
  | { readonly t: 'poll'; readonly lines: readonly (readonly [id: number, text: string])[]; readonly stats?: WorkerStats }
  | { readonly t: 'diag'; readonly level: 'error' | 'warn'; readonly message: string }
  | { readonly t: 'done'; readonly n: number };

type MainMessage = { t: 'resource'; attributes: Attributes } | { t: 'flush' | 'shutdown'; n: number };

const port = parentPort!;
const settings = workerData as WorkerSettings;
addSecretNames(settings.secretNames);
const ring = new RecordRing(settings.ring);
/** Each access logger's base fields, as text and as UTF-8. */
const baseFields = new Map<number, { text: string; bytes: Uint8Array }>();
/** Each access logger's request lines since the last poll. */
const lineChunks = new Map<number, LineChunks>();

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
/** The counts since the last report, if any changed; undefined otherwise. */
function takeStats(): WorkerStats | undefined {
  let queue = 0;
  const result = { observe: (value: number) => (queue += value) } as ObservableResult;
  for (const cb of queueCallbacks) void cb(result);
  if (adds.size === 0 && queue === lastQueue) return undefined;
  lastQueue = queue;
  const stats = { adds: [...adds.values()], queue };
  adds.clear();
  return stats;
}
let lastQueue = 0;
/**
 * Counts go to the request thread at most this often, and at every flush: a scrape reads them every
 * few seconds, and a message per poll was a wakeup of the request thread per poll.
 */
const STATS_MILLIS = 1000;
let statsDueAt = 0;

// The SDK's diagnostics (export failures) are logged by the request thread's logger.
const forward = (level: 'error' | 'warn') => (message: string, ...args: unknown[]) =>
  port.postMessage({ t: 'diag', level, message: [message, ...args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a)))].join(' ') } satisfies WorkerMessage);
diag.setLogger({ error: forward('error'), warn: forward('warn'), info() {}, debug() {}, verbose() {} }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

// Nothing the exporter does may end the worker: a failure is logged and the next batch tried.
process.on('unhandledRejection', (reason) => forward('warn')(`telemetry worker: ${reason instanceof Error ? reason.message : String(reason)}`));

const exporter = createRecordExporter({ protocol: settings.protocol, scopeName: settings.scopeName, attributeValueLengthLimit: settings.attributeValueLengthLimit, selfObsMeterProvider });
const processor = new BatchSpanProcessor({ exporter, ...settings.batch, selfObsMeterProvider });

let resource: Resource | undefined;
/** Spans recorded before the resource arrived (bounded like the queue they wait for). */
const early: (RequestRecord | Uint8Array)[] = [];
/** Protobuf spans are encoded while their record is in the ring; JSON goes through the SDK's serializer. */
const protobuf = settings.protocol === 'http/protobuf';

/** Reads every record in the ring, then hands the request thread its lines and, when due or `statsNow`, the counts. */
function poll(statsNow = false): void {
  ring.drain((at) => {
    const b = ring.data;
    if (recordKind(b, at) === KIND_CONTROL) return control(readControlRecord(b, at) as { logger?: number; baseFields?: string; secrets?: string[] });
    // The common record is rendered and encoded where it lies; any other is decoded into strings, once.
    const flags = recordFlags(b, at);
    let r: RequestRecord | undefined;
    if ((flags & LOG_LINE) !== 0) {
      const logger = recordLogger(b, at);
      const base = baseFields.get(logger);
      if (base !== undefined) {
        let lines = lineChunks.get(logger);
        if (lines === undefined) lineChunks.set(logger, (lines = new LineChunks()));
        if (!addLineInRing(b, at, base.bytes, lines)) lines.add(recordLine((r = readRequestRecord(b, at)), base.text));
      }
    }
    if ((flags & SAMPLED_SPAN) === 0) return;
    const item = (protobuf ? encodeSpanInRing(b, at, settings.attributeValueLengthLimit) : undefined) ?? r ?? readRequestRecord(b, at);
    if (resource !== undefined) processor.onEnd(new QueuedRecord(item, resource).asQueued());
    else if (early.length < settings.batch.maxQueueSize) early.push(item);
    else counter('otel.sdk.processor.span.processed').add(1, { 'error.type': 'queue_full' });
  });
  const lines: [number, string][] = [];
  for (const [id, chunks] of lineChunks) for (const text of chunks.take()) lines.push([id, text]);
  const now = performance.now();
  const stats = statsNow || now >= statsDueAt ? takeStats() : undefined;
  if (stats !== undefined) statsDueAt = now + STATS_MILLIS;
  if (lines.length > 0 || stats !== undefined) port.postMessage({ t: 'poll', lines, ...(stats !== undefined && { stats }) } satisfies WorkerMessage);
}

function control(value: { logger?: number; baseFields?: string; secrets?: string[] }): void {
  if (value.logger !== undefined && value.baseFields !== undefined) baseFields.set(value.logger, { text: value.baseFields, bytes: Buffer.from(value.baseFields) });
  if (value.secrets !== undefined) addSecretNames(value.secrets);
}

const timer = setInterval(poll, settings.pollMillis ?? DEFAULT_POLL_MILLIS);

port.on('message', (m: MainMessage) => {
  if (m.t === 'resource') {
    resource = resourceFromAttributes(m.attributes);
    for (const item of early.splice(0)) processor.onEnd(new QueuedRecord(item, resource).asQueued());
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
      // What the export counted, before the answer: the caller reads the counts after flush().
      poll(true);
      port.postMessage({ t: 'done', n: m.n } satisfies WorkerMessage);
    }
  })();
});
