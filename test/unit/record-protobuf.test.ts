// The recording pipeline's protobuf encoder writes, for any request record,
// the very bytes the SDK's ProtobufTraceSerializer writes for the span the
// record stands for: random records (every optional field, app attributes of
// every type, events, statuses, odd and long text, secrets to censor) go
// through the record ring and are encoded both ways.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { HTTP_METHODS } from '../../catalog/http.ts';
import { RecordRing } from '../../exporter/tracing/record-ring.ts';
import { encodeRecordSpans } from '../../exporter/tracing/record-protobuf.ts';
import { encodeSpanInRing } from '../../exporter/tracing/span-in-ring.ts';
import { recordToReadableSpan } from '../../exporter/tracing/record-span.ts';
import { ENCRYPTED, HAS_IDS, HAS_PARENT, LOG_LINE, readRequestRecord, REMOTE_PARENT, type RequestRecord, SAMPLED_SPAN, type SpanExtras, writeRequestRecord } from '../../exporter/tracing/request-record.ts';
import { decodeProtobufTraces } from '../support/otlp-protobuf.ts';
import { ODD_TEXT_FOR_TESTS } from '../support/odd-text.ts';
import { seededRandom } from '../support/seeded-random.ts';

const resource = resourceFromAttributes({ 'service.name': 'shop', 'service.version': '1.2.3', 'telemetry.sdk.language': 'nodejs', 'process.pid': 4242, 'host.arch': 'amd64' });
const SCOPE = 'node-observability-kit';
/** One scope object, as the worker has: the SDK groups spans by the scope object's identity. */
const scope = { name: SCOPE };
const LIMIT = 300;

function sdkBytes(records: readonly RequestRecord[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(records.map((r) => recordToReadableSpan(r, resource, scope, LIMIT)))!);
}
const ourBytes = (records: readonly (RequestRecord | Uint8Array)[], limit = LIMIT) => Buffer.from(encodeRecordSpans(records, resource.attributes, SCOPE, limit));

/** Records read back from a ring, each with its span as the worker encodes it in the ring (undefined where it encodes the record later). */
interface ReadBack {
  readonly records: RequestRecord[];
  readonly inRing: (Uint8Array | undefined)[];
}
function readBack(ring: RecordRing, limit = LIMIT): ReadBack {
  const records: RequestRecord[] = [];
  const inRing: (Uint8Array | undefined)[] = [];
  ring.drain((at) => {
    const r = readRequestRecord(ring.data, at);
    records.push(r);
    inRing.push(encodeSpanInRing(ring.data, at, limit));
  });
  return { records, inRing };
}
/** What the exporter hands the encoder: the span encoded in the ring, or else the record. */
const queued = ({ records, inRing }: ReadBack) => records.map((r, i) => inRing[i] ?? r);

function randomRecords(seed: number, count: number): ReadBack {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
  const maybe = <T>(value: T, odds = 0.5): T | undefined => (random() < odds ? value : undefined);
  const hex = (chars: number) => Array.from({ length: chars }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
  const text = () => pick(['plain', ODD_TEXT_FOR_TESTS, 'lone \ud800 surrogate', 'x'.repeat(100 + Math.floor(random() * 400)), '日本'.repeat(90), '', 'token=abc&password=hunter2']);
  const value = (): unknown => pick([() => text(), () => Math.floor(random() * 1e6), () => -Math.floor(random() * 1e12), () => random() * 1e3, () => 2 ** 40 + 7, () => random() < 0.5, () => [text(), text()], () => [1, 2.5, -3], () => [true, null, 'x']])();
  const ring = RecordRing.create(1 << 22);
  for (let i = 0; i < count; i++) {
    const extras: SpanExtras = {};
    if (random() < 0.4) extras.a = Object.fromEntries(Array.from({ length: 1 + Math.floor(random() * 5) }, (_, k) => [pick(['app.user', 'app.session_id', 'url.full', 'db.password', `app.k${k}`, 'http.route', 'http.response.status_code']), value()]));
    if (random() < 0.3) extras.e = Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({ n: pick(['exception', 'cache miss', ODD_TEXT_FOR_TESTS]), t: 1.7e12 + random() * 1e9, ...(random() < 0.7 && { a: { 'exception.message': text(), 'exception.stacktrace': `Error: at /x?token=secret ${text()}`, count: Math.floor(random() * 9) } }) }));
    if (random() < 0.3) extras.s = pick([{ c: 1 }, { c: 2, m: text() }, { c: 2 }]);
    if (random() < 0.2) extras.n = text();
    const method = Math.floor(random() * HTTP_METHODS.length);
    const parent = random() < 0.5;
    const start = 1.7e12 + random() * 1e10 + pick([0, 0.9999999, 0.123456789]);
    const flags = SAMPLED_SPAN | HAS_IDS | (random() < 0.5 ? LOG_LINE : 0) | (parent ? HAS_PARENT : 0) | (parent && random() < 0.5 ? REMOTE_PARENT : 0) | (random() < 0.3 ? ENCRYPTED : 0);
    const ids = hex(32) + hex(16) + (parent ? hex(16) : '0'.repeat(16));
    const target = pick(['/hello/world', `/search?q=${text()}&api_key=k3y`, `/p;jsessionid=abc/x`, `/${text()}`, '/']);
    const ok = writeRequestRecord(
      ring, flags, method, pick([1, 1, 3]), pick([200, 201, 301, 404, 500, 503]), 0, start, start + random() * 2000,
      ids, maybe(pick(['/hello/:name', '/orders/:id', text()]), 0.8), target, maybe('/mounted' + target, 0.2),
      maybe(pick(['shop.example:8080', 'shop.example', '[::1]:3000', '[::1]', 'host:notaport', text()]), 0.9), maybe(text()), maybe('::ffff:127.0.0.1'),
      pick(['1.1', '2', '1.0']), HTTP_METHODS[method] === '_OTHER' ? text() : undefined, maybe(pick(['vendor=abc,other=x', 'bad state', 'k=v']), 0.2),
      Object.keys(extras).length === 0 ? undefined : JSON.stringify(extras),
    );
    expect(ok).toBe(true);
  }
  return readBack(ring);
}

describe('the recording pipeline protobuf encoder', () => {
  it('writes the bytes the SDK serializer writes, for every kind of record', () => {
    let encodedInRing = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const read = randomRecords(seed, 60);
      const sdk = sdkBytes(read.records);
      for (const ours of [ourBytes(read.records), ourBytes(queued(read))]) {
        // The decoded form first, so a failure names the field rather than a byte offset.
        expect(decodeProtobufTraces(ours), `seed ${seed}`).toEqual(decodeProtobufTraces(sdk));
        expect(ours.equals(sdk), `seed ${seed}`).toBe(true);
      }
      encodedInRing += read.inRing.filter((s) => s !== undefined).length;
    }
    // Random text makes most records take the string path; enough take the ring's.
    expect(encodedInRing).toBeGreaterThan(40);
  });

  it('encodes common requests in the ring, with every optional part, as the SDK does', () => {
    const random = seededRandom(5);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    const hex = (chars: number) => Array.from({ length: chars }, () => pick([...'0123456789abcdefABCDEF'])).join('');
    const ring = RecordRing.create(1 << 22);
    for (let i = 0; i < 2000; i++) {
      const method = pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      const parent = random() < 0.5;
      const start = 1.7e12 + random() * 1e10 + pick([0, 0.9999999, 0.123456789]);
      const flags = SAMPLED_SPAN | HAS_IDS | LOG_LINE | (parent ? HAS_PARENT : 0) | (parent && random() < 0.5 ? REMOTE_PARENT : 0) | (random() < 0.3 ? ENCRYPTED : 0);
      const target = pick(['/hello/world', '/search?q=shoes&api_key=k3y', '/p;jsessionid=abc/x', '/a?b', '/x?', '/', 'http://user:pw@shop.example/y?token=1', '/%74oken=1?%70assword=2', `/${'long'.repeat(200)}`]);
      const ok = writeRequestRecord(
        ring, flags, method, pick([1, 3]), pick([200, 204, 301, 404, 500, 503]), 0, start, start + random() * 2000,
        hex(32) + hex(16) + (parent ? hex(16) : '0'.repeat(16)), pick([undefined, '/hello/:name', '/orders/:id', '*']), target, pick([undefined, '/mounted/x']),
        pick([undefined, 'shop.example:8080', 'shop.example', '[::1]:3000', '[::1]', 'host:notaport', 'host:', 'host: 80', 'host:0x10', 'host:99999999999']),
        pick([undefined, 'curl/8.5.0', `Mozilla/5.0 (X11; Linux x86_64) ${'x'.repeat(400)}`]), pick([undefined, '127.0.0.1', '::ffff:10.0.0.1']), pick(['1.1', '2', '1.0']),
        undefined, undefined, undefined,
      );
      expect(ok).toBe(true);
    }
    const read = readBack(ring);
    // Unknown methods, values past the limit (cut) and ports that are not plain digits (read by Number()) take the string path; every other record is encoded in the ring.
    const oddPorts = new Set(['host:notaport', 'host:', 'host: 80', 'host:0x10', 'host:99999999999']);
    const stringPath = read.records.map((r) => r.method === '_OTHER' || r.target.length > LIMIT || (r.userAgent?.length ?? 0) > LIMIT || oddPorts.has(r.host ?? ''));
    expect(read.inRing.map((s) => s === undefined)).toEqual(stringPath);
    expect(stringPath.filter((l) => !l).length).toBeGreaterThan(400);
    const sdk = sdkBytes(read.records);
    const ours = ourBytes(queued(read));
    expect(decodeProtobufTraces(ours)).toEqual(decodeProtobufTraces(sdk));
    expect(ours.equals(sdk)).toBe(true);
  });

  it('leaves to the string path what it cannot copy: non-ASCII text, trace state, app additions, unknown methods', () => {
    const ring = RecordRing.create(1 << 20);
    const write = (over: { route?: string; traceState?: string; extras?: string; methodOriginal?: string; method?: number; userAgent?: string }) =>
      writeRequestRecord(ring, SAMPLED_SPAN | HAS_IDS, over.method ?? 2, 1, 200, 0, 1.7e12, 1.7e12 + 1, 'a'.repeat(32) + 'b'.repeat(16) + '0'.repeat(16), over.route ?? '/r', '/t', undefined, 'h:1', over.userAgent, undefined, '1.1', over.methodOriginal, over.traceState, over.extras);
    write({ route: '/café' });
    write({ userAgent: 'lone \ud800' });
    write({ traceState: 'k=v' });
    write({ extras: JSON.stringify({ a: { x: 1 } }) });
    write({ method: 10, methodOriginal: 'PURGE' });
    write({});
    const read = readBack(ring);
    expect(read.inRing.map((s) => s !== undefined)).toEqual([false, false, false, false, false, true]);
    expect(ourBytes(queued(read)).equals(sdkBytes(read.records))).toBe(true);
  });

  it('writes a batch of 512 hello spans, one at a time and all at once, as the SDK does', () => {
    const { records } = randomRecords(99, 512);
    expect(ourBytes(records).equals(sdkBytes(records))).toBe(true);
    expect(ourBytes(records.slice(0, 1)).equals(sdkBytes(records.slice(0, 1)))).toBe(true);
  });

  it('lengths of nested messages past one varint byte (long attributes, many events) are moved correctly', () => {
    const records = randomRecords(7, 30).records.map((r) => ({ ...r, extras: { a: { long: 'é'.repeat(20_000 / 2), many: Array.from({ length: 300 }, (_, i) => `v${i}`) }, e: Array.from({ length: 50 }, (_, i) => ({ n: `e${i}`, t: 1.7e12 + i, a: { text: 'y'.repeat(200) } })) } }));
    expect(ourBytes(records).equals(sdkBytes(records))).toBe(true);
  });
});
