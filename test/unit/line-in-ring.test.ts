// The worker renders the request line of an all-ASCII record straight from
// the ring (line-in-ring.ts): it must write the very line recordLine writes
// for the same record, escapes, censoring and optional fields included, and
// leave every other record to recordLine.
import { describe, expect, it } from 'vitest';
import { HTTP_METHODS } from '../../catalog/http.ts';
import { addLineInRing } from '../../exporter/logging/line-in-ring.ts';
import { recordLine } from '../../exporter/logging/record-line.ts';
import { LineChunks } from '../../exporter/tracing/line-chunks.ts';
import { RecordRing } from '../../exporter/tracing/record-ring.ts';
import { HAS_IDS, HAS_PARENT, LOG_LINE, readRequestRecord, SAMPLED_SPAN, writeRequestRecord } from '../../exporter/tracing/request-record.ts';
import { encodeRecordSpans } from '../../exporter/tracing/record-protobuf.ts';
import { encodeSpanInRing } from '../../exporter/tracing/span-in-ring.ts';
import { ODD_TEXT_FOR_TESTS } from '../support/odd-text.ts';
import { decodeProtobufTraces } from '../support/otlp-protobuf.ts';
import { decodeTraces } from '../support/otlp-receiver.ts';
import { seededRandom } from '../support/seeded-random.ts';

const BASE = '"service.name":"café","service.version":"1.2.3","ecs.version":"8.11.0"';

describe('request lines rendered in the ring', () => {
  it('are the lines recordLine writes, for every kind of ASCII record; other records are left to it', () => {
    const random = seededRandom(11);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    const hex = (chars: number) => Array.from({ length: chars }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
    // Every ASCII character, the ones JSON escapes included.
    const ascii = () => Array.from({ length: 1 + Math.floor(random() * 40) }, () => String.fromCharCode(Math.floor(random() * 128))).join('');
    const text = () => pick(['plain', ascii(), ascii(), 'say "hi" \\ there', 'tab\there\nnew\u0000\u001f\u007f', ODD_TEXT_FOR_TESTS, 'x'.repeat(2000)]);
    const ring = RecordRing.create(1 << 24);
    for (let i = 0; i < 3000; i++) {
      const ids = random() < 0.8;
      const start = 1.7e12 + random() * 1e10;
      const ok = writeRequestRecord(
        ring, LOG_LINE | (ids ? HAS_IDS | SAMPLED_SPAN : 0) | (ids && random() < 0.5 ? HAS_PARENT : 0), Math.floor(random() * HTTP_METHODS.length), 1,
        pick([200, 204, 301, 404, 499, 500, 503]), 1, start, start + pick([0, random() * 5000, -0.5, 1e-9]),
        ids ? hex(32) + hex(16) + hex(16) : '', pick([undefined, '/hello/:name', text()]),
        pick(['/hello/world', `/search?q=${text()}&api_key=k3y`, '/p;jsessionid=abc/x?token=1', `/${text()}`, '/a#frag', 'http://u:p@h/x?y=1']),
        pick([undefined, `/mounted/${text()}?password=x`]), pick([undefined, 'shop.example:8080']), pick([undefined, 'curl/8.5.0', text()]),
        pick([undefined, '127.0.0.1', text()]), pick(['1.1', '2', text()]), undefined, undefined, undefined,
      );
      expect(ok).toBe(true);
    }
    let inRing = 0;
    let left = 0;
    const base = Buffer.from(BASE);
    ring.drain((at) => {
      const r = readRequestRecord(ring.data, at);
      const chunks = new LineChunks();
      if (addLineInRing(ring.data, at, base, chunks)) {
        inRing++;
        expect(chunks.take().join('')).toBe(recordLine(r, BASE));
      } else {
        left++;
        expect(chunks.take()).toEqual([]);
        // Left only when some string of the record is beyond ASCII.
        expect(/[^\u0000-\u007f]/.test([r.route, r.target, r.logTarget, r.userAgent, r.clientAddress, r.httpVersion, r.host].join(''))).toBe(true);
      }
    });
    expect(inRing).toBeGreaterThan(1000);
    expect(left).toBeGreaterThan(100);
  });

  it('targets and hosts of the same length that differ in one byte each get their own line and span (the worker remembers the last strings)', () => {
    const ring = RecordRing.create(1 << 20);
    const targets = ['/r/1?k=a', '/r/1?k=a', '/r/2?k=a', '/r/1?k=b', '/r/1?k=b', 'x'.repeat(200), `${'x'.repeat(199)}y`, '/r/1?k=a'];
    targets.forEach((target, i) => writeRequestRecord(ring, LOG_LINE | SAMPLED_SPAN | HAS_IDS, 1, 1, 200, 1, 1.7e12 + i, 1.7e12 + i + 1, '0af7651916cd43dd8448eb211c80319cb7ad6b71692033310000000000000000', undefined, target, undefined, `h${i % 2}.test:80${i % 3}`, undefined, undefined, '1.1', undefined, undefined, undefined));
    const base = Buffer.from(BASE);
    const seen: { path: unknown; query: unknown; address: unknown; port: unknown }[] = [];
    ring.drain((at) => {
      const chunks = new LineChunks();
      expect(addLineInRing(ring.data, at, base, chunks)).toBe(true);
      const line = JSON.parse(chunks.take().join('')) as { url: { path: string; query?: string } };
      const span = decodeTraces(decodeProtobufTraces(encodeRecordSpans([encodeSpanInRing(ring.data, at, 4096)!], {}, 'kit', 4096)) as never)[0]!;
      expect({ path: span.attributes['url.path'], query: span.attributes['url.query'] }).toEqual({ path: line.url.path, query: line.url.query });
      seen.push({ path: line.url.path, query: line.url.query, address: span.attributes['server.address'], port: span.attributes['server.port'] });
    });
    expect(seen).toEqual(targets.map((target, i) => {
      const q = target.indexOf('?');
      return { path: q === -1 ? target : target.slice(0, q), query: q === -1 ? undefined : target.slice(q + 1), address: `h${i % 2}.test`, port: 800 + (i % 3) };
    }));
  });

  it('many lines in one chunk come out whole and in order', () => {
    const ring = RecordRing.create(1 << 22);
    for (let i = 0; i < 500; i++) writeRequestRecord(ring, LOG_LINE, 2, 0, 200, 1, 1.7e12 + i, 1.7e12 + i + 1, '', '/r/:id', `/r/${i}?token=${i}`, undefined, undefined, undefined, '10.0.0.1', '1.1', undefined, undefined, undefined);
    const chunks = new LineChunks();
    const expected: string[] = [];
    ring.drain((at) => {
      const r = readRequestRecord(ring.data, at);
      expect(addLineInRing(ring.data, at, Buffer.from(BASE), chunks)).toBe(true);
      expected.push(recordLine(r, BASE));
    });
    const taken = chunks.take();
    expect(taken.length).toBeGreaterThan(1);
    expect(taken.join('')).toBe(expected.join(''));
    expect(expected[7]).toContain('"query":"token=[REDACTED]"');
  });
});
