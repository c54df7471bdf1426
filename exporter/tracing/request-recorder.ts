// The recording pipeline's request-thread half. Per request it decides
// sampling, makes the span context (random ids, parent from the propagated
// headers) and, when the response closes, writes one compact record into a
// preallocated shared ring (record-ring.ts, request-record.ts). The
// telemetry worker (telemetry-worker.ts) turns records into OTLP spans and
// ECS request lines, so the request thread neither builds SDK span objects,
// nor serialises, nor sends. Lines come back in batches and are written to
// the access logger's destinations; the worker's span-pipeline counts come
// back and land in the same self-metrics as the SDK's.
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Worker } from 'node:worker_threads';
import { context, diag, propagation, ROOT_CONTEXT, SamplingDecision, type Span, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { isTracingSuppressed } from '@opentelemetry/core';
import type { Sampler } from '@opentelemetry/sdk-trace';
import type { Registry } from 'prom-client';
import { HTTP_METHODS } from '../../catalog/http.ts';
import { telemetryRecordsDropped } from '../../catalog/telemetry.ts';
import { levelOf } from '../logging/access-line.ts';
import type { AccessLineSink } from '../logging/access-logger.ts';
import { recordLine } from '../logging/record-line.ts';
import type { Logger } from '../logger.ts';
import { CounterFamily } from '../metric-family.ts';
import { addedSecretNames, onSecretNamesAdded } from '../redaction.ts';
import { READER_EXIT, RecordRing } from './record-ring.ts';
import { ENCRYPTED, HAS_IDS, HAS_PARENT, KIND_REQUEST, LOG_LINE, readRequestRecord, recordKind, REMOTE_PARENT, SAMPLED_SPAN, writeControlRecord, writeRequestRecord } from './request-record.ts';
import { RecordedSpan } from './recorded-span.ts';
import { rootRatioSampler, type TraceIdRatioSampler } from './trace-id-ratio-sampler.ts';
import { UnsampledSpan } from './unsampled-span.ts';
import type { SelfMetrics } from './self-metrics.ts';
import type { WorkerMessage, WorkerSettings } from './telemetry-worker.ts';

/** The worker thread's name (its OS thread name too: `top -H`, /proc/<pid>/task/<tid>/comm). */
export const TELEMETRY_THREAD_NAME = 'kit-telemetry';

/** The ring's default size: about 30,000 typical records, a second of a busy service. */
export const DEFAULT_RING_BYTES = 8 * 1024 * 1024;

const EMPTY: Attributes = Object.freeze({});
/** performance.timeOrigin is a getter; it never changes. */
const TIME_ORIGIN = performance.timeOrigin;
/** Span names use `HTTP` for methods the conventions do not know. */
const spanName = (method: string) => (method === '_OTHER' ? 'HTTP' : method);

/**
 * Random ids from a pool of 4 KiB refilled by one crypto call and turned
 * into hex at once: an id is then a substring (no native call per id, which
 * cost ~100 ns each as Buffer#toString('hex')).
 */
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolHex = '';
let poolAt = POOL_BYTES;
/** Where `bytes` fresh random bytes start in the pool; valid until the next draw. */
function drawRandom(bytes: number): number {
  for (;;) {
    if (poolAt + bytes > POOL_BYTES) {
      randomFillSync(pool);
      poolHex = pool.toString('hex');
      poolAt = 0;
    }
    const at = poolAt;
    poolAt += bytes;
    // All-zero ids are invalid; 2^-64 odds, but an invalid span breaks its whole trace.
    for (let i = at; i < poolAt; i++) if (pool[i] !== 0) return at;
  }
}
const hexAt = (at: number, bytes: number) => poolHex.slice(at * 2, (at + bytes) * 2);
const randomHex = (bytes: number) => hexAt(drawRandom(bytes), bytes);
const NO_PARENT = '0'.repeat(16);

export interface RecorderOptions {
  readonly sampler: Sampler;
  readonly logger: Logger;
  readonly selfMetrics: SelfMetrics;
  readonly worker: Omit<WorkerSettings, 'ring' | 'secretNames'>;
  readonly ringBytes?: number;
}

/** What the middleware keeps per request to record it: the span and, for the span's url.*, the target at the start. */
export class RequestRecorder {
  readonly #ring: RecordRing;
  readonly #worker: Worker;
  readonly #sampler: Sampler;
  /** The ratio sampler that decides root spans, when the sampler is the kit's ratio sampler or its parent-based form. */
  readonly #rootRatio: TraceIdRatioSampler | undefined;
  readonly #logger: Logger;
  readonly #sinks: AccessLineSink[] = [];
  readonly #sinkIds = new Map<AccessLineSink, number>();
  readonly #dropped: { span: { inc(n?: number): void }; log: { inc(n?: number): void } };
  readonly #droppedFamily: CounterFamily;
  readonly #selfMetrics: SelfMetrics;
  #workerQueue = 0;
  #requests = 0;
  readonly #waiting = new Map<number, () => void>();
  #closed: Promise<void> | undefined;

  constructor(options: RecorderOptions) {
    this.#ring = RecordRing.create(options.ringBytes ?? DEFAULT_RING_BYTES);
    this.#sampler = options.sampler;
    this.#rootRatio = rootRatioSampler(options.sampler);
    this.#logger = options.logger;
    this.#selfMetrics = options.selfMetrics;
    this.#droppedFamily = new CounterFamily(telemetryRecordsDropped, { logger: options.logger });
    this.#dropped = { span: this.#droppedFamily.labels({ signal: 'span' }), log: this.#droppedFamily.labels({ signal: 'log' }) };
    const meter = options.selfMetrics.meterProvider.getMeter('node-observability-kit');
    meter.createObservableUpDownCounter('otel.sdk.processor.span.queue.size').addCallback((r) => r.observe(this.#workerQueue));
    const settings: WorkerSettings = { ...options.worker, ring: this.#ring.sab, secretNames: addedSecretNames() };
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    this.#worker = new Worker(new URL(`./telemetry-worker${ext}`, import.meta.url), { workerData: settings, name: TELEMETRY_THREAD_NAME, stdout: false, stderr: false });
    this.#worker.unref();
    this.#worker.on('message', (m: WorkerMessage) => this.#onMessage(m));
    // A worker that is gone answers no flush: release the waiters (records then fill the ring and are counted as dropped).
    this.#worker.on('exit', () => {
      for (const resolve of this.#waiting.values()) resolve();
      this.#waiting.clear();
    });
    this.#worker.on('error', (err) => (this.#logger.error ?? this.#logger.warn).call(this.#logger, { err }, `telemetry worker failed; request spans and lines are no longer recorded: ${String(err)}`));
    onSecretNamesAdded((names) => void writeControlRecord(this.#ring, { secrets: names }));
    process.once('exit', () => this.#drainAtExit());
  }

  /** Publishes the ring's drop counter in `registry`. */
  register(registry: Registry): void {
    if (registry.getSingleMetric(telemetryRecordsDropped.name) === undefined) this.#droppedFamily.register(registry);
  }

  /** Sends the resource the spans carry (the SDK's, once its detectors settled); spans wait for it. */
  setResource(attributes: Attributes): void {
    this.#worker.postMessage({ t: 'resource', attributes });
  }

  /** The SERVER span of a request: sampled ones are RecordedSpans, others UnsampledSpans (their ids only). */
  startSpan(req: IncomingMessage, method: string): Span {
    const active = context.active();
    if (isTracingSuppressed(active)) return trace.wrapSpanContext({ traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: 0 });
    // Propagators read only the headers they name: without any of them there is nothing to extract (most requests of a public API).
    const parentContext = this.#carriesContext(req.headers) ? propagation.extract(ROOT_CONTEXT, req.headers) : ROOT_CONTEXT;
    const parent = trace.getSpanContext(parentContext);
    const validParent = parent !== undefined && trace.isSpanContextValid(parent);
    const rootAt = validParent ? -1 : drawRandom(16);
    const traceId = validParent ? parent.traceId : hexAt(rootAt, 16);
    let traceState = validParent ? parent.traceState : undefined;
    let sampled: boolean;
    // A root span under the kit's ratio sampler is decided from the id's bytes (before the next draw): the same decision, without parsing the hex.
    if (!validParent && this.#rootRatio !== undefined) sampled = this.#rootRatio.sampledBytes(pool, rootAt);
    else {
      const result = this.#sampler.shouldSample(parentContext, traceId, spanName(method), SpanKind.SERVER, EMPTY, []);
      traceState = result.traceState ?? traceState;
      sampled = result.decision === SamplingDecision.RECORD_AND_SAMPLED;
    }
    const spanId = randomHex(8);
    if (!sampled) return new UnsampledSpan(traceId, spanId, traceState);
    return new RecordedSpan({ traceId, spanId, traceFlags: 1, ...(traceState !== undefined && { traceState }) }, validParent ? parent.spanId : undefined, validParent && parent.isRemote === true, req.url ?? '/');
  }

  /** Header names the global propagator reads, read once it is set (the SDK sets it at start). */
  #propagatorFields: readonly string[] | undefined;
  #carriesContext(headers: IncomingMessage['headers']): boolean {
    const fields = (this.#propagatorFields ??= propagation.fields().map((f) => f.toLowerCase()));
    for (let i = 0; i < fields.length; i++) if (headers[fields[i]!] !== undefined) return true;
    return false;
  }

  /** The id under which the worker knows an access logger's base fields. */
  loggerId(sink: AccessLineSink): number {
    let id = this.#sinkIds.get(sink);
    if (id === undefined) {
      this.#sinks.push(sink);
      id = this.#sinks.length;
      this.#sinkIds.set(sink, id);
      writeControlRecord(this.#ring, { logger: id, baseFields: sink.baseFields });
    }
    return id;
  }

  /**
   * Records a finished request: its span if sampled, its line if `loggerId`
   * is set and the line's level is enabled. Times are performance.now() values.
   */
  finish(span: Span | undefined, req: IncomingMessage, method: number, route: string | undefined, status: number, start: number, end: number, sink: AccessLineSink | undefined, loggerId: number): void {
    const recorded = span instanceof RecordedSpan ? span : undefined;
    const log = sink !== undefined && sink.enabled(levelOf(status));
    if (recorded === undefined && !log) return;
    const ctx = span?.spanContext();
    // Ours are valid by construction; another instrumentation's span is checked.
    const ids = ctx !== undefined && (recorded !== undefined || span instanceof UnsampledSpan || trace.isSpanContextValid(ctx));
    const flags = (recorded === undefined ? 0 : SAMPLED_SPAN) | (log ? LOG_LINE : 0) | (ids ? HAS_IDS : 0) | (recorded?.parentSpanId !== undefined ? HAS_PARENT : 0) | (recorded?.remoteParent ? REMOTE_PARENT : 0) | ((req.socket as { encrypted?: boolean }).encrypted ? ENCRYPTED : 0);
    const originalUrl = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const target = recorded?.target ?? originalUrl;
    const ok = writeRequestRecord(
      this.#ring,
      flags,
      method,
      ctx?.traceFlags ?? 0,
      status,
      log ? loggerId : 0,
      TIME_ORIGIN + start,
      TIME_ORIGIN + end,
      ids ? ctx.traceId + ctx.spanId + (recorded?.parentSpanId ?? NO_PARENT) : '',
      route,
      target,
      originalUrl === target ? undefined : originalUrl,
      // What only the span carries is left out of a record that has none (most records at a low sampling ratio).
      recorded === undefined ? undefined : req.headers.host,
      req.headers['user-agent'],
      req.socket.remoteAddress,
      req.httpVersion,
      recorded !== undefined && HTTP_METHODS[method] === '_OTHER' ? req.method : undefined,
      recorded === undefined ? undefined : ctx!.traceState?.serialize(),
      recorded?.extrasJson(),
    );
    if (ok) return;
    if (recorded !== undefined) {
      this.#dropped.span.inc();
      // The ring is the span queue of this pipeline: a full ring is a full queue, as the SDK counts it.
      this.#selfMetrics.meterProvider.getMeter('node-observability-kit').createCounter('otel.sdk.processor.span.processed').add(1, { 'error.type': 'queue_full' });
    }
    if (log) this.#dropped.log.inc();
  }

  /** Waits until every record written so far is exported (or failed) and its line written. */
  flush(): Promise<void> {
    return this.#ask('flush');
  }

  /** Flushes, then stops the worker. Idempotent. */
  shutdown(): Promise<void> {
    return (this.#closed ??= this.#ask('shutdown').then(() => void this.#worker.terminate()));
  }

  #ask(t: 'flush' | 'shutdown'): Promise<void> {
    const n = ++this.#requests;
    return new Promise<void>((resolve) => {
      this.#waiting.set(n, resolve);
      this.#worker.ref(); // the answer must arrive even if nothing else keeps the process up
      this.#worker.postMessage({ t, n });
    });
  }

  #onMessage(m: WorkerMessage): void {
    switch (m.t) {
      case 'poll': {
        for (const [id, text] of m.lines) this.#sinks[id - 1]?.writeLines(text);
        if (m.stats === undefined) return;
        const meter = this.#selfMetrics.meterProvider.getMeter('node-observability-kit');
        for (const [name, errorType, value] of m.stats.adds) meter.createCounter(name).add(value, errorType === '' ? {} : { 'error.type': errorType });
        this.#workerQueue = m.stats.queue;
        return;
      }
      case 'diag':
        // Through the SDK's diagnostics logger on this thread: the same format and the same once-a-minute repeat limit.
        diag[m.level](m.message);
        return;
      case 'done': {
        const resolve = this.#waiting.get(m.n);
        this.#waiting.delete(m.n);
        if (this.#waiting.size === 0) this.#worker.unref();
        resolve?.();
        return;
      }
    }
  }

  /**
   * At exit there is no next turn for the worker: the request lines still in
   * the ring are rendered here and written synchronously (spans not yet
   * exported are lost, as with the SDK without shutdown()).
   */
  #drainAtExit(): void {
    this.#ring.waitForReader(200);
    const written = new Set<AccessLineSink>();
    this.#ring.drain((at) => {
      if (recordKind(this.#ring.data, at) !== KIND_REQUEST) return;
      const r = readRequestRecord(this.#ring.data, at);
      const sink = this.#sinks[r.loggerId - 1];
      if ((r.flags & LOG_LINE) === 0 || sink === undefined) return;
      sink.write(recordLine(r, sink.baseFields));
      written.add(sink);
    }, READER_EXIT);
    for (const sink of written) sink.flushSync?.();
  }
}
