// The benchmark suite runs end to end in its short mode: every case, size and
// flood produces a row with real measurements, and the chart is written.
// Not a timing assertion: on a shared machine the figures mean nothing here.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const RUN = fileURLToPath(new URL('../../bench/run.ts', import.meta.url));
const OVERHEAD_CASES = [
  'bare Express 5',
  'a close listener only',
  'bare + 1 µs busy-wait (calibration)',
  'bare + 5 µs busy-wait (calibration)',
  'kit metrics',
  'express-prom-bundle 8',
  'kit full, 100% sampled',
  'kit full, 10% sampled',
  'kit full, SDK pipeline, 100%',
  'kit full, SDK pipeline, 10%',
  'OTel auto-instrumentations',
  'kit full, collector down',
  'kit full, collector blackholed',
  'kit full, Logstash stalled',
];

// The same cases in turns, but the auto-instrumentations (they patch the whole process) and the
// failure rows; the full case split into its spans and its request lines follows it.
const INTERLEAVED_CASES = [
  ...OVERHEAD_CASES.slice(0, OVERHEAD_CASES.indexOf('kit full, 10% sampled')),
  'kit full, spans only (no request line), 100%',
  'kit full, request lines only (no span)',
  ...OVERHEAD_CASES.slice(OVERHEAD_CASES.indexOf('kit full, 10% sampled'), OVERHEAD_CASES.indexOf('OTel auto-instrumentations')),
];

test('npm run bench -- --smoke produces every row, the JSON, the Markdown and the chart', { timeout: 300_000 }, async () => {
  const out = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
  try {
    await promisify(execFile)(process.execPath, [RUN, '--smoke', '--out', out], { cwd: fileURLToPath(new URL('../..', import.meta.url)), maxBuffer: 1 << 24 });
    const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as {
      smoke: boolean;
      overhead: { name: string; rps: number; ratioToBare: number; cpuMicrosPerRequest: number; mainCpuMicrosPerRequest: number; telemetryCpuMicrosPerRequest: number; v8CpuMicrosPerRequest: number }[];
      scrape: {
        series: number;
        labelSets: number;
        stress: boolean;
        renderer: string;
        ms: number;
        ratio: number;
        lines: number;
        bytes: number;
        blockMedianMs: number;
        blockMaxMs: number;
        heapBytesPer1k: number;
        keptBytesPer1k: number;
      }[];
      memory: { name: string; rssAfterMiB: number }[];
      interleaved: { name: string; shareOfBare: number; shareSpread: [number, number]; processShares: number[]; requestThreadMicros: number; busy: number; telemetryMicros: number; turns: number }[];
    };
    expect(results.smoke).toBe(true);
    expect(results.overhead.map((r) => r.name)).toEqual(OVERHEAD_CASES);
    for (const r of results.overhead) {
      expect(r.rps, r.name).toBeGreaterThan(0);
      expect(r.cpuMicrosPerRequest, r.name).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratioToBare), r.name).toBe(true);
      // The process's CPU is its threads' by group: the request thread served every request, the others are read beside it.
      expect(r.mainCpuMicrosPerRequest, r.name).toBeGreaterThan(0);
      expect(r.v8CpuMicrosPerRequest, r.name).toBeGreaterThanOrEqual(0);
      expect(r.cpuMicrosPerRequest, r.name).toBeGreaterThanOrEqual(r.mainCpuMicrosPerRequest + r.telemetryCpuMicrosPerRequest + r.v8CpuMicrosPerRequest - 1e-9);
      // Only the recording pipeline runs the telemetry worker.
      if (/^kit full(?!, SDK)/.test(r.name)) expect(r.telemetryCpuMicrosPerRequest, r.name).toBeGreaterThan(0);
      else expect(r.telemetryCpuMicrosPerRequest, r.name).toBe(0);
    }
    expect(results.interleaved.map((r) => r.name)).toEqual(INTERLEAVED_CASES);
    for (const r of results.interleaved) {
      expect(r.turns, r.name).toBeGreaterThanOrEqual(3);
      expect(r.shareOfBare > 0 && Number.isFinite(r.shareOfBare), r.name).toBe(true);
      expect(r.shareSpread[0], r.name).toBeLessThanOrEqual(r.shareSpread[1]);
      // The smoke run's two processes per group, pooled: each has its own median, and the pooled one lies between them.
      expect(r.processShares, r.name).toHaveLength(2);
      expect(r.shareOfBare, r.name).toBeGreaterThanOrEqual(Math.min(...r.processShares) - 1e-9);
      expect(r.shareOfBare, r.name).toBeLessThanOrEqual(Math.max(...r.processShares) + 1e-9);
      expect(r.requestThreadMicros, r.name).toBeGreaterThan(0);
      expect(r.busy > 0 && r.busy <= 1.05, `${r.name} busy ${r.busy}`).toBe(true); // CPU over wall time; a little over 1 from timer slack
      // The recording pipeline's worker did work for the full cases, and only there.
      const recording = r.name === 'kit full, 100% sampled' || r.name === 'kit full, 10% sampled';
      if (recording) expect(r.telemetryMicros, r.name).toBeGreaterThan(0);
      else expect(r.telemetryMicros, r.name).toBe(0);
    }
    expect(results.interleaved[0]!.shareOfBare).toBe(1);
    // Sizes in Prometheus series (sample lines): 1k and 10k, rounded up to whole 17-line label sets.
    expect(results.scrape.map((r) => `${r.series} ${r.labelSets} ${r.renderer}`)).toEqual(
      [
        [1_003, 59],
        [10_013, 589],
      ].flatMap(([series, sets]) => ['ours-prometheus', 'ours-openmetrics', 'prom-client'].map((v) => `${series} ${sets} ${v}`)),
    );
    for (const r of results.scrape) {
      expect(r.series).toBe(r.labelSets * 17);
      expect(r.stress).toBe(false); // the smoke sizes are within the 100k series
      expect(r.lines).toBeGreaterThan(r.series); // every series is a line, plus HELP/TYPE headers
      expect(r.lines).toBeLessThan(r.series + 10);
      expect(r.bytes).toBeGreaterThan(r.series * 50);
      expect(r.ms).toBeGreaterThan(0);
      expect(Number.isFinite(r.ratio) && r.ratio > 0).toBe(true);
      expect(r.blockMedianMs).toBeGreaterThanOrEqual(0);
      expect(r.blockMaxMs).toBeGreaterThanOrEqual(r.blockMedianMs);
      expect(r.heapBytesPer1k).toBeGreaterThan(0); // a registry of series holds memory: a negative reading is GC noise leaking in
      // Ours keeps its last exposition to copy unchanged series from (over 50 bytes a line); prom-client keeps none.
      if (r.renderer === 'prom-client') expect(r.keptBytesPer1k).toBe(0);
      else expect(r.keptBytesPer1k).toBeGreaterThan(50 * 1000);
    }
    expect(results.memory.map((r) => r.name)).toEqual(['bare Express 5', 'kit metrics', 'kit full, 100% sampled']);
    for (const r of results.memory) expect(r.rssAfterMiB).toBeGreaterThan(10);

    const markdown = await readFile(join(out, 'results.md'), 'utf8');
    for (const name of OVERHEAD_CASES) expect(markdown).toContain(`| ${name} |`);
    expect(markdown).toContain('| series | label sets | renderer |');
    expect(markdown).toContain('| 10,013 | 589 | prom-client |');
    const svg = await readFile(join(out, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    // Every element that opens also closes (self-closing ones aside).
    const opened = (svg.match(/<(?!\/)[a-z]+[^>]*[^/]>/g) ?? []).length;
    const closed = (svg.match(/<\/[a-z]+>/g) ?? []).length;
    expect(opened).toBe(closed);
    for (const name of OVERHEAD_CASES) expect(svg).toContain(`>${name.replace(/&/g, '&amp;')}<`);
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg).toContain('>10,013 series<'); // the scrape curve's x axis is in Prometheus series
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
