// /metrics render time and heap of our HistogramFamily against a prom-client
// Histogram holding the same series, rendered alternately in one process.
// Usage: node bench/render.ts [reps=5]   (progress on stderr, table on stdout)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Histogram, Registry } from 'prom-client';
import { HTTP_METHODS, httpServerRequestDuration as spec } from '../exporter/catalog/http.ts';
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

export type Variant = 'ours-prometheus' | 'ours-openmetrics' | 'prom-client';
const VARIANTS: Variant[] = ['ours-prometheus', 'ours-openmetrics', 'prom-client'];

/**
 * One render: wall time and the longest event-loop delay seen meanwhile.
 * Both renders are synchronous code plus microtasks, so the loop is blocked
 * for the whole render; the delay monitor confirms it independently.
 */
function countOutput(text: string | Buffer[]): { lines: number; bytes: number } {
  let lines = 0;
  let bytes = 0;
  for (const part of typeof text === 'string' ? [Buffer.from(text)] : text) {
    bytes += part.length;
    for (let i = part.indexOf(10); i !== -1; i = part.indexOf(10, i + 1)) lines++;
  }
  return { lines, bytes };
}

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
  readonly series: number;
  readonly renderer: Variant;
  readonly lines: number;
  readonly bytes: number;
  readonly ms: number;
  /** Median over reps of ms / prom-client's ms in the same rep. */
  readonly ratio: number;
  readonly blockMedianMs: number;
  readonly blockMaxMs: number;
  readonly heapBytesPer1k: number;
}

/** Render time, size, event-loop block and heap per size, ours and prom-client's, alternating reps. */
export async function measureScrape(sizes: readonly number[], reps: number, log: (line: string) => void = console.error): Promise<ScrapeRow[]> {
  // Build and drop one small set of each first, so lazily compiled code and
  // one-off tables are not counted as heap of the first size.
  buildOurs(1_000);
  buildPromClient(1_000);
  const rows: ScrapeRow[] = [];
  for (const n of sizes) {
    const ours = retained(() => buildOurs(n));
    const prom = retained(() => buildPromClient(n));
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
        log(`${n} series rep ${rep + 1}/${reps} ${v.padEnd(16)} ${r.ms.toFixed(1)} ms (loop blocked ${r.blockMs.toFixed(1)} ms), ${r.lines} lines`);
      }
    }
    const base = runs.get('prom-client')!;
    for (const v of VARIANTS) {
      const r = runs.get(v)!;
      rows.push({
        series: n,
        renderer: v,
        lines: r[0]!.lines,
        bytes: r[0]!.bytes,
        ms: median(r.map((x) => x.ms)),
        ratio: median(r.map((x, i) => x.ms / base[i]!.ms)),
        blockMedianMs: median(r.map((x) => x.blockMs)),
        blockMaxMs: Math.max(...r.map((x) => x.blockMs)),
        heapBytesPer1k: ((v === 'prom-client' ? prom.bytes : ours.bytes) / n) * 1000,
      });
    }
  }
  return rows;
}

export function scrapeTable(rows: readonly ScrapeRow[], reps: number): string {
  return [
    `/metrics render, Node ${process.version}, ${reps} alternating reps per size, medians.`,
    'A series = one label set (method × route × status) of the 14-bucket http_server_request_duration_seconds histogram: 17 exposition lines (15 `_bucket`, `_sum`, `_count`); lines include HELP/TYPE/UNIT/EOF.',
    gc ? 'GC forced before each render and around each heap reading.' : 'No GC control (run with --expose-gc): renders and heap readings include leftover garbage.',
    'ratio = median over reps of ms / prom-client ms in the same rep; block = event-loop delay seen by monitorEventLoopDelay during the render, median / max over reps; heap = heapUsed + arrayBuffers retained by the filled registry.',
    '',
    '| series | renderer | lines | output MiB | median ms | ratio | µs/series | ns/line | loop block ms (median / max) | heap MiB/1k series |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.series.toLocaleString('en')} | ${r.renderer} | ${r.lines.toLocaleString('en')} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${r.ms.toFixed(1)} | ` +
        `${r.ratio.toFixed(2)} | ${((r.ms * 1000) / r.series).toFixed(2)} | ${((r.ms * 1e6) / r.lines).toFixed(0)} | ` +
        `${r.blockMedianMs.toFixed(1)} / ${r.blockMaxMs.toFixed(1)} | ${(r.heapBytesPer1k / 2 ** 20).toFixed(2)} |`,
    ),
  ].join('\n');
}

if (import.meta.main) {
  const reps = Math.max(5, Number(process.argv[2] ?? 5));
  console.log(scrapeTable(await measureScrape([1_000, 10_000, 100_000], reps), reps));
}
