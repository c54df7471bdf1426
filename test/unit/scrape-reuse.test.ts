// A scrape reuses what a series kept from the last one (a histogram's sum
// text, an exemplar's text, label bytes in shared slabs, and the text of an
// unchanged histogram series, copied from the last exposition). Every scrape here
// is compared with a fresh registry that replays the same operations and
// renders once, so nothing is kept from before: a stale piece anywhere shows
// as a difference. Random operation sequences cover what the named cases miss.
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { counter, gauge, histogram } from '../../catalog/spec.ts';
import { renderRegistry, renderRegistryChunks, type ExpositionFormat } from '../../exporter/exposition.ts';
import { releaseChunks } from '../../exporter/exposition-writer.ts';
import { CounterFamily, GaugeFamily, HistogramFamily } from '../../exporter/metric-family.ts';
import { seededRandom } from '../support/seeded-random.ts';

const logger = { warn: () => {} };
const FORMATS: ExpositionFormat[] = ['prometheus', 'openmetrics'];

function families(registry: Registry) {
  return {
    jobs: new CounterFamily(counter({ name: 'app_jobs_total', help: 'Jobs.', unit: '', labels: ['queue'] }), { logger }).register(registry),
    depth: new GaugeFamily(gauge({ name: 'app_queue_depth', help: 'Depth.', unit: '', labels: ['queue'] }), { logger, staticLabels: { service: 'shop' } }).register(registry),
    latency: new HistogramFamily(histogram({ name: 'app_latency_seconds', help: 'Latency.', unit: 'seconds', labels: ['route'], buckets: [0.1, 0.5, 1] }), { logger, maxSeries: 10_000 }).register(registry),
    size: new HistogramFamily(histogram({ name: 'app_size_bytes', help: 'Size.', unit: 'bytes', labels: [], buckets: [10] }), { logger }).register(registry),
  };
}
type Families = ReturnType<typeof families>;
type Op = (f: Families) => void;

/** A registry that records its operations (with the clock at each, for exemplar timestamps), so a fresh one can replay them. */
class Recorded {
  readonly registry = new Registry();
  readonly #families = families(this.registry);
  readonly #ops: { at: number; op: Op }[] = [];

  apply(op: Op): void {
    this.#ops.push({ at: Date.now(), op });
    op(this.#families);
  }

  /** The render of a registry that never rendered before: everything formatted from the values. */
  async fresh(format: ExpositionFormat): Promise<string> {
    const now = Date.now();
    const replay = new Registry();
    const f = families(replay);
    for (const { at, op } of this.#ops) {
      vi.setSystemTime(at);
      op(f);
    }
    vi.setSystemTime(now);
    return renderRegistry(replay, format);
  }

  /** Renders this registry and checks it against a fresh one. */
  async scrape(format: ExpositionFormat): Promise<string> {
    const text = await renderRegistry(this.registry, format);
    expect(text, `${format} scrape after ${this.#ops.length} operations`).toBe(await this.fresh(format));
    return text;
  }
}

/** Lines of `after` that are not in `before`. */
const added = (before: string, after: string) => {
  const old = new Set(before.split('\n'));
  return after.split('\n').filter((l) => !old.has(l));
};

let clock = 1_700_000_000_000;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(clock);
});
afterEach(() => {
  vi.useRealTimers();
});
/** Moves the clock on, so each exemplar has a timestamp of its own. */
const tick = (ms = 1234) => vi.setSystemTime((clock += ms));

describe('after a change to one series, the next scrape shows exactly that change', () => {
  async function scrapedTwice(setup: Op, change: Op) {
    const r = new Recorded();
    r.apply(setup);
    const before = Object.fromEntries(await Promise.all(FORMATS.map(async (f) => [f, await r.scrape(f)] as const)));
    tick();
    r.apply(change);
    const after = Object.fromEntries(await Promise.all(FORMATS.map(async (f) => [f, await r.scrape(f)] as const)));
    return { before, after };
  }
  const setup: Op = (f) => {
    for (const q of ['a', 'b']) {
      f.jobs.labels({ queue: q }).inc(2);
      f.depth.labels({ queue: q }).set(1.25);
    }
    for (const route of ['/x', '/y']) {
      f.latency.labels({ route }).observe(0.05);
      f.latency.labels({ route }).observe(0.7, { trace_id: `t${route}`, span_id: 's1' });
    }
    f.size.labels().observe(3.5);
  };

  test('a histogram observation: its bucket from there up, its sum and its count, in both formats', async () => {
    const { before, after } = await scrapedTwice(setup, (f) => f.latency.labels({ route: '/y' }).observe(0.3));
    for (const format of FORMATS) {
      expect(added(before[format]!, after[format]!), format).toEqual([
        'app_latency_seconds_bucket{route="/y",le="0.5"} 2',
        expect.stringMatching(/^app_latency_seconds_bucket\{route="\/y",le="1"\} 3( # .*)?$/),
        'app_latency_seconds_bucket{route="/y",le="+Inf"} 3',
        'app_latency_seconds_sum{route="/y"} 1.05',
        'app_latency_seconds_count{route="/y"} 3',
      ]);
    }
  });

  test('a histogram without labels', async () => {
    const { before, after } = await scrapedTwice(setup, (f) => f.size.labels().observe(20));
    expect(added(before.prometheus!, after.prometheus!)).toEqual(['app_size_bytes_bucket{le="+Inf"} 2', 'app_size_bytes_sum 23.5', 'app_size_bytes_count 2']);
  });

  test('a new exemplar replaces the old one in OpenMetrics, and the text format stays without', async () => {
    const { before, after } = await scrapedTwice(setup, (f) => f.latency.labels({ route: '/x' }).observe(0.9, { trace_id: 'newer', span_id: 's2' }));
    expect(added(before.openmetrics!, after.openmetrics!)).toEqual([
      `app_latency_seconds_bucket{route="/x",le="1"} 3 # {trace_id="newer",span_id="s2"} 0.9 ${(clock / 1000).toFixed(3)}`,
      'app_latency_seconds_bucket{route="/x",le="+Inf"} 3',
      'app_latency_seconds_sum{route="/x"} 1.65',
      'app_latency_seconds_count{route="/x"} 3',
    ]);
    expect(after.openmetrics).not.toContain('trace_id="t/x"');
    expect(after.prometheus).not.toContain('trace_id');
  });

  test('a counter increment and a gauge set', async () => {
    const { before, after } = await scrapedTwice(setup, (f) => {
      f.jobs.labels({ queue: 'b' }).inc(0.5);
      f.depth.labels({ queue: 'a' }).set(-7);
    });
    expect(added(before.prometheus!, after.prometheus!)).toEqual(['app_jobs_total{queue="b"} 2.5', 'app_queue_depth{queue="a",service="shop"} -7']);
    expect(added(before.openmetrics!, after.openmetrics!)).toEqual(['app_jobs_total{queue="b"} 2.5', 'app_queue_depth{queue="a",service="shop"} -7']);
  });

  test('a series added between scrapes, after the others of its family', async () => {
    const { before, after } = await scrapedTwice(setup, (f) => f.latency.labels({ route: '/new' }).observe(2));
    expect(added(before.prometheus!, after.prometheus!)).toEqual([
      'app_latency_seconds_bucket{route="/new",le="0.1"} 0',
      'app_latency_seconds_bucket{route="/new",le="0.5"} 0',
      'app_latency_seconds_bucket{route="/new",le="1"} 0',
      'app_latency_seconds_bucket{route="/new",le="+Inf"} 1',
      'app_latency_seconds_sum{route="/new"} 2',
      'app_latency_seconds_count{route="/new"} 1',
    ]);
  });

  test('a reset: zeros, no exemplars, and the sums shown again once observed', async () => {
    const { after } = await scrapedTwice(setup, (f) => f.latency.reset());
    expect(after.openmetrics).toContain('app_latency_seconds_sum{route="/x"} 0\n');
    expect(after.openmetrics).not.toContain('trace_id');
    const r = new Recorded();
    r.apply(setup);
    await r.scrape('prometheus');
    r.apply((f) => f.latency.reset());
    await r.scrape('prometheus');
    r.apply((f) => f.latency.labels({ route: '/x' }).observe(0.75));
    expect(await r.scrape('prometheus')).toContain('app_latency_seconds_sum{route="/x"} 0.75\n');
  });

  test('a sum that comes back to the value last shown, and a NaN sum', async () => {
    const r = new Recorded();
    r.apply((f) => f.latency.labels({ route: '/x' }).observe(1.5));
    await r.scrape('prometheus');
    r.apply((f) => {
      f.latency.labels({ route: '/x' }).observe(2);
      f.latency.labels({ route: '/x' }).observe(-2);
    });
    expect(await r.scrape('prometheus')).toContain('app_latency_seconds_sum{route="/x"} 1.5\napp_latency_seconds_count{route="/x"} 3\n');
    r.apply((f) => f.latency.labels({ route: '/x' }).observe(Number.NaN));
    expect(await r.scrape('prometheus')).toContain('app_latency_seconds_sum{route="/x"} NaN\n');
    expect(await r.scrape('openmetrics')).toContain('app_latency_seconds_sum{route="/x"} NaN\n');
  });
});

test('series created while a render yields wait for the next scrape, which shows them and every change made meanwhile', async () => {
  const r = new Recorded();
  // Enough series for several 256 KiB chunks: the render yields to the event loop between them.
  r.apply((f) => {
    for (let i = 0; i < 3000; i++) f.latency.labels({ route: `/r${i}` }).observe(0.2);
  });
  await r.scrape('openmetrics');
  const rendering = renderRegistry(r.registry, 'prometheus');
  await new Promise((resolve) => setImmediate(resolve)); // the render is past its first chunk now
  r.apply((f) => {
    f.latency.labels({ route: '/during' }).observe(0.3);
    f.latency.labels({ route: '/r0' }).observe(0.4);
    f.latency.labels({ route: '/r2999' }).observe(0.6);
  });
  const during = await rendering;
  expect(during).not.toContain('/during');
  expect(during).toContain('app_latency_seconds_count{route="/r0"} 1\n'); // rendered before the change
  expect(during).toContain('app_latency_seconds_count{route="/r2999"} 2\n'); // rendered after it
  const next = await r.scrape('prometheus');
  expect(next).toContain('app_latency_seconds_count{route="/during"} 1\n');
  expect(next).toContain('app_latency_seconds_count{route="/r0"} 2\n');
});

test('writers and chunks reused by later scrapes never touch the output of one still being sent, nor of one rendering beside it', async () => {
  const r = new Recorded();
  r.apply((f) => {
    for (let i = 0; i < 2500; i++) f.latency.labels({ route: `/r${i}` }).observe(0.2);
  });
  const first = await renderRegistryChunks(r.registry, 'prometheus'); // still "being sent": not released
  const firstText = Buffer.concat(first).toString();
  r.apply((f) => f.latency.labels({ route: '/r1' }).observe(0.9));
  const [a, b] = await Promise.all([renderRegistryChunks(r.registry, 'openmetrics'), renderRegistryChunks(r.registry, 'prometheus')]);
  expect(Buffer.concat(first).toString()).toBe(firstText);
  expect(Buffer.concat(a).toString()).toBe(await r.fresh('openmetrics'));
  expect(Buffer.concat(b).toString()).toBe(await r.fresh('prometheus'));
  releaseChunks(a);
  releaseChunks(b);
  r.apply((f) => f.latency.labels({ route: '/r2' }).observe(0.9));
  await r.scrape('prometheus'); // into the chunks just released
  expect(Buffer.concat(first).toString()).toBe(firstText);
});

describe('the last exposition is kept, and unchanged histogram series are copied from it in the next scrape of its format', () => {
  test('the copy comes from the kept exposition: a byte changed there shows in the next scrape', async () => {
    const r = new Recorded();
    r.apply((f) => {
      f.latency.labels({ route: '/kept' }).observe(0.2);
      f.latency.labels({ route: '/moving' }).observe(0.2);
    });
    const first = await renderRegistryChunks(r.registry, 'prometheus');
    // Tampered after the render: only a copy of these bytes can carry the change into the next scrape.
    const chunk = first.find((c) => c.includes('route="/kept"'))!;
    chunk.write('X', chunk.indexOf('route="/kept"') + 'route="/'.length);
    r.apply((f) => f.latency.labels({ route: '/moving' }).observe(0.3));
    const second = Buffer.concat(await renderRegistryChunks(r.registry, 'prometheus')).toString();
    expect(second).toContain('app_latency_seconds_bucket{route="/Xept",le="0.1"} 0\n');
    expect(second).toContain('app_latency_seconds_count{route="/moving"} 2\n');
    // A scrape in the other format copies nothing from it.
    expect(await renderRegistry(r.registry, 'openmetrics')).toBe(await r.fresh('openmetrics'));
  });

  test('many series over several chunks, a random tenth changing between scrapes, render like a fresh registry in both formats', async () => {
    const next = seededRandom(0x2f1e);
    const r = new Recorded();
    // ~2,000 series of 6 lines: several 256 KiB chunks, so copied runs cross chunk boundaries on both sides.
    r.apply((f) => {
      for (let i = 0; i < 2000; i++) f.latency.labels({ route: `/route/${i}/${'x'.repeat(i % 40)}` }).observe(0.2);
    });
    for (let round = 0; round < 6; round++) {
      // Drawn before the operation: the fresh registry replays it and must see the same values.
      const changed = Array.from({ length: 2000 }, (_, i) => i)
        .filter(() => next() < 0.1)
        .map((i) => ({ route: `/route/${i}/${'x'.repeat(i % 40)}`, value: next() * 2, exemplar: next() < 0.5 ? { trace_id: `t${round}-${i}` } : undefined }));
      tick();
      r.apply((f) => {
        for (const c of changed) f.latency.labels({ route: c.route }).observe(c.value, c.exemplar);
      });
      for (const format of FORMATS) await r.scrape(format);
    }
  });

  test('two scrapes of one format at once both render everything right; the next one reuses again', async () => {
    const r = new Recorded();
    r.apply((f) => {
      for (let i = 0; i < 2500; i++) f.latency.labels({ route: `/r${i}` }).observe(0.2);
    });
    await r.scrape('prometheus');
    r.apply((f) => f.latency.labels({ route: '/r7' }).observe(0.9));
    const [a, b] = await Promise.all([renderRegistry(r.registry, 'prometheus'), renderRegistry(r.registry, 'prometheus')]);
    const fresh = await r.fresh('prometheus');
    expect(a).toBe(fresh);
    expect(b).toBe(fresh);
    r.apply((f) => f.latency.labels({ route: '/r2400' }).observe(0.9));
    await r.scrape('prometheus');
  });
});

test.each([0x5c4a9e, 0x1d2c, 0xbeef01, 0x77aa55])('random operations, scraped at random in both formats, always render like a fresh registry (seed %i)', async (seed) => {
  const next = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const routes = ['/a', '/b', '/c', '/d', '/é"\\\n', '/e'];
  const queues = ['q1', 'q2', 'q3'];
  // Values whose sums need the float formatter (fractions, tiny, huge, negative) and ones that stay integers.
  const value = () => pick([0.05, 0.3, 0.7, 1, 2, 7, 1e-9, 1e21, -0.25, 0.1 + 0.2, next() * 3]);
  const r = new Recorded();
  let scrapes = 0;
  for (let step = 0; step < 400; step++) {
    const roll = next();
    if (roll < 0.12) {
      await r.scrape(pick(FORMATS));
      scrapes++;
      continue;
    }
    if (next() < 0.3) tick(Math.floor(next() * 5000));
    const route = pick(routes);
    const queue = pick(queues);
    const v = value();
    const exemplar = next() < 0.3 ? { trace_id: `t${step}`, span_id: `s${Math.floor(next() * 100)}` } : undefined;
    if (roll < 0.5) r.apply((f) => f.latency.labels({ route }).observe(v, exemplar));
    else if (roll < 0.58) r.apply((f) => f.size.labels().observe(v, exemplar));
    else if (roll < 0.7) r.apply((f) => f.jobs.labels({ queue }).inc(Math.abs(v)));
    else if (roll < 0.85) r.apply((f) => f.depth.labels({ queue }).set(v));
    else if (roll < 0.9) r.apply((f) => f.depth.labels({ queue }).dec(v));
    else if (roll < 0.93) r.apply((f) => f.latency.reset());
    else if (roll < 0.95) r.apply((f) => f.jobs.reset());
    else r.apply((f) => f.latency.labels({ route: `/new${step}` }).observe(v));
  }
  for (const format of FORMATS) await r.scrape(format);
  expect(scrapes).toBeGreaterThan(20);
});
