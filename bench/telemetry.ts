// Cost of full instrumentation (metrics + one span per request exported over
// OTLP/HTTP + an ECS log line per request) against bare Express 5, the
// metrics middleware alone and OpenTelemetry's auto-instrumentations with
// their defaults; and the effect of a collector that is down or blackholed,
// or a Logstash that stops reading, against the healthy case. All in
// alternating runs of one process tree; the collector sink runs here, on the
// load generator's core.
// Usage: node bench/telemetry.ts [pairs=5] [seconds=3]
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { measure, median, pinSelf, startServer } from './lib.ts';

const pairs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 3);
const serverScript = fileURLToPath(new URL('./servers/hello.ts', import.meta.url));
pinSelf(1);

const listen = (server: Server | HttpServer) => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
const sockets = new Set<Socket>();
const track = (server: Server | HttpServer) => server.on('connection', (s: Socket) => (sockets.add(s), s.once('close', () => sockets.delete(s))));

// A healthy collector: reads each export and answers 200.
const sink = createHttpServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
// A blackholed one: accepts connections and never answers.
const blackhole = createServer((socket) => socket.pause());
// A Logstash that accepts and stops reading.
const stalledLogstash = createServer((socket) => socket.pause());
for (const s of [sink, blackhole, stalledLogstash]) track(s);
const sinkPort = await listen(sink);
const blackholePort = await listen(blackhole);
const stalledPort = await listen(stalledLogstash);
// A port that was free a moment ago and where nothing listens: the collector is down.
const probe = createServer();
const deadPort = await listen(probe);
await new Promise<void>((resolve) => probe.close(() => resolve()));

const otlp = (port: number) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: '2000' });
interface Case {
  readonly name: string;
  readonly variant: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly nodeArgs?: readonly string[];
}
const CASES: readonly Case[] = [
  { name: 'bare Express 5', variant: 'bare' },
  { name: 'kit metrics', variant: 'kit' },
  { name: 'kit full, 100% sampled', variant: 'kit-full', env: { ...otlp(sinkPort), OTEL_TRACES_SAMPLER_ARG: '1' } },
  { name: 'kit full, 10% sampled', variant: 'kit-full', env: { ...otlp(sinkPort), OTEL_TRACES_SAMPLER_ARG: '0.1' } },
  {
    name: 'OTel auto-instrumentations (defaults)',
    variant: 'bare',
    nodeArgs: ['--import', '@opentelemetry/auto-instrumentations-node/register'],
    env: { ...otlp(sinkPort), OTEL_SERVICE_NAME: 'bench', OTEL_TRACES_EXPORTER: 'otlp', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_LOG_LEVEL: 'none' },
  },
  { name: 'kit full, collector down', variant: 'kit-full', env: otlp(deadPort) },
  { name: 'kit full, collector blackholed', variant: 'kit-full', env: otlp(blackholePort) },
  { name: 'kit full, Logstash stalled', variant: 'kit-full', env: { ...otlp(sinkPort), LOGSTASH_HOST: '127.0.0.1', LOGSTASH_PORT: String(stalledPort) } },
];
const HEALTHY = CASES[2]!;

interface Run {
  rps: number;
  cpu: number;
  p99: number;
}
const runs = new Map<Case, Run[]>(CASES.map((c) => [c, []]));
for (let pair = 0; pair < pairs; pair++) {
  const order = pair % 2 === 0 ? CASES : [...CASES].reverse();
  for (const c of order) {
    const server = await startServer(serverScript, [c.variant], 0, c.env ?? {}, c.nodeArgs ?? []);
    const m = await measure(server, '/hello/world', seconds, 1);
    await server.stop();
    if (m.errors > 0) throw new Error(`${c.name}: ${m.errors} failed requests`);
    runs.get(c)!.push({ rps: m.requestsPerSecond, cpu: m.cpuMicrosPerRequest, p99: m.p99Ms });
    console.error(`pair ${pair + 1}/${pairs} ${c.name.padEnd(40)} ${m.requestsPerSecond.toFixed(0)} req/s  p99 ${m.p99Ms} ms  ${m.cpuMicrosPerRequest.toFixed(1)} µs CPU/req`);
  }
}
for (const s of sockets) s.destroy();
for (const s of [sink, blackhole, stalledLogstash]) s.close();

const ratioTo = (c: Case, base: Case) => median(runs.get(c)!.map((r, i) => r.rps / runs.get(base)!.at(i)!.rps));
const bare = CASES[0]!;
console.log(`\nTelemetry cost, hello route, ${pairs} alternating pairs of ${seconds}s (medians; ratios are medians of per-pair ratios)`);
console.log('| case | req/s | ratio to bare | ratio to healthy full | p99 ms | server CPU µs/req |');
console.log('|---|---|---|---|---|---|');
for (const c of CASES) {
  const r = runs.get(c)!;
  const vsHealthy = c.variant === 'kit-full' ? ratioTo(c, HEALTHY).toFixed(3) : '';
  console.log(`| ${c.name} | ${median(r.map((x) => x.rps)).toFixed(0)} | ${ratioTo(c, bare).toFixed(3)} | ${vsHealthy} | ${median(r.map((x) => x.p99)).toFixed(1)} | ${median(r.map((x) => x.cpu)).toFixed(1)} |`);
}
