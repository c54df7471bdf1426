// Request overhead: bare Express 5, a bare `close` listener (the floor for any
// middleware that sees the end of a response), bare Express plus a 1 µs and a
// 5 µs busy-wait (calibration: what a known CPU cost does to the ratio on this
// machine), the metrics middleware,
// express-prom-bundle, full instrumentation (metrics + one span per request
// exported over OTLP/HTTP + an ECS log line) at 100 % and 10 % sampling, and
// OpenTelemetry's auto-instrumentations with their defaults; then the full
// case with a collector that is down or blackholed and a Logstash that stops
// reading. Server pinned to one core, autocannon on the other, cases
// alternated within each pair; the collector stand-ins run on the load core.
// Usage: node bench/overhead.ts [pairs=8] [seconds=3]
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { measure, median, pinSelf, quartiles, startServer } from './lib.ts';

/**
 * Warm-up before each measured window. Measured here: after 1 s, V8's
 * platform threads still spent 10–13 µs per request of bare Express and
 * 20–45 µs of full instrumentation (compiling, on the server's core); after
 * 5 s, 3 and 5–8. A longer warm-up reads the steady state a service lives in.
 */
export const WARMUP_SECONDS = 5;

export interface OverheadOptions {
  readonly pairs: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
}

export interface OverheadCase {
  readonly name: string;
  /** Server variant in bench/servers/hello.ts. */
  readonly variant: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly nodeArgs?: readonly string[];
  /** Compared with the healthy full-instrumentation case as well as with bare Express. */
  readonly resilience?: boolean;
}

export interface OverheadRow {
  readonly name: string;
  readonly rps: number;
  readonly ratioToBare: number;
  /** The middle half of the per-pair ratios to bare (quartiles): how far one pair can be trusted. */
  readonly ratioToBareSpread: readonly [number, number];
  readonly ratioToHealthy: number | undefined;
  readonly p99Ms: number;
  readonly cpuMicrosPerRequest: number;
  /** The request thread's share of it. */
  readonly mainCpuMicrosPerRequest: number;
  /** The telemetry worker thread's share (recording pipeline; 0 otherwise). */
  readonly telemetryCpuMicrosPerRequest: number;
  /** V8's platform threads' share: garbage collection helpers and concurrent compilation, on the server's core. */
  readonly v8CpuMicrosPerRequest: number;
}

const serverScript = fileURLToPath(new URL('./servers/hello.ts', import.meta.url));
const listen = (server: Server | HttpServer) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));

/** Collector and Logstash stand-ins on the load generator's core: healthy, blackholed, stalled, and a dead port. */
export async function endpoints() {
  const sockets = new Set<Socket>();
  const track = (server: Server | HttpServer) => server.on('connection', (s: Socket) => (sockets.add(s), s.once('close', () => sockets.delete(s))));
  // Answers as a collector does: an empty ExportTraceServiceResponse in the request's encoding.
  const sink = createHttpServer((req, res) => {
    const protobuf = req.headers['content-type'] === 'application/x-protobuf';
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': protobuf ? 'application/x-protobuf' : 'application/json' }).end(protobuf ? '' : '{}'));
  });
  const blackhole = createServer((socket) => socket.pause());
  const stalledLogstash = createServer((socket) => socket.pause());
  for (const s of [sink, blackhole, stalledLogstash]) track(s);
  const probe = createServer();
  const ports = { sink: await listen(sink), blackhole: await listen(blackhole), stalled: await listen(stalledLogstash), dead: await listen(probe) };
  await new Promise<void>((resolve) => probe.close(() => resolve())); // nothing listens there now: the collector is down
  return {
    ports,
    close() {
      for (const s of sockets) s.destroy();
      for (const s of [sink, blackhole, stalledLogstash]) s.close();
    },
  };
}

const otlp = (port: number) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' });

export function overheadCases(ports: { sink: number; blackhole: number; stalled: number; dead: number }): OverheadCase[] {
  return [
    { name: 'bare Express 5', variant: 'bare' },
    { name: 'a close listener only', variant: 'listener-only' },
    { name: 'bare + 1 µs busy-wait (calibration)', variant: 'busy-wait', env: { BENCH_BUSY_US: '1' } },
    { name: 'bare + 5 µs busy-wait (calibration)', variant: 'busy-wait', env: { BENCH_BUSY_US: '5' } },
    { name: 'kit metrics', variant: 'kit' },
    { name: 'express-prom-bundle 8', variant: 'express-prom-bundle' },
    { name: 'kit full, 100% sampled', variant: 'kit-full', env: { ...otlp(ports.sink), OTEL_TRACES_SAMPLER_ARG: '1' } },
    { name: 'kit full, 10% sampled', variant: 'kit-full', env: { ...otlp(ports.sink), OTEL_TRACES_SAMPLER_ARG: '0.1' } },
    { name: 'kit full, SDK pipeline, 100%', variant: 'kit-full', env: { ...otlp(ports.sink), OTEL_TRACES_SAMPLER_ARG: '1', OBSERVABILITY_TRACING_PIPELINE: 'sdk' } },
    { name: 'kit full, SDK pipeline, 10%', variant: 'kit-full', env: { ...otlp(ports.sink), OTEL_TRACES_SAMPLER_ARG: '0.1', OBSERVABILITY_TRACING_PIPELINE: 'sdk' } },
    {
      name: 'OTel auto-instrumentations',
      variant: 'bare',
      nodeArgs: ['--import', '@opentelemetry/auto-instrumentations-node/register'],
      env: { ...otlp(ports.sink), OTEL_SERVICE_NAME: 'bench', OTEL_TRACES_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_LOG_LEVEL: 'none' },
    },
    { name: 'kit full, collector down', variant: 'kit-full', env: otlp(ports.dead), resilience: true },
    { name: 'kit full, collector blackholed', variant: 'kit-full', env: otlp(ports.blackhole), resilience: true },
    { name: 'kit full, Logstash stalled', variant: 'kit-full', env: { ...otlp(ports.sink), LOGSTASH_HOST: '127.0.0.1', LOGSTASH_PORT: String(ports.stalled) }, resilience: true },
  ];
}

const HEALTHY = 'kit full, 100% sampled';

/** Every case once per pair, in alternating order; medians of per-pair ratios. */
export async function measureOverhead(options: OverheadOptions, log: (line: string) => void = console.error): Promise<OverheadRow[]> {
  pinSelf(1);
  const stand = await endpoints();
  // BENCH_ONLY=<regex> measures only the matching cases (and bare Express, the baseline): for quick looks while working.
  const only = process.env.BENCH_ONLY === undefined ? undefined : new RegExp(process.env.BENCH_ONLY);
  const cases = overheadCases(stand.ports).filter((c) => only === undefined || c.name === 'bare Express 5' || c.name === HEALTHY || only.test(c.name));
  const runs = new Map<OverheadCase, { rps: number; cpu: number; main: number; telemetry: number; v8: number; p99: number }[]>(cases.map((c) => [c, []]));
  try {
    for (let pair = 0; pair < options.pairs; pair++) {
      const order = pair % 2 === 0 ? cases : [...cases].reverse();
      for (const c of order) {
        const server = await startServer(serverScript, [c.variant], 0, c.env ?? {}, c.nodeArgs ?? [], 1);
        const m = await measure(server, '/hello/world', options.seconds, options.warmupSeconds);
        await server.stop();
        if (m.errors > 0) throw new Error(`${c.name}: ${m.errors} failed requests`);
        runs.get(c)!.push({ rps: m.requestsPerSecond, cpu: m.cpuMicrosPerRequest, main: m.mainCpuMicrosPerRequest, telemetry: m.telemetryCpuMicrosPerRequest, v8: m.v8CpuMicrosPerRequest, p99: m.p99Ms });
        log(`pair ${pair + 1}/${options.pairs} ${c.name.padEnd(32)} ${m.requestsPerSecond.toFixed(0)} req/s  p99 ${m.p99Ms} ms  ${m.cpuMicrosPerRequest.toFixed(1)} µs CPU/req (main ${m.mainCpuMicrosPerRequest.toFixed(1)}, telemetry worker ${m.telemetryCpuMicrosPerRequest.toFixed(1)}, V8 ${m.v8CpuMicrosPerRequest.toFixed(1)})`);
      }
    }
  } finally {
    stand.close();
  }
  const byName = (name: string) => runs.get(cases.find((c) => c.name === name)!)!;
  const pairRatios = (r: { rps: number }[], base: { rps: number }[]) => r.map((x, i) => x.rps / base[i]!.rps);
  const ratio = (r: { rps: number }[], base: { rps: number }[]) => median(pairRatios(r, base));
  return cases.map((c) => {
    const r = runs.get(c)!;
    return {
      name: c.name,
      rps: median(r.map((x) => x.rps)),
      ratioToBare: ratio(r, byName('bare Express 5')),
      ratioToBareSpread: quartiles(pairRatios(r, byName('bare Express 5'))),
      ratioToHealthy: c.resilience || c.name === HEALTHY ? ratio(r, byName(HEALTHY)) : undefined,
      p99Ms: median(r.map((x) => x.p99)),
      cpuMicrosPerRequest: median(r.map((x) => x.cpu)),
      mainCpuMicrosPerRequest: median(r.map((x) => x.main)),
      telemetryCpuMicrosPerRequest: median(r.map((x) => x.telemetry)),
      v8CpuMicrosPerRequest: median(r.map((x) => x.v8)),
    };
  });
}

export function overheadTable(rows: readonly OverheadRow[], options: OverheadOptions): string {
  return [
    `Overhead on a hello route, ${options.pairs} alternating pairs of ${options.seconds}s, each after ${options.warmupSeconds}s of the same load (medians; ratios are medians of per-pair ratios, with the middle half of the per-pair ratios beside them; CPU from /proc schedstat, by thread)`,
    '',
    '| case | req/s | ratio to bare | pair ratios, middle half | ratio to healthy full | p99 ms | server CPU µs/req | request thread µs/req | telemetry worker µs/req | V8 platform threads µs/req |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.rps.toFixed(0)} | ${r.ratioToBare.toFixed(3)} | ${r.ratioToBareSpread.map((x) => x.toFixed(2)).join('–')} | ${r.ratioToHealthy?.toFixed(3) ?? ''} | ${r.p99Ms.toFixed(1)} | ${r.cpuMicrosPerRequest.toFixed(1)} | ${r.mainCpuMicrosPerRequest.toFixed(1)} | ${r.telemetryCpuMicrosPerRequest === 0 ? '' : r.telemetryCpuMicrosPerRequest.toFixed(1)} | ${r.v8CpuMicrosPerRequest.toFixed(1)} |`,
    ),
  ].join('\n');
}

if (import.meta.main) {
  const options = { pairs: Number(process.argv[2] ?? 8), seconds: Number(process.argv[3] ?? 3), warmupSeconds: WARMUP_SECONDS };
  console.log(overheadTable(await measureOverhead(options), options));
}
