// /metrics render time and heap of our HistogramFamily against a prom-client
// Histogram holding the same series, rendered alternately in one process.
// Sizes are in Prometheus series (one sample line each: every `_bucket{le}`,
// `_sum` and `_count`), made of as many 14-bucket label sets as it takes.
// Usage: node bench/render.ts [reps=5] [series...]   (default sizes: SCRAPE_SIZES;
// progress on stderr, table on stdout)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Histogram, Registry } from 'prom-client';
import { HTTP_METHODS, httpServerRequestDuration as spec } from '../catalog/http.ts';
import { renderRegistryChunks } from '../exporter/exposition.ts';
import { releaseChunks } from '../exporter/exposition-writer.ts';
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
const heapUsed = () => (collect(), process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers);

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

function buildOurs(n: number) {
  const registry = new Registry();
  const family = new HistogramFamily(spec, { logger, maxSeries: n * 2 }).register(registry);
  for (let i = 0; i < n; i++) {
    const series = family.labels(labelsAt(i));
    for (const v of observationsAt(i)) series.observe(v);
  }
  return registry;
}

function buildPromClient(n: number) {
  const registry = new Registry();
  const h = new Histogram({ name: spec.name, help: spec.help, labelNames: spec.labels, buckets: [...spec.buckets], registers: [registry] });
  for (let i = 0; i < n; i++) {
    const labels = labelsAt(i);
    for (const v of observationsAt(i)) h.observe(labels, v);
  }
  return registry;
}

/** Heap retained by a freshly built registry, in bytes (after GC on both sides). */
function retained(build: () => Registry): { registry: Registry; bytes: number } {
  const before = heapUsed();
  const registry = build();
  return { registry, bytes: heapUsed() - before };
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
  readonly ms: number;
  /** Median over reps of ms / prom-client's ms in the same rep. */
  readonly ratio: number;
  readonly blockMedianMs: number;
  readonly blockMaxMs: number;
  /** Heap retained per 1,000 series (Prometheus sense). */
  readonly heapBytesPer1k: number;
}

/**
 * Render time, size, event-loop block and heap per size, ours and
 * prom-client's, alternating reps. `sizes` are in series; each becomes
 * ceil(size / 17) label sets, and the rows report the exact series count.
 */
export async function measureScrape(sizes: readonly number[], reps: number, log: (line: string) => void = console.error): Promise<ScrapeRow[]> {
  // Build and drop one small set of each first, so lazily compiled code and
  // one-off tables are not counted as heap of the first size.
  retained(() => buildOurs(MIN_HEAP_LABEL_SETS));
  retained(() => buildPromClient(MIN_HEAP_LABEL_SETS));
  const rows: ScrapeRow[] = [];
  for (const size of sizes) {
    const n = Math.ceil(size / SERIES_PER_LABEL_SET);
    const series = n * SERIES_PER_LABEL_SET;
    // Heap is read on at least MIN_HEAP_LABEL_SETS label sets: below that, GC noise outweighs the registry.
    const heapSets = Math.max(n, MIN_HEAP_LABEL_SETS);
    const oursHeap = retained(() => buildOurs(heapSets));
    const promHeap = retained(() => buildPromClient(heapSets));
    const ours = { registry: heapSets === n ? oursHeap.registry : buildOurs(n) };
    const prom = { registry: heapSets === n ? promHeap.registry : buildPromClient(n) };
    // Ours as /metrics serves it: UTF-8 chunks written to the socket one by one. prom-client's is a string (encoding it for the socket is not counted).
    const render: Record<Variant, () => Promise<string | Buffer[]>> = {
      'ours-prometheus': () => renderRegistryChunks(ours.registry, 'prometheus'),
      'ours-openmetrics': () => renderRegistryChunks(ours.registry, 'openmetrics'),
      'prom-client': () => prom.registry.metrics(),
    };
    const runs = new Map(VARIANTS.map((v) => [v, [] as Awaited<ReturnType<typeof timeRender>>[]]));
    for (const v of VARIANTS) await render[v](); // warm-up: JIT and string tables
    for (let rep = 0; rep < reps; rep++) {
      // Alternate the order so neither storage always renders on a warmer heap.
      for (const v of rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse()) {
        const r = await timeRender(render[v]);
        runs.get(v)!.push(r);
        log(`${series} series (${n} label sets) rep ${rep + 1}/${reps} ${v.padEnd(16)} ${r.ms.toFixed(1)} ms (loop blocked ${r.blockMs.toFixed(1)} ms), ${r.lines} lines`);
      }
    }
    const base = runs.get('prom-client')!;
    for (const v of VARIANTS) {
      const r = runs.get(v)!;
      rows.push({
        series,
        labelSets: n,
        stress: isStress(n),
        renderer: v,
        lines: r[0]!.lines,
        bytes: r[0]!.bytes,
        ms: median(r.map((x) => x.ms)),
        ratio: median(r.map((x, i) => x.ms / base[i]!.ms)),
        blockMedianMs: median(r.map((x) => x.blockMs)),
        blockMaxMs: Math.max(...r.map((x) => x.blockMs)),
        heapBytesPer1k: ((v === 'prom-client' ? promHeap.bytes : oursHeap.bytes) / (heapSets * SERIES_PER_LABEL_SET)) * 1000,
      });
    }
  }
  return rows;
}

export function scrapeTable(rows: readonly ScrapeRow[], reps: number): string {
  return [
    `/metrics render, Node ${process.version}, ${reps} alternating reps per size, medians.`,
    `A series is one sample line, as Prometheus counts them (prometheus_tsdb_head_series): each size is built from ceil(size / ${SERIES_PER_LABEL_SET}) label sets (method × route × status) of the 14-bucket http_server_request_duration_seconds histogram, ${SERIES_PER_LABEL_SET} series each (15 \`_bucket\` with +Inf, \`_sum\`, \`_count\`), and the table gives the exact count (label sets × ${SERIES_PER_LABEL_SET}). Rows marked (stress) go beyond the issue's 100k series: ${STRESS_LABEL_SETS.toLocaleString('en')} label sets, to show the worst case of blocking.`,
    gc ? 'GC forced before each render and around each heap reading.' : 'No GC control (run with --expose-gc): renders and heap readings include leftover garbage.',
    `output = UTF-8 bytes of the exposition (ours: the chunks /metrics writes; prom-client: its string, encoded after the timing); ratio = median over reps of ms / prom-client ms in the same rep; ns/series = median ms / series; ` +
      `loop block = the longest event-loop delay monitorEventLoopDelay (1 ms resolution) saw during the render, i.e. the longest stretch in which no timer could run (its floor is the ≈ 1 ms tick itself), median / max over reps; ` +
      `heap = heapUsed + arrayBuffers retained by the filled registry (after GC on both sides), per 1,000 series in the Prometheus sense (read on at least ${MIN_HEAP_LABEL_SETS.toLocaleString('en')} label sets).`,
    '',
    '| series | label sets | renderer | output MiB | median ms | ratio | ns/series | loop block ms (median / max) | heap KiB/1k series |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.series.toLocaleString('en')}${r.stress ? ' (stress)' : ''} | ${r.labelSets.toLocaleString('en')} | ${r.renderer} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${r.ms.toFixed(1)} | ` +
        `${r.ratio.toFixed(2)} | ${((r.ms * 1e6) / r.series).toFixed(0)} | ` +
        `${r.blockMedianMs.toFixed(1)} / ${r.blockMaxMs.toFixed(1)} | ${(r.heapBytesPer1k / 2 ** 10).toFixed(0)} |`,
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
