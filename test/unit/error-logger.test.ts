// The error middleware an app adds last, and probe routes, against real
// Express 5 apps on loopback with the real SDK tracer: one ECS error document
// per unhandled error, with the request's trace id, a JSON answer without
// the stack, nothing printed by Express; probes neither measured nor traced.
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { createExporter } from '../../exporter/exporter.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import { errorLogger, errorStatus } from '../../exporter/logging/error-logger.ts';
import { createLogger } from '../../exporter/logging/ecs-logger.ts';
import { listening } from '../support/servers.ts';

const spans = new InMemorySpanExporter();
const contextManager = new AsyncLocalStorageContextManager();

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable());
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }));
});
afterAll(() => {
  trace.disable();
  context.disable();
});

/** The spans ended so far, once there are at least `n` (a server span ends when the response closes, just after the client has it). */
async function finishedSpans(n: number) {
  await vi.waitFor(() => expect(spans.getFinishedSpans().length).toBeGreaterThanOrEqual(n), { timeout: 5000 });
  return spans.getFinishedSpans();
}

/** An ECS logger whose lines are kept. */
function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  const ecs = createLogger({ serviceName: 'checkout', destination });
  return { ...ecs, records: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

/** The app as the README builds it: exporter middleware first, routes, error middleware last. */
async function shopApp(http: Parameters<typeof createExporter>[0] = {}) {
  const registry = new Registry();
  const log = capturedLogger();
  const exporter = createExporter({ registry, hostMetrics: false, processMetrics: false, traces: true, ...http });
  const app = express();
  app.use(exporter.middleware);
  app.get('/healthz', exporter.health.liveness);
  app.get('/readyz', exporter.health.readiness);
  app.get('/livez', exporter.health.liveness);
  const orders = express.Router();
  orders.get('/:id', () => {
    throw new TypeError('order store unreachable');
  });
  orders.get('/:id/async', async () => {
    await new Promise((r) => setTimeout(r, 2));
    throw new Error('rejected later');
  });
  orders.post('/', express.json(), (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/orders', orders);
  // A sub-app inside a router: its routes are reachable only from the app the metrics middleware saw.
  const admin = express();
  admin.get('/users/:uid', () => {
    throw new Error('admin store down');
  });
  const versioned = express.Router();
  versioned.use('/admin', admin);
  app.use('/api/:v', versioned);
  app.use(errorLogger({ logger: log.logger }));
  const server = app.listen(0, '127.0.0.1');
  const { base } = await listening(server);
  return { base, registry, log, close: () => new Promise((r) => server.close(r)) };
}

describe('errorLogger', () => {
  test('writes one ECS error document with the request span ids and answers 500 as JSON without the stack', async () => {
    const stderr = vi.spyOn(process.stderr, 'write');
    const shop = await shopApp();
    try {
      spans.reset();
      const res = await fetch(`${shop.base}/orders/42?token=secret`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = await res.text();
      expect(JSON.parse(body)).toEqual({ error: 'Internal Server Error' });
      expect(body).not.toContain('order store unreachable');
      await shop.log.close();
      const errors = shop.log.records().filter((r) => r['log.level'] === 'error');
      expect(errors).toHaveLength(1);
      const [server] = await finishedSpans(1);
      expect(errors[0]).toMatchObject({
        error: { type: 'TypeError', message: 'order store unreachable', stack_trace: expect.stringContaining('TypeError: order store unreachable\n    at ') },
        http: { request: { method: 'GET' }, response: { status_code: 500 }, route: '/orders/:id' },
        url: { path: '/orders/42' },
        trace: { id: server!.spanContext().traceId },
        span: { id: server!.spanContext().spanId },
        service: { name: 'checkout' },
      });
      // Express's own handler would have printed the stack as plain text.
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).not.toContain('order store unreachable');
    } finally {
      stderr.mockRestore();
      await shop.close();
    }
  });

  test('logs an async rejection the same way', async () => {
    const shop = await shopApp();
    try {
      expect((await fetch(`${shop.base}/orders/7/async`)).status).toBe(500);
      await shop.log.close();
      const [doc] = shop.log.records();
      expect(doc).toMatchObject({ 'log.level': 'error', error: { type: 'Error', message: 'rejected later' }, http: { route: '/orders/:id/async' } });
      expect(doc!.trace.id).toMatch(/^[0-9a-f]{32}$/);
    } finally {
      await shop.close();
    }
  });

  test("names a sub-app's route inside a router with the router's base path, as the metrics do", async () => {
    const shop = await shopApp();
    try {
      expect((await fetch(`${shop.base}/api/2/admin/users/7`)).status).toBe(500);
      await shop.log.close();
      expect(shop.log.records()).toMatchObject([{ error: { message: 'admin store down' }, http: { route: '/api/:v/admin/users/:uid' } }]);
    } finally {
      await shop.close();
    }
  });

  test("keeps a client error's status and exposed message, logged as a warning", async () => {
    const shop = await shopApp();
    try {
      const res = await fetch(`${shop.base}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"broken' });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'Bad Request', message: expect.stringContaining('JSON') });
      await shop.log.close();
      expect(shop.log.records()).toMatchObject([{ 'log.level': 'warn', error: { type: 'SyntaxError' }, http: { response: { status_code: 400 } } }]);
    } finally {
      await shop.close();
    }
  });

  test('takes status or statusCode when it is an HTTP error status, else 500', () => {
    expect([errorStatus({ status: 404 }), errorStatus({ statusCode: 503 }), errorStatus({ status: 200 }), errorStatus({ status: '400' }), errorStatus(null), errorStatus(new Error('x'))]).toEqual([404, 503, 500, 500, 500, 500]);
  });
});

describe('probe routes', () => {
  const probes = ['/healthz', '/readyz', '/livez'];

  test('are neither measured nor traced by default', async () => {
    const shop = await shopApp();
    try {
      spans.reset();
      for (const probe of probes) expect((await fetch(`${shop.base}${probe}`)).status).toBe(200);
      await fetch(`${shop.base}/orders/1`);
      const text = await renderRegistry(shop.registry, 'prometheus');
      expect(text).toContain('http_route="/orders/:id"');
      for (const probe of probes) expect(text).not.toContain(`http_route="${probe}"`);
      expect((await finishedSpans(1)).map((s) => s.name)).toEqual(['GET /orders/:id']);
    } finally {
      await shop.close();
    }
  });

  test('are recorded like any route with probeRoutes: []', async () => {
    const shop = await shopApp({ http: { probeRoutes: [] } });
    try {
      spans.reset();
      await fetch(`${shop.base}/healthz`);
      expect(await renderRegistry(shop.registry, 'prometheus')).toContain('http_route="/healthz"');
      expect((await finishedSpans(1)).map((s) => s.name)).toEqual(['GET /healthz']);
    } finally {
      await shop.close();
    }
  });
});
