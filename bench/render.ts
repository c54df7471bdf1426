// /metrics render time and heap of our HistogramFamily against a prom-client
// Histogram holding the same series, rendered alternately in one process.
// Sizes are in Prometheus series (one sample line each: every `_bucket{le}`,
// `_sum` and `_count`), made of as many 14-bucket label sets as it takes.
// Each render follows observations into a share of the label sets, as
// between two real scrapes: a hot tenth (a service whose traffic goes to a
// few routes), and all of them (the first scrape, or a uniformly busy one).
// Usage: node bench/render.ts [reps=5] [series...]   (default sizes: SCRAPE_SIZES;
// progress on stderr, table on stdout)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Histogram, Registry } from 'prom-client';
import { HTTP_METHODS, httpServerRequestDuration as spec } from '../catalog/http.ts';
import { renderRegistryChunks } from '../exporter/exposition.ts';
import { pooledBytes, releaseChunks } from '../exporter/exposition-writer.ts';
import { keptBytes } from '../exporter/exposition-reuse.ts';
import { HistogramFamily } from '../exporter/metric-family.ts';
import type { Logger } from '../exporter/logger.ts';
import { median } from './lib.ts';

const STATUSES = ['200', '201', '204', '301', '304', '400', '401', '404', '429', '500'];
const logger: Logger = { warn: (fields, message) => console.error(message, fields) };

// A forced GC before each measurement keeps one render's garbage off the next.
// Without --expose-gc, the V8 flag can still be set at run time for a new context.
const gc: (() => void) | undefined =
  globalThis.gc ??
  (() => {
    try {
      setFlagsFromString('--expose-gc');
      return runInNewContext('gc') as () => void;
    } catch {
      return undefined;
    }
  })();
const collect = () => gc?.();
// Typed-array backing stores live outside the JS heap: count them too, or our Float64Arrays look free.
// GC twice with a turn of the loop between: freed ArrayBuffers leave the count only once swept.
const heapUsed = async () => {
  for (let i = 0; i < 2; i++) {
    collect();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** The i-th distinct label set: method × status × route, routes as many as needed. */
function labelsAt(i: number): Record<string, string> {
  return {
    http_request_method: HTTP_METHODS[i % HTTP_METHODS.length]!,
    http_route: `/api/v1/resource${Math.floor(i / (HTTP_METHODS.length * STATUSES.length))}/:id`,
    http_response_status_code: STATUSES[Math.floor(i / HTTP_METHODS.length) % STATUSES.length]!,
  };
}

/** A few observations per series, spread over low, middle and high buckets. */
const observationsAt = (i: number) => [0.002 * (1 + (i % 7)), 0.06 * (1 + (i % 5)), 1.3 + (i % 3)];

/** A filled registry, and a way to observe one more value into a share of its label sets (not timed). */
interface Filled {
  readonly registry: Registry;
  touch(share: number, round: number): void;
}

/** The label sets a share touches: every (1/share)-th, so the hot ones stay the same across scrapes, as hot routes do. */
function touched(n: number, share: number, each: (i: number) => void): void {
  const step = Math.max(1, Math.round(1 / share));
  for (let i = 0; i < n; i += step) each(i);
}

/** A value that moves the sum and one bucket, different each round. */
const nextObservation = (i: number, round: number) => 0.001 * (1 + ((i + round) % 997));

function buildOurs(n: number): Filled {
  const registry = new Registry();
  const family = new HistogramFamily(spec, { logger, maxSeries: n * 2 }).register(registry);
  for (let i = 0; i < n; i++) {
    const series = family.labels(labelsAt(i));
    for (const v of observationsAt(i)) series.observe(v);
  }
  // Looked up by labels as prom-client's are: holding the series in an array here would count in our heap.
  return { registry, touch: (share, round) => touched(n, share, (i) => family.labels(labelsAt(i)).observe(nextObservation(i, round))) };
}

function buildPromClient(n: number): Filled {
  const registry = new Registry();
  const h = new Histogram({ name: spec.name, help: spec.help, labelNames: spec.labels, buckets: [...spec.buckets], registers: [registry] });
  for (let i = 0; i < n; i++) {
    const labels = labelsAt(i);
    for (const v of observationsAt(i)) h.observe(labels, v);
  }
  return { registry, touch: (share, round) => touched(n, share, (i) => h.observe(labelsAt(i), nextObservation(i, round))) };
}

/** Heap the series keep (`bytes`), and the exposition kept to copy unchanged series from (`keptBytes`, ours only). */
interface Retained {
  readonly filled: Filled;
  readonly bytes: number;
  readonly keptBytes: number;
}

/**
 * Heap retained by a freshly built registry after one render, in bytes
 * (after GC on both sides): what the series keep for later scrapes counts;
 * the output chunks the writer pools and the exposition kept for reuse do not.
 */
async function retained(build: () => Filled, render: (registry: Registry) => Promise<string | Buffer[]>): Promise<Retained> {
  // A filled registry cannot hold less than nothing: a reading at or below zero is V8 giving back memory
  // (flushed bytecode, a shrunk heap) during the fill, on a loaded machine. Read again, up to three times.
  for (let attempt = 1; ; attempt++) {
    const reading = await retainedOnce(build, render);
    if (reading.bytes > 0 || attempt === 3) return reading;
  }
}

async function retainedOnce(build: () => Filled, render: (registry: Registry) => Promise<string | Buffer[]>): Promise<Retained> {
  const before = await heapUsed();
  const pooledBefore = pooledBytes();
  const keptBefore = keptBytes();
  const filled = build();
  await renderAndDrop(render, filled.registry);
  const kept = keptBytes() - keptBefore;
  return { filled, bytes: (await heapUsed()) - before - (pooledBytes() - pooledBefore) - kept, keptBytes: kept };
}

/** Renders and lets go of the output (our chunks to the writer's pool), so nothing here keeps it alive for the heap reading. */
async function renderAndDrop(render: (registry: Registry) => Promise<string | Buffer[]>, registry: Registry): Promise<void> {
  const out = await render(registry);
  if (typeof out !== 'string') releaseChunks(out);
}

/** Lines per label set of the 14-bucket histogram: 15 `_bucket` (with +Inf), `_sum`, `_count`. */
export const SERIES_PER_LABEL_SET = spec.buckets.length + 3;

const MIN_HEAP_LABEL_SETS = 2_000;

/** The sizes, in Prometheus series: 1k, 10k and 100k. */
const GOAL_SIZES = [1_000, 10_000, 100_000] as const;
/** Label sets of the stress size: 100k of them, 1.7M series, the worst case of blocking. */
const STRESS_LABEL_SETS = 100_000;

/** 1k, 10k and 100k series, and 100k label sets (1.7M series) as the stress case. */
export const SCRAPE_SIZES = [...GOAL_SIZES, STRESS_LABEL_SETS * SERIES_PER_LABEL_SET] as const;

/** A size beyond the largest (100k series) is a stress row. */
const isStress = (labelSets: number) => labelSets > Math.ceil(Math.max(...GOAL_SIZES) / SERIES_PER_LABEL_SET);

export type Variant = 'ours-prometheus' | 'ours-openmetrics' | 'prom-client';
const VARIANTS: Variant[] = ['ours-prometheus', 'ours-openmetrics', 'prom-client'];

/** Share of label sets observed into before a scrape: the headline case (`ms`), and every one (`allChangedMs`). */
export const HOT_SHARE = 0.1;
const WORKLOADS: readonly number[] = [HOT_SHARE, 1];

const renderOurs = (registry: Registry) => renderRegistryChunks(registry, 'prometheus');
const renderPromClient = (registry: Registry) => registry.metrics();

/** Lines and UTF-8 bytes of one rendered exposition. */
function countOutput(text: string | Buffer[]): { lines: number; bytes: number } {
  let lines = 0;
  let bytes = 0;
  for (const part of typeof text === 'string' ? [Buffer.from(text)] : text) {
    bytes += part.length;
    for (let i = part.indexOf(10); i !== -1; i = part.indexOf(10, i + 1)) lines++;
  }
  return { lines, bytes };
}

/**
 * One render: wall time and the longest event-loop delay seen meanwhile.
 * prom-client's render is synchronous code plus microtasks, so it blocks the
 * loop for the whole render; ours yields to the loop after each 256 KiB chunk.
 * The delay monitor measures the longest stretch independently of either.
 */
async function timeRender(render: () => Promise<string | Buffer[]>) {
  collect();
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  // The monitor records the gap between its ticks but drops the first one (and reset() drops
  // the next): let it tick before the render. Its max then includes ~1 ms idle gaps.
  await sleep(5);
  const t0 = performance.now();
  const text = await render();
  const ms = performance.now() - t0;
  await sleep(3); // the monitor's timer fires (late) only after the render
  eld.disable();
  const measured = countOutput(text);
  // As /metrics does once the response is written: the chunks serve the next scrape.
  if (typeof text !== 'string') releaseChunks(text);
  return { ms, blockMs: eld.max / 1e6, ...measured };
}

export interface ScrapeRow {
  /** Prometheus series (sample lines) in the exposition: labelSets × SERIES_PER_LABEL_SET. */
  readonly series: number;
  /** Label sets of the 14-bucket histogram: ceil(size / SERIES_PER_LABEL_SET). */
  readonly labelSets: number;
  /** Beyond the 100k series (the 100k-label-set, 1.7M-series size). */
  readonly stress: boolean;
  readonly renderer: Variant;
  /** Exposition lines: the series plus HELP/TYPE (and UNIT, `# EOF` in OpenMetrics). */
  readonly lines: number;
  readonly bytes: number;
  /** Render after observations into a hot tenth (HOT_SHARE) of the label sets since the last scrape. */
  readonly ms: number;
  /** Median over reps of ms / prom-client's ms in the same rep. */
  readonly ratio: number;
  /** Render after observations into every label set since the last scrape: nothing kept from it is reused. */
  readonly allChangedMs: number;
  readonly allChangedRatio: number;
  /** Longest event-loop block, over the renders of both workloads. */
  readonly blockMedianMs: number;
  readonly blockMaxMs: number;
  /** Heap retained per 1,000 series (Prometheus sense). */
  readonly heapBytesPer1k: number;
  /** The last exposition, kept to copy unchanged series from, per 1,000 series (0 for prom-client). */
  readonly keptBytesPer1k: number;
}

/**
 * Render time, size, event-loop block and heap per size, ours and
 * prom-client's, alternating reps. `sizes` are in series; each becomes
 * ceil(size / 17) label sets, and the rows report the exact series count.
 */
export async function measureScrape(sizes: readonly number[], reps: number, log: (line: string) => void = console.error): Promise<ScrapeRow[]> {
  // Build and drop one small set of each first, so lazily compiled code and
  // one-off tables are not counted as heap of the first size.
  await retained(() => buildOurs(MIN_HEAP_LABEL_SETS), renderOurs);
  await retained(() => buildPromClient(MIN_HEAP_LABEL_SETS), renderPromClient);
  const rows: ScrapeRow[] = [];
  for (const size of sizes) {
    const n = Math.ceil(size / SERIES_PER_LABEL_SET);
    const series = n * SERIES_PER_LABEL_SET;
    // Heap is read on at least MIN_HEAP_LABEL_SETS label sets: below that, GC noise outweighs the registry.
    const heapSets = Math.max(n, MIN_HEAP_LABEL_SETS);
    const oursHeap = await retained(() => buildOurs(heapSets), renderOurs);
    const promHeap = await retained(() => buildPromClient(heapSets), renderPromClient);
    const ours = heapSets === n ? oursHeap.filled : buildOurs(n);
    // A registry per format, as a service scraped by one Prometheus has one format: a changed share means changed since that registry's last scrape.
    const oursOm = buildOurs(n);
    const prom = heapSets === n ? promHeap.filled : buildPromClient(n);
    // Ours as /metrics serves it: UTF-8 chunks written to the socket one by one. prom-client's is a string (encoding it for the socket is not counted).
    const variants: Record<Variant, { filled: Filled; render: () => Promise<string | Buffer[]> }> = {
      'ours-prometheus': { filled: ours, render: () => renderRegistryChunks(ours.registry, 'prometheus') },
      'ours-openmetrics': { filled: oursOm, render: () => renderRegistryChunks(oursOm.registry, 'openmetrics') },
      'prom-client': { filled: prom, render: () => prom.registry.metrics() },
    };
    type Run = Awaited<ReturnType<typeof timeRender>>;
    const runs = new Map(WORKLOADS.map((w) => [w, new Map(VARIANTS.map((v) => [v, [] as Run[]]))]));
    for (const v of VARIANTS) await variants[v].render(); // warm-up: JIT and string tables
    let round = 0;
    for (let rep = 0; rep < reps; rep++) {
      for (const share of WORKLOADS) {
        // Alternate the order so neither storage always renders on a warmer heap.
        for (const v of rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
          variants[v].filled.touch(share, round++);
          const r = await timeRender(variants[v].render);
          runs.get(share)!.get(v)!.push(r);
          log(`${series} series (${n} label sets) rep ${rep + 1}/${reps} ${(share * 100).toFixed(0).padStart(3)}% changed ${v.padEnd(16)} ${r.ms.toFixed(1)} ms (loop blocked ${r.blockMs.toFixed(1)} ms), ${r.lines} lines`);
        }
      }
    }
    const summary = (share: number, v: Variant) => {
      const r = runs.get(share)!.get(v)!;
      const base = runs.get(share)!.get('prom-client')!;
      return { r, ms: median(r.map((x) => x.ms)), ratio: median(r.map((x, i) => x.ms / base[i]!.ms)) };
    };
    for (const v of VARIANTS) {
      const hot = summary(HOT_SHARE, v);
      const all = summary(1, v);
      const blocks = [...hot.r, ...all.r].map((x) => x.blockMs);
      rows.push({
        series,
        labelSets: n,
        stress: isStress(n),
        renderer: v,
        lines: hot.r[0]!.lines,
        bytes: hot.r[0]!.bytes,
        ms: hot.ms,
        ratio: hot.ratio,
        allChangedMs: all.ms,
        allChangedRatio: all.ratio,
        blockMedianMs: median(blocks),
        blockMaxMs: Math.max(...blocks),
        heapBytesPer1k: ((v === 'prom-client' ? promHeap.bytes : oursHeap.bytes) / (heapSets * SERIES_PER_LABEL_SET)) * 1000,
        keptBytesPer1k: ((v === 'prom-client' ? promHeap.keptBytes : oursHeap.keptBytes) / (heapSets * SERIES_PER_LABEL_SET)) * 1000,
      });
    }
  }
  return rows;
}

export function scrapeTable(rows: readonly ScrapeRow[], reps: number): string {
  return [
    `/metrics render, Node ${process.version}, ${reps} alternating reps per size and workload, medians.`,
    `A series is one sample line, as Prometheus counts them (prometheus_tsdb_head_series): each size is built from ceil(size / ${SERIES_PER_LABEL_SET}) label sets (method × route × status) of the 14-bucket http_server_request_duration_seconds histogram, ${SERIES_PER_LABEL_SET} series each (15 \`_bucket\` with +Inf, \`_sum\`, \`_count\`), and the table gives the exact count (label sets × ${SERIES_PER_LABEL_SET}). Rows marked (stress) go beyond the issue's 100k series: ${STRESS_LABEL_SETS.toLocaleString('en')} label sets, to show the worst case of blocking.`,
    `Workloads: before each render, one more observation goes into a share of the label sets, as between two scrapes. "${HOT_SHARE * 100}% changed": every ${Math.round(1 / HOT_SHARE)}th label set, the same ones each time (a service whose traffic goes to a few routes), the headline figures; "all changed": every label set, so nothing a series kept from the last scrape is reused (like the first scrape). Each of our two formats renders its own registry, as a service scraped by one Prometheus uses one format. prom-client renders everything every time, so its two workloads are the same work.`,
    gc ? 'GC forced before each render and around each heap reading.' : 'No GC control (run with --expose-gc): renders and heap readings include leftover garbage.',
    `output = UTF-8 bytes of the exposition (ours: the chunks /metrics writes; prom-client: its string, encoded after the timing); ratio = median over reps of ms / prom-client ms in the same rep and workload; ns/series = median ms / series; ` +
      `loop block = the longest event-loop delay monitorEventLoopDelay (1 ms resolution) saw during the render, i.e. the longest stretch in which no timer could run (its floor is the ≈ 1 ms tick itself), median / max over reps; ` +
      `heap = heapUsed + arrayBuffers retained by the filled registry after one render, so what series keep for later scrapes counts (after GC on both sides), per 1,000 series in the Prometheus sense (read on at least ${MIN_HEAP_LABEL_SETS.toLocaleString('en')} label sets); ` +
      `kept output = the last exposition, which ours keeps (up to 32 MiB) to copy the series that did not change from, per 1,000 series: memory outside the heap held between scrapes, where prom-client's output string is garbage after the scrape; ` +
      `not counted in either: the output chunks our writer pools for the next scrape (one exposition's worth, up to 64 MiB).`,
    '',
    `| series | label sets | renderer | output MiB | ${HOT_SHARE * 100}% changed: median ms | ratio | ns/series | all changed: median ms | ratio | loop block ms (median / max) | heap KiB/1k series | kept output KiB/1k series |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.series.toLocaleString('en')}${r.stress ? ' (stress)' : ''} | ${r.labelSets.toLocaleString('en')} | ${r.renderer} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${r.ms.toFixed(1)} | ` +
        `${r.ratio.toFixed(2)} | ${((r.ms * 1e6) / r.series).toFixed(0)} | ${r.allChangedMs.toFixed(1)} | ${r.allChangedRatio.toFixed(2)} | ` +
        `${r.blockMedianMs.toFixed(1)} / ${r.blockMaxMs.toFixed(1)} | ${(r.heapBytesPer1k / 2 ** 10).toFixed(0)} | ${(r.keptBytesPer1k / 2 ** 10).toFixed(0)} |`,
    ),
  ].join('\n');
}

if (import.meta.main) {
  // node bench/render.ts [reps=5] [series...]: a quick check can pass fewer reps or its own sizes (in series).
  const [repsArg, ...sizeArgs] = process.argv.slice(2);
  const reps = Math.max(1, Math.floor(Number(repsArg ?? 5)) || 5);
  const sizes = sizeArgs.length > 0 ? sizeArgs.map((a) => Number(a.replace(/_/g, ''))).filter((n) => n > 0) : SCRAPE_SIZES;
  console.log(scrapeTable(await measureScrape(sizes, reps), reps));
}
