// The middleware's own CPU per request, without a network in the way: a
// request through the middleware to its `close` event, against the same
// request objects with one plain `close` listener, alternated in one process.
// Usage: node bench/middleware-cost.ts [rounds=7]
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { httpMetricsMiddleware } from '../exporter/http-metrics.ts';
import { median } from './lib.ts';

const rounds = Number(process.argv[2] ?? 7);
const N = 1_000_000;
const middleware = httpMetricsMiddleware({ registry: new Registry() });
// What Express leaves on a routed request: the Route and the app's layer tree.
const route = { path: '/hello/:name' };
const app = { router: { stack: [{ route, rawPath: '/hello/:name' }] } };
class Response extends EventEmitter {
  writableFinished = true;
  statusCode = 200;
}
const next = () => {};
const request = () => ({ method: 'GET', url: '/hello/world', originalUrl: '/hello/world', route, app, headers: {} }) as unknown as IncomingMessage;

function nsPerRequest(withMiddleware: boolean): number {
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const req = request();
    const res = new Response();
    if (withMiddleware) middleware(req, res as unknown as ServerResponse, next);
    else res.on('close', next);
    res.emit('close');
  }
  return ((performance.now() - start) * 1e6) / N;
}

nsPerRequest(true); // warm up both paths before measuring
nsPerRequest(false);
const added: number[] = [];
for (let r = 0; r < rounds; r++) {
  const baseline = nsPerRequest(false);
  added.push(nsPerRequest(true) - baseline);
}
console.log(`middleware CPU per request beyond one plain 'close' listener: median ${median(added).toFixed(0)} ns over ${rounds} rounds of ${N.toLocaleString('en')} (range ${Math.min(...added).toFixed(0)}–${Math.max(...added).toFixed(0)} ns)`);
