// Request overhead measured in turns: the variants run in one server process
// behind one port and serve by turns of 100 ms in a fresh random order
// (servers/interleaved.ts), under the same saturating load. A variant's
// throughput share is read against bare Express in the same turn, so the
// machine's drift — which moves the separate-process rows of overhead.ts by
// ±10 % on a shared VM — hits both sides alike. Process-wide settings
// (sampling ratio, pipeline) get a process each, with bare Express and the
// metrics middleware beside them again. What turns cannot separate: GC work
// caused in one window and done in the next, and the telemetry worker's CPU,
// which is summed per process and charged to the full case's requests.
// A process reads its own way too (a share moved by ±0.05 between two
// processes of 30 s in the same minute), so each group runs in several
// processes, the groups taking turns, and a row pools their turns and
// shows each process's median beside the pooled one.
// Usage: node bench/interleaved.ts [seconds=30] [processes=3]
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median, pinSelf, startServer } from './lib.ts';
import { endpoints } from './overhead.ts';
import type { InterleavedCase, InterleavedReport } from './servers/interleaved.ts';

export interface InterleavedRow {
  readonly name: string;
  /** Median over the turns of every process of (requests per ms of the case) / (requests per ms of bare Express). */
  readonly shareOfBare: number;
  /** First and third quartiles of the per-turn shares. */
  readonly shareSpread: readonly [number, number];
  /** The median share of each process, in the order they ran. */
  readonly processShares: readonly number[];
  /** Request-thread CPU per request (all its windows), and what it adds to bare Express's in the same processes. */
  readonly requestThreadMicros: number;
  readonly addedMicros: number;
  /**
   * Request-thread CPU over wall time in the case's turns: below bare's, the
   * thread waited for requests, because the load generator (which shares its
   * core with the telemetry worker) sent fewer, not because it was busier.
   */
  readonly busy: number;
  /** Telemetry worker CPU per request of this case (full instrumentation with the recording pipeline; else 0). */
  readonly telemetryMicros: number;
  readonly turns: number;
}

export interface Group {
  readonly env: NodeJS.ProcessEnv;
  /** The cases as [row name, case, whether the table shows the row]; bare Express is always first. */
  readonly cases: readonly (readonly [string, InterleavedCase, boolean])[];
  /** The case charged with the telemetry worker's CPU (the only full case of the process). */
  readonly workerCase?: string;
}

const script = fileURLToPath(new URL('./servers/interleaved.ts', import.meta.url));
const BARE_NAME = 'bare Express 5';
const BARE = (report: boolean): readonly [string, InterleavedCase, boolean] => [BARE_NAME, { variant: 'bare' }, report];
const METRICS = (report: boolean): readonly [string, InterleavedCase, boolean] => ['kit metrics', { variant: 'kit' }, report];
const FULL: InterleavedCase = { variant: 'kit-full' };

function groups(sink: number): Group[] {
  const otlp = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sink}`, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' };
  return [
    // No full case here: nothing exports, so no OTLP settings.
    {
      env: {},
      cases: [
        BARE(true),
        ['a close listener only', { variant: 'listener-only' }, true],
        ['bare + 1 µs busy-wait (calibration)', { variant: 'busy-wait', busyMicros: 1 }, true],
        ['bare + 5 µs busy-wait (calibration)', { variant: 'busy-wait', busyMicros: 5 }, true],
        METRICS(true),
        ['express-prom-bundle 8', { variant: 'express-prom-bundle' }, true],
      ],
    },
    // Each full case in a process with the same two neighbours: the worker's CPU spills into the turns after the full
    // case's, and among six other cases that spill fell less on bare Express than among two (100% then read above 10%).
    { env: { ...otlp, OTEL_TRACES_SAMPLER_ARG: '1' }, cases: [BARE(false), METRICS(false), ['kit full, 100% sampled', FULL, true]], workerCase: 'kit full, 100% sampled' },
    // Where the full case's request-thread cost goes; one worker serves both, so neither is charged with it.
    {
      env: { ...otlp, OTEL_TRACES_SAMPLER_ARG: '1' },
      cases: [BARE(false), METRICS(false), ['kit full, spans only (no request line), 100%', { ...FULL, noLogs: true }, true], ['kit full, request lines only (no span)', { ...FULL, noTraces: true }, true]],
    },
    { env: { ...otlp, OTEL_TRACES_SAMPLER_ARG: '0.1' }, cases: [BARE(false), METRICS(false), ['kit full, 10% sampled', FULL, true]], workerCase: 'kit full, 10% sampled' },
    { env: { ...otlp, OTEL_TRACES_SAMPLER_ARG: '1', OBSERVABILITY_TRACING_PIPELINE: 'sdk' }, cases: [BARE(false), METRICS(false), ['kit full, SDK pipeline, 100%', FULL, true]] },
    { env: { ...otlp, OTEL_TRACES_SAMPLER_ARG: '0.1', OBSERVABILITY_TRACING_PIPELINE: 'sdk' }, cases: [BARE(false), METRICS(false), ['kit full, SDK pipeline, 10%', FULL, true]] },
  ];
}

/** Every group in `processes` server processes of `seconds` each, the groups taking turns (so drift spreads over all); a row per reported case. */
export async function measureInterleaved(seconds: number, warmupSeconds: number, processes: number, log: (line: string) => void = console.error): Promise<InterleavedRow[]> {
  pinSelf(1);
  const stand = await endpoints();
  try {
    const all = groups(stand.ports.sink);
    const reports = all.map((): InterleavedReport[] => []);
    for (let p = 0; p < processes; p++) {
      for (const [g, group] of all.entries()) {
        reports[g]!.push(await runProcess(group, seconds, warmupSeconds));
        for (const r of summarise(group, reports[g]!.slice(-1))) log(`${r.name.padEnd(36)} share ${r.shareOfBare.toFixed(3)} (${r.shareSpread.map((x) => x.toFixed(2)).join('–')})  request thread ${r.requestThreadMicros.toFixed(1)} µs (+${r.addedMicros.toFixed(1)}, busy ${r.busy.toFixed(2)})  worker ${r.telemetryMicros.toFixed(1)} µs  ${r.turns} turns`);
      }
    }
    return all.flatMap((group, g) => summarise(group, reports[g]!).filter((_, i) => group.cases[i]![2]));
  } finally {
    stand.close();
  }
}

/** One server process serving `group`'s cases by turns under a saturating load: its windows. */
async function runProcess(group: Group, seconds: number, warmupSeconds: number): Promise<InterleavedReport> {
  const server = await startServer(script, [JSON.stringify(group.cases.map(([, c]) => c))], 0, group.env, [], 1);
  try {
    return await new Promise<InterleavedReport>((resolve, reject) => {
      server.child.once('message', (m: InterleavedReport) => resolve(m));
      setTimeout(() => server.child.send('measure'), warmupSeconds * 1000);
      setTimeout(() => server.child.send('report'), (warmupSeconds + seconds) * 1000);
      autocannon({ url: `http://127.0.0.1:${server.port}/hello/world`, duration: warmupSeconds + seconds + 1, connections: 32 }).then((r) => {
        if (r.errors + r.non2xx > 0) reject(new Error(`interleaved run: ${r.errors + r.non2xx} failed requests`));
      }, reject);
    });
  } finally {
    await server.stop();
  }
}

/** Each whole turn of a process as [case] → requests per ms of that case's window. */
function wholeTurns(n: number, report: InterleavedReport): number[][] {
  const byTurn = new Map<number, (number | undefined)[]>();
  for (const w of report.windows) {
    let turn = byTurn.get(w.turn);
    if (turn === undefined) byTurn.set(w.turn, (turn = new Array<number | undefined>(n)));
    turn[w.c] = w.requests / w.ms;
  }
  // Spread first: every() skips the holes a turn has when the record ended before some case's window.
  const whole = [...byTurn.values()].filter((t) => [...t].every((x) => x !== undefined && x > 0)) as number[][];
  if (whole.length < 3) throw new Error(`interleaved run: only ${whole.length} whole turns; run longer`);
  return whole;
}

/** Per-turn shares of bare Express, pooled over the processes; CPU per request over all windows of a case in all of them. */
function summarise(group: Group, reports: readonly InterleavedReport[]): InterleavedRow[] {
  const n = group.cases.length;
  const turns = reports.map((r) => wholeTurns(n, r));
  const windows = reports.flatMap((r) => r.windows);
  const totals = group.cases.map((_, i) => {
    const ws = windows.filter((w) => w.c === i);
    return { cpu: ws.reduce((s, w) => s + w.cpuMicros, 0), requests: ws.reduce((s, w) => s + w.requests, 0), ms: ws.reduce((s, w) => s + w.ms, 0) };
  });
  const cpuPerRequest = totals.map((t) => t.cpu / t.requests);
  const telemetryCpu = reports.reduce((s, r) => s + r.telemetryCpuMicros, 0);
  const sharesOf = (whole: number[][], i: number) => whole.map((t) => t[i]! / t[0]!).sort((a, b) => a - b);
  return group.cases.map(([name], i) => {
    const shares = sharesOf(turns.flat(), i);
    const q = shares.length >> 2;
    return {
      name,
      shareOfBare: median(shares),
      shareSpread: [shares[q]!, shares[shares.length - 1 - q]!] as const,
      processShares: turns.map((whole) => median(sharesOf(whole, i))),
      requestThreadMicros: cpuPerRequest[i]!,
      addedMicros: cpuPerRequest[i]! - cpuPerRequest[0]!,
      busy: totals[i]!.cpu / 1000 / totals[i]!.ms,
      telemetryMicros: name === group.workerCase ? telemetryCpu / totals[i]!.requests : 0,
      turns: shares.length,
    };
  });
}

export function interleavedTable(rows: readonly InterleavedRow[], seconds: number, processes: number): string {
  return [
    `Overhead measured in turns: the cases share one server process and serve by turns of 100 ms in random order; each group of cases ran in ${processes} processes of ${seconds}s, the groups taking turns (shares are medians of the per-turn ratios to bare Express in the same turn, pooled over the processes, with their middle half and each process's median; CPU is per request over all of a case's turns; busy is the request thread's CPU over wall time in them)`,
    '',
    '| case | share of bare | per-turn shares, middle half | each process | request thread µs/req | added to bare, µs/req | request thread busy | telemetry worker µs/req |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.shareOfBare.toFixed(3)} | ${r.shareSpread.map((x) => x.toFixed(2)).join('–')} | ${r.processShares.map((x) => x.toFixed(2)).join(' ')} | ${r.requestThreadMicros.toFixed(1)} | ${r.name === BARE_NAME ? '' : r.addedMicros.toFixed(1)} | ${r.busy.toFixed(2)} | ${r.telemetryMicros === 0 ? '' : r.telemetryMicros.toFixed(1)} |`,
    ),
  ].join('\n');
}

if (import.meta.main) {
  const seconds = Number(process.argv[2] ?? 30);
  const processes = Number(process.argv[3] ?? 3);
  console.log(interleavedTable(await measureInterleaved(seconds, 2, processes), seconds, processes));
}
