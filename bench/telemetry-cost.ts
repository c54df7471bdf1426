// CPU of each piece of per-request telemetry, without a network or a disk in
// the way (lines go to a sink that only counts bytes), each pair alternated
// in one process:
// - the request line by createLogger().accessLogger's template, against the
//   same line as a fields object through pino (the path any other logger takes);
// - an app line through createLogger().logger (secrets censored by key,
//   redact.ts), against pino's own `redact` with the wildcard paths that
//   covered the same shapes;
// - the middleware's server span (start, attributes, end, onto a batch
//   queue), sampled against unsampled;
// - OTLP serialisation of a 512-span batch, per span: protobuf (what the
//   kit sends unless told otherwise) against JSON;
// - the recording pipeline's worker, per span of a 512-record batch: the
//   record encoded straight to protobuf (record-protobuf.ts) against the
//   record made into an SDK span and serialised by the SDK (the same bytes);
// - the worker's poll, per record of 512 read afresh from the ring: the
//   span encoded while the record is in the ring (span-in-ring.ts) against
//   the span encoded from the decoded record, and the request line rendered
//   in the ring into line chunks (line-in-ring.ts) against recordLine's
//   string per line joined into one (the same text).
// Usage: node bench/telemetry-cost.ts [rounds=7]
import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { AlwaysOffSampler, AlwaysOnSampler, type ReadableSpan, type Sampler, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { pino } from 'pino';
import { createLogger } from '../exporter/logging/ecs-logger.ts';
import { logRequest, type RequestLogger } from '../exporter/logging/request-log.ts';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { RecordRing } from '../exporter/tracing/record-ring.ts';
import { addLineInRing } from '../exporter/logging/line-in-ring.ts';
import { recordLine } from '../exporter/logging/record-line.ts';
import { LineChunks } from '../exporter/tracing/line-chunks.ts';
import { encodeRecordSpans } from '../exporter/tracing/record-protobuf.ts';
import { encodeSpanInRing } from '../exporter/tracing/span-in-ring.ts';
import { recordToReadableSpan } from '../exporter/tracing/record-span.ts';
import { HAS_IDS, LOG_LINE, readRequestRecord, type RequestRecord, SAMPLED_SPAN, writeRequestRecord } from '../exporter/tracing/request-record.ts';
import { endServerSpan, startServerSpan } from '../exporter/tracing/server-span.ts';
import { median } from './lib.ts';

const rounds = Number(process.argv[2] ?? 7);
const N = 200_000;
let bytes = 0;
const sink = { write: (line: string) => ((bytes += line.length), true) };
const { logger, accessLogger } = createLogger({ serviceName: 'bench', serviceVersion: '1.0.0', destination: sink });
// accessLogger's own pino (same config, no redaction pass) writing the fields object: the path before the template.
const viaPino: RequestLogger = { info: (f, m) => accessLogger.info(f, m), warn: (f, m) => accessLogger.warn(f, m), error: (f, m) => accessLogger.error(f, m) };
const req = { url: '/hello/world', originalUrl: '/hello/world', httpVersion: '1.1', headers: { 'user-agent': 'autocannon/8.0.0' }, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });

// pino's redact by path: what covering the same shapes takes (every `*` path walks every top-level key).
const PATHS = ['authorization', 'cookie', 'password', 'token', '*.authorization', '*.cookie', '*.password', '*.token', '*.access_token', '*.refresh_token', '*.headers.authorization', '*.headers.cookie', '*.headers["set-cookie"]', '*.headers["x-api-key"]', 'http.request.headers.authorization', 'http.request.headers.cookie', 'http.response.headers["set-cookie"]'];
const pinoRedact = pino({ messageKey: 'message', redact: { paths: PATHS, censor: '[REDACTED]' } }, sink);
const appFields = { order: { id: 'o-1', items: 3 }, http: { request: { method: 'POST' } }, user: { id: 'u-9' } };

/** The batch processor's part on the hot path: spans onto a queue, handed over 512 at a time. */
const batches: ReadableSpan[][] = [];
function queueProcessor(): SpanProcessor {
  let queue: ReadableSpan[] = [];
  return {
    onStart() {},
    onEnd(span) {
      queue.push(span);
      if (queue.length === 512) {
        if (batches.length < 1) batches.push(queue);
        queue = [];
      }
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
}
const tracerWith = (sampler: Sampler) => new TracerProvider({ sampler, spanProcessors: [queueProcessor()] }).getTracer('bench');
const sampledTracer = tracerWith(new AlwaysOnSampler());
const unsampledTracer = tracerWith(new AlwaysOffSampler());
const serverSpan = (tracer: ReturnType<typeof tracerWith>) => () => endServerSpan(startServerSpan(tracer, req, 'GET'), 'GET', '/hello/:name', 200);
serverSpan(sampledTracer)();
for (let i = 0; i < 512; i++) serverSpan(sampledTracer)();
const batch = batches[0]!;
const serialise = (serializer: typeof JsonTraceSerializer) => {
  let i = 0;
  // One call serialises 512 spans: run it once per 512 iterations, so the figure is per span.
  return () => {
    if (++i % 512 === 0) bytes += serializer.serializeRequest(batch)?.length ?? 0;
  };
};

// 512 records of the hello request, as the worker reads them from the ring.
const ring = RecordRing.create(1 << 20);
for (let i = 0; i < 512; i++) {
  const start = Date.now() + i;
  writeRequestRecord(ring, SAMPLED_SPAN | LOG_LINE | HAS_IDS, 1, 1, 200, 1, start, start + 0.12, '0af7651916cd43dd8448eb211c80319cb7ad6b71692033310000000000000000', '/hello/:name', '/hello/world', undefined, '127.0.0.1:3000', 'autocannon/8.0.0', '127.0.0.1', '1.1', undefined, undefined, undefined);
}
const records: RequestRecord[] = [];
// Drained once: the records stay where they are in the ring (nothing writes after them), so the ring paths read them again at these offsets.
const offsets: number[] = [];
ring.drain((at) => {
  records.push(readRequestRecord(ring.data, at));
  offsets.push(at);
});
// Both sides of the ring pairs read their records afresh, as the worker does each poll: in place, or decoded into strings.
const read = (at: number) => readRequestRecord(ring.data, at);
const spansInRing = () => encodeRecordSpans(offsets.map((at) => encodeSpanInRing(ring.data, at, 2048)!), resource.attributes, 'node-observability-kit', 2048);
const spansFromRecords = () => encodeRecordSpans(offsets.map(read), resource.attributes, 'node-observability-kit', 2048);
const BASE = '"service.name":"bench","service.version":"1.0.0","ecs.version":"8.11.0"';
const baseBytes = Buffer.from(BASE);
const chunks = new LineChunks();
const linesInRing = () => {
  for (const at of offsets) if (!addLineInRing(ring.data, at, baseBytes, chunks)) throw new Error('the hello record is all ASCII');
  return chunks.take();
};
const linesJoined = () => offsets.map((at) => recordLine(read(at), BASE)).join('');
if (linesInRing().join('') !== linesJoined()) throw new Error('the two line paths differ');
const resource = resourceFromAttributes({ 'service.name': 'bench', 'telemetry.sdk.language': 'nodejs' });
const scope = { name: 'node-observability-kit' };
const perRecordBatch = (encode: () => { readonly length: number } | undefined) => {
  let i = 0;
  return () => {
    if (++i % 512 === 0) bytes += encode()?.length ?? 0;
  };
};

function nsPer(write: () => void): number {
  const start = performance.now();
  for (let i = 0; i < N; i++) write();
  return ((performance.now() - start) * 1e6) / N;
}

type Path = readonly [label: string, write: () => void];
const pairs: readonly (readonly [name: string, ours: Path, baseline: Path])[] = [
  ['request line', ['accessLogger template', () => logRequest(accessLogger, req, 'GET', '/hello/:name', 200, 0.000123, span)], ['fields through pino', () => logRequest(viaPino, req, 'GET', '/hello/:name', 200, 0.000123, span)]],
  ['app line, secrets censored', ['by key (redact.ts)', () => logger.info(appFields, 'order placed')], ["pino's redact paths", () => pinoRedact.info(appFields, 'order placed')]],
  ['server span', ['sampled', serverSpan(sampledTracer)], ['unsampled', serverSpan(unsampledTracer)]],
  ['OTLP serialisation, per span', ['protobuf', serialise(ProtobufTraceSerializer)], ['JSON', serialise(JsonTraceSerializer)]],
  [
    'recording worker, record to OTLP protobuf, per span',
    ['record encoder', perRecordBatch(() => encodeRecordSpans(records, resource.attributes, scope.name, 2048))],
    ['SDK span + SDK serializer', perRecordBatch(() => ProtobufTraceSerializer.serializeRequest(records.map((r) => recordToReadableSpan(r, resource, scope, 2048))))],
  ],
  ['recording worker, record read and its span encoded, per span', ['in the ring', perRecordBatch(spansInRing)], ['from the decoded record', perRecordBatch(spansFromRecords)]],
  ['recording worker, record read and its request line rendered, per line', ['in the ring, chunked', perRecordBatch(linesInRing)], ['strings joined', perRecordBatch(linesJoined)]],
];

for (const [name, [la, ours], [lb, baseline]] of pairs) {
  nsPer(ours); // warm up both paths before measuring
  nsPer(baseline);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(nsPer(ours));
    b.push(nsPer(baseline));
  }
  console.log(`${name}: ${la} ${median(a).toFixed(0)} ns, ${lb} ${median(b).toFixed(0)} ns; ratio ${median(a.map((x, i) => x / b[i]!)).toFixed(2)} (median of ${rounds} rounds of ${N.toLocaleString('en')})`);
}
if (bytes === 0) throw new Error('nothing was written');
