// The request thread's CPU per request with full instrumentation (metrics,
// a server span sampled at 100 % and at 10 %, the request line), by
// pipeline: `recording` (records into the shared ring; the telemetry worker
// does the rest on its own thread) against `sdk` (the OpenTelemetry SDK span
// and the line built on the request thread), each against the metrics-only
// middleware in the same process. Requests are objects run through the
// middleware to their `close` event, as in middleware-cost.ts: no network,
// no Express. Spans go to a stand-in collector in another process; lines to
// a sink that counts.
// Usage: node bench/request-path-cost.ts [rounds=5]
import { fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { median } from './lib.ts';

const N = 100_000;
const self = fileURLToPath(import.meta.url);

async function child(pipeline: 'recording' | 'sdk', rounds: number): Promise<void> {
  const { createExporter, createLogger, startTracing } = await import('../exporter/index.ts');
  let bytes = 0;
  const sink = { write: (line: string) => ((bytes += line.length), true) };
  const registry = new Registry();
  const { logger, accessLogger } = createLogger({ serviceName: 'bench', destination: sink });
  const tracing = startTracing({ serviceName: 'bench', logger, pipeline });
  const full = createExporter({ registry, logger, traces: true, logRequests: accessLogger, processMetrics: false, hostMetrics: false }).middleware;
  const metricsOnly = createExporter({ registry: new Registry(), logger, processMetrics: false, hostMetrics: false }).middleware;
  const route = { path: '/hello/:name' };
  const app = { router: { stack: [{ route, rawPath: '/hello/:name' }] } };
  class Response extends EventEmitter {
    writableFinished = true;
    statusCode = 200;
  }
  const socket = { remoteAddress: '127.0.0.1' };
  const request = () => ({ method: 'GET', url: '/hello/world', originalUrl: '/hello/world', httpVersion: '1.1', route, app, socket, headers: { host: 'localhost:3000', 'user-agent': 'autocannon/8.0.0' } }) as unknown as IncomingMessage;
  const next = () => {};
  const nsPerRequest = (middleware: typeof full) => {
    const start = performance.now();
    for (let i = 0; i < N; i++) {
      const res = new Response();
      middleware(request(), res as unknown as ServerResponse, next);
      res.emit('close');
    }
    return ((performance.now() - start) * 1e6) / N;
  };
  // Between rounds the event loop turns: the worker's lines come back and spans leave.
  const settle = async () => {
    await tracing.flush();
    await new Promise((r) => setTimeout(r, 50));
  };
  nsPerRequest(full);
  nsPerRequest(metricsOnly);
  await settle();
  const added: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const base = nsPerRequest(metricsOnly);
    const withFull = nsPerRequest(full);
    added.push(withFull - base);
    await settle();
  }
  if (bytes === 0) throw new Error('no request line was written');
  process.send?.({ pipeline, added: median(added) });
  if (process.send === undefined) console.log(pipeline, median(added).toFixed(0), 'ns');
  await tracing.shutdown();
}

if (process.argv[2] === 'child') await child(process.argv[3] as 'recording' | 'sdk', Number(process.argv[4]));
else {
  const rounds = Number(process.argv[2] ?? 5);
  const collector = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(collector.address() as { port: number }).port}`;
  // Both sampling ratios of the goals: an unsampled request still gets ids, a context and its line.
  for (const ratio of ['1', '0.1']) {
    const results: Record<string, number[]> = { recording: [], sdk: [] };
    for (let pass = 0; pass < 2; pass++) {
      for (const pipeline of pass % 2 === 0 ? ['recording', 'sdk'] : ['sdk', 'recording']) {
        const c = fork(self, ['child', pipeline, String(rounds)], { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER_ARG: ratio }, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        const m = await new Promise<{ added: number }>((resolve, reject) => {
          c.once('message', resolve);
          c.once('exit', (code) => reject(new Error(`${pipeline} exited with ${code}`)));
        });
        results[pipeline]!.push(m.added);
        c.kill();
      }
    }
    const r = median(results.recording!);
    const s = median(results.sdk!);
    console.log(`${Number(ratio) * 100}% sampled: request-thread CPU added by spans and request lines, beyond the metrics middleware: recording ${r.toFixed(0)} ns, SDK ${s.toFixed(0)} ns per request (ratio ${(r / s).toFixed(2)}; medians of ${rounds} rounds of ${N.toLocaleString('en')}, 2 processes each)`);
  }
  collector.close();
}
