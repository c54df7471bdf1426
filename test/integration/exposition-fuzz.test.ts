// Business label values are whatever the app's data holds: this fills an
// open label with random text (any Unicode plane, lone surrogates, quotes,
// backslashes, newlines and other controls, very long values) and checks that
// the exposition stays valid: promtool's parser and lint accept the text
// format (promtool misreads OpenMetrics, see DESIGN), and a real Prometheus
// scrapes both formats with no failed scrape and stores every series. With
// the same values, a registry scraped between random changes renders like a
// fresh one with the same history: what a series keeps from the last scrape
// (label bytes in shared slabs, a sum's text, an exemplar's) is never stale.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import { counter, gauge, histogram } from '../../catalog/spec.ts';
import { createExporter, type Exporter } from '../../exporter/exporter.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import { CounterFamily, HistogramFamily } from '../../exporter/metric-family.ts';
import { waitFor } from '../support/net.ts';
import { checkMetrics } from '../support/promtool.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';
import { seededRandom } from '../support/seeded-random.ts';

const SEED = 0x5eed18;
const VALUES = 400;


const PIECES = ['"', '\\', '\n', '\r', '\t', '\\n', '\\"', '{', '}', '=', ',', '#', ' ', '\u0000', '\u007f', '\u2028', '\u202e', 'é', '𝄞', '😀', '中文', '\ud800', '\udfff', 'a', 'Z', '0', '# EOF', 'le="1"', '} 1\n'];

function fuzzValue(next: () => number): string {
  const kind = next();
  if (kind < 0.1) return 'x'.repeat(1000 + Math.floor(next() * 20_000)); // very long
  if (kind < 0.2) return String.fromCodePoint(...Array.from({ length: 1 + Math.floor(next() * 40) }, () => Math.floor(next() * 0x10ffff)).filter((c) => c < 0xd800 || c > 0xdfff));
  return Array.from({ length: 1 + Math.floor(next() * 30) }, () => PIECES[Math.floor(next() * PIECES.length)]).join('');
}

let exporter: Exporter;
let prometheus: RunningPrometheus;
let seriesExpected = 0;
const servers: Server[] = [];

/** A server kept for the whole file (the shared helper closes its servers after each test). */
async function serve(handler: RequestListener): Promise<{ port: number }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port };
}

beforeAll(async () => {
  exporter = createExporter({ hostMetrics: false, processMetrics: false, logger: { warn() {} } });
  const m = exporter.defineMetrics({
    notes: counter({ name: 'fuzz_notes_total', help: 'Notes by their free text.', unit: '', labels: ['note', 'kind'], values: { kind: ['a', 'b'] } }),
    sizes: gauge({ name: 'fuzz_note_size_bytes', help: 'Size of the note.', unit: 'bytes', labels: ['note'] }),
  });
  const next = seededRandom(SEED);
  for (let i = 0; i < VALUES; i++) {
    const note = fuzzValue(next);
    m.notes.inc({ note, kind: i % 2 === 0 ? 'a' : 'b' });
    m.sizes.set({ note }, note.length);
  }
  // One target per format: the handler negotiates OpenMetrics for Prometheus; the second target forces the text format.
  const openMetrics = await serve((req, res) => void exporter.metricsHandler(req, res));
  const text = await serve((req, res) => {
    req.headers.accept = 'text/plain;version=0.0.4';
    void exporter.metricsHandler(req, res);
  });
  const body = await renderRegistry(exporter.registry, 'prometheus');
  seriesExpected = body.split('\n').filter((l) => l.startsWith('fuzz_notes_total{')).length;
  prometheus = await startPrometheus({
    jobs: [
      { job: 'openmetrics', targets: [`127.0.0.1:${openMetrics.port}`] },
      { job: 'text', targets: [`127.0.0.1:${text.port}`] },
    ],
  });
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

test('the text format passes promtool check metrics with no finding', async () => {
  const text = await renderRegistry(exporter.registry, 'prometheus');
  const { code, lines } = await checkMetrics(text);
  expect(lines).toEqual([]);
  expect(code).toBe(0);
  const om = await renderRegistry(exporter.registry, 'openmetrics');
  expect(om.endsWith('# EOF\n')).toBe(true);
  expect(om.split('\n').filter((l) => l.startsWith('# EOF'))).toHaveLength(1); // a label value never ends the exposition early
});

test('Prometheus scrapes both formats with no failed scrape and stores every series', { timeout: 60_000 }, async () => {
  await waitFor(async () => (await prometheus.query('count_over_time(up[1m])')).every((s) => Number(s.value[1]) >= 5) && (await prometheus.query('up')).length === 2, 40_000, 'five scrapes of each target', 1000);
  const targets = await prometheus.activeTargets();
  expect(targets.map((t) => [t.labels.job, t.health, t.lastError]).sort()).toEqual([
    ['openmetrics', 'up', ''],
    ['text', 'up', ''],
  ]);
  const minUp = await prometheus.query('min_over_time(up[1m])');
  expect(minUp.map((s) => s.value[1])).toEqual(['1', '1']);
  const stored = await prometheus.query('count by (job) (fuzz_notes_total)');
  const counts = Object.fromEntries(stored.map((s) => [s.metric.job, Number(s.value[1])]));
  console.log(`exposition fuzz (seed ${SEED.toString(16)}): ${VALUES} random label values, ${seriesExpected} series in the text format; Prometheus stored ${JSON.stringify(counts)}; scrapes per target ${(await prometheus.query('count_over_time(up[1m])')).map((s) => s.value[1]).join('/')}, all up`);
  expect(counts).toEqual({ openmetrics: seriesExpected, text: seriesExpected });
});

test('a registry scraped between random changes renders byte for byte like a fresh one with the same history', async () => {
  vi.useFakeTimers({ toFake: ['Date'] }); // exemplar timestamps: the replay runs later
  try {
    const next = seededRandom(SEED ^ 0x5ca1e);
    const logger = { warn() {} };
    const families = (registry: Registry) => ({
      notes: new CounterFamily(counter({ name: 'fuzz_seen_total', help: 'Seen.', unit: '', labels: ['note'] }), { logger }).register(registry),
      waits: new HistogramFamily(histogram({ name: 'fuzz_wait_seconds', help: 'Wait.', unit: 'seconds', labels: ['note'], buckets: [0.01, 0.1, 1] }), { logger }).register(registry),
    });
    type Op = (f: ReturnType<typeof families>) => void;
    const history: Op[] = [];
    const live = new Registry();
    const liveFamilies = families(live);
    const notes = Array.from({ length: 80 }, () => fuzzValue(next));
    let lines = 0;
    for (let round = 0; round < 25; round++) {
      for (let i = 0; i < 20; i++) {
        const note = notes[Math.floor(next() * notes.length)]!;
        const v = next() * 2;
        const exemplar = next() < 0.3 ? { trace_id: fuzzValue(next).slice(0, 64), span_id: String(i) } : undefined;
        const op: Op = (f) => {
          f.waits.labels({ note }).observe(v, exemplar);
          f.notes.labels({ note }).inc(v);
        };
        history.push(op);
        op(liveFamilies);
      }
      const fresh = new Registry();
      const freshFamilies = families(fresh);
      for (const op of history) op(freshFamilies);
      for (const format of ['prometheus', 'openmetrics'] as const) {
        const text = await renderRegistry(live, format);
        expect(text, `round ${round}, ${format}`).toBe(await renderRegistry(fresh, format));
        lines += text.split('\n').length;
      }
    }
    console.log(`exposition fuzz, scraped between changes: 25 rounds of 20 random observations over ${notes.length} random label values, ${lines} lines compared with fresh registries`);
  } finally {
    vi.useRealTimers();
  }
});
