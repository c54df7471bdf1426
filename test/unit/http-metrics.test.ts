// The HTTP middleware against real Express 5 apps on loopback, driven by real
// requests: methods, errors, aborted clients, streams, exclusions, labels,
// in-flight requests, body sizes and the series cap.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { renderRegistry } from '../../exporter/exposition.ts';
import { httpMetricsMiddleware, type HttpMetricsOptions, LEGACY_NAMES_REMOVED } from '../../exporter/http-metrics.ts';
import type { Logger } from '../../exporter/logger.ts';
import { parseSamples, type Sample } from '../support/samples.ts';
import { listening } from '../support/servers.ts';

// ---- helpers ---------------------------------------------------------------

/** A logger that keeps what it is given, so a test can count warnings. */
function capturingLogger(): Logger & { warnings: { fields: Record<string, unknown>; message: string }[] } {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  return { warnings, warn: (fields, message) => warnings.push({ fields, message }) };
}

/** An app with the middleware first, as users mount it; `setup` adds the routes. */
function instrumentedApp(options: Partial<HttpMetricsOptions> = {}): { app: Express; registry: Registry; logger: ReturnType<typeof capturingLogger> } {
  const registry = new Registry();
  const logger = capturingLogger();
  const app = express();
  app.use(httpMetricsMiddleware({ registry, logger, ...options }));
  return { app, registry, logger };
}

async function scrape(registry: Registry): Promise<Sample[]> {
  return parseSamples(await renderRegistry(registry, 'prometheus'));
}

/** `METHOD route status` → request count, from the duration histogram's `_count` series. */
async function counts(registry: Registry, metric = 'http_server_request_duration_seconds'): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of await scrape(registry)) {
    if (s.name !== `${metric}_count`) continue;
    const l = s.labels;
    const key = metric === 'http_server_request_duration_seconds' ? `${l.http_request_method} ${l.http_route} ${l.http_response_status_code}` : `${l.method} ${l.route} ${l.status_code}`;
    out[key] = s.value;
  }
  return out;
}

async function sampleValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number | undefined> {
  return (await scrape(registry)).find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function get(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(`${base}${path}`, init);
  return { status: res.status, body: await res.text(), headers: res.headers };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A deferred promise: resolved from inside a handler so the test knows where the server is. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

// Route templates (http_route) on Express 5 and 4: test/unit/route-template.test.ts.

// ---- methods ---------------------------------------------------------------

describe('methods', () => {
  test('records methods outside the semantic conventions (PROPFIND, PURGE) as _OTHER', async () => {
    const { app, registry } = instrumentedApp();
    app.all('/dav', (req, res) => void res.send(req.method));
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    expect(await get(base, '/dav', { method: 'PROPFIND' })).toMatchObject({ status: 200, body: 'PROPFIND' });
    expect(await get(base, '/dav', { method: 'PURGE' })).toMatchObject({ status: 200, body: 'PURGE' });
    expect(await get(base, '/dav', { method: 'DELETE' })).toMatchObject({ status: 200, body: 'DELETE' });
    expect(await get(base, '/dav', { method: 'PATCH' })).toMatchObject({ status: 200, body: 'PATCH' });

    await expect.poll(() => counts(registry)).toEqual({ '_OTHER /dav 200': 2, 'DELETE /dav 200': 1, 'PATCH /dav 200': 1 });
    const text = await renderRegistry(registry, 'prometheus');
    expect(text).not.toContain('PROPFIND');
    expect(text).not.toContain('PURGE');
  });

  test('never sees an unknown method token such as FOO: Node answers 400 before the app runs', async () => {
    const { app, registry } = instrumentedApp();
    let reached = 0;
    app.all('/dav', (_req, res) => {
      reached++;
      res.send('ok');
    });
    const { port } = await listening(app.listen(0, '127.0.0.1'));

    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.end('FOO /dav HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString()));
    await once(socket, 'close');

    expect(response.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    expect(reached).toBe(0);
    expect(await counts(registry)).toEqual({});
    expect(await sampleValue(registry, 'http_server_active_requests', { http_request_method: '_OTHER' })).toBeUndefined();
  });
});

// ---- errors, aborts, streams ----------------------------------------------

describe('errors, aborted clients and streams', () => {
  test('counts errors thrown in sync handlers and rejected async handlers as 500 with their route', async () => {
    const { app, registry } = instrumentedApp();
    const api = express.Router();
    api.get('/sync/:id', () => {
      throw new Error('sync failure');
    });
    api.get('/async/:id', async () => {
      await sleep(5);
      throw new Error('async failure');
    });
    app.use('/api', api);
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    expect((await get(base, '/api/sync/1')).status).toBe(500);
    expect((await get(base, '/api/async/2')).status).toBe(500);
    expect((await get(base, '/api/async/3')).status).toBe(500);

    await expect.poll(() => counts(registry)).toEqual({ 'GET /api/sync/:id 500': 1, 'GET /api/async/:id 500': 2 });
  });

  test('counts the status an error handler sets (503), with the route that failed', async () => {
    const { app, registry } = instrumentedApp();
    app.get('/orders/:id', async () => {
      throw Object.assign(new Error('database down'), { status: 503 });
    });
    app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).json({ error: err.message });
    });
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    expect(await get(base, '/orders/9')).toMatchObject({ status: 503, body: '{"error":"database down"}' });

    await expect.poll(() => counts(registry)).toEqual({ 'GET /orders/:id 503': 1 });
  });

  test('counts a client that aborts before the response with status 499 and its route', async () => {
    const { app, registry } = instrumentedApp();
    const started = signal();
    const handlerDone = signal();
    app.get('/slow/:id', (_req, res) => {
      started.resolve();
      setTimeout(() => {
        res.send('too late');
        handlerDone.resolve();
      }, 300);
    });
    const { port } = await listening(app.listen(0, '127.0.0.1'));

    const req = http.request({ host: '127.0.0.1', port, path: '/slow/5' });
    req.on('error', () => {});
    req.end();
    await started.promise;
    req.destroy();

    await expect.poll(() => counts(registry)).toEqual({ 'GET /slow/:id 499': 1 });
    // The handler's late send does not record a second request.
    await handlerDone.promise;
    await sleep(20);
    expect(await counts(registry)).toEqual({ 'GET /slow/:id 499': 1 });
    const sum = await sampleValue(registry, 'http_server_request_duration_seconds_sum', { http_response_status_code: '499' });
    expect(sum).toBeLessThan(0.3);
  });

  test('counts a streamed response once, with a duration covering the whole stream', async () => {
    const { app, registry } = instrumentedApp();
    let streamSeconds = 0;
    app.get('/stream', (_req, res) => {
      const start = performance.now();
      let i = 0;
      res.write(`chunk ${i}\n`);
      const timer = setInterval(() => {
        res.write(`chunk ${++i}\n`);
        if (i === 4) {
          clearInterval(timer);
          res.end();
          streamSeconds = (performance.now() - start) / 1000;
        }
      }, 50);
    });
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    const res = await get(base, '/stream');
    expect(res.body).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n');
    expect(res.headers.get('transfer-encoding')).toBe('chunked');

    await expect.poll(() => counts(registry)).toEqual({ 'GET /stream 200': 1 });
    expect(streamSeconds).toBeGreaterThanOrEqual(0.19);
    const sum = await sampleValue(registry, 'http_server_request_duration_seconds_sum', { http_route: '/stream' });
    expect(sum).toBeGreaterThanOrEqual(streamSeconds);
    expect(await sampleValue(registry, 'http_server_request_duration_seconds_bucket', { http_route: '/stream', le: '0.1' })).toBe(0);
    expect(await sampleValue(registry, 'http_server_request_duration_seconds_bucket', { http_route: '/stream', le: '0.5' })).toBe(1);
  });
});

// ---- exclusions and labels -------------------------------------------------

describe('exclusions and labels', () => {
  test('leaves /metrics out by default, before any work (not even the in-flight gauge)', async () => {
    const { app, registry } = instrumentedApp();
    app.get('/metrics', async (_req, res) => void res.type('text/plain').send(await renderRegistry(registry, 'prometheus')));
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    for (let i = 0; i < 3; i++) expect((await get(base, '/metrics')).status).toBe(200);
    expect((await get(base, '/metrics?debug=1')).status).toBe(200);
    await sleep(20);

    expect(await counts(registry)).toEqual({});
    expect((await scrape(registry)).filter((s) => s.name.startsWith('http_'))).toEqual([]);
  });

  test('leaves out routes listed in excludeRoutes by their param template, and then records /metrics', async () => {
    const { app, registry } = instrumentedApp({ excludeRoutes: ['/health/:probe'] });
    app.get('/health/:probe', (_req, res) => void res.send('ok'));
    app.get('/metrics', (_req, res) => void res.send('metrics'));
    app.get('/work', (_req, res) => void res.send('done'));
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    await get(base, '/health/live');
    await get(base, '/health/ready');
    await get(base, '/metrics');
    await get(base, '/work');

    await expect.poll(() => counts(registry)).toEqual({ 'GET /metrics 200': 1, 'GET /work 200': 1 });
    expect(await renderRegistry(registry, 'prometheus')).not.toContain('/health');
    // Excluded requests were in flight and are done: the gauge is back to zero.
    expect(await sampleValue(registry, 'http_server_active_requests', { http_request_method: 'GET' })).toBe(0);
  });

  test('adds staticLabels to every series, the in-flight gauge and body sizes included', async () => {
    const { app, registry } = instrumentedApp({ staticLabels: { service: 'checkout', deployment: 'blue' }, bodySizes: true });
    app.post('/pay/:id', express.text(), (_req, res) => void res.send('paid'));
    app.get('/ok', (_req, res) => void res.send('ok'));
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    await get(base, '/pay/3', { method: 'POST', body: 'card=1', headers: { 'content-type': 'text/plain' } });
    await get(base, '/ok');
    await get(base, '/missing');

    await expect.poll(() => counts(registry)).toEqual({ 'POST /pay/:id 200': 1, 'GET /ok 200': 1, 'GET unmatched 404': 1 });
    const http = (await scrape(registry)).filter((s) => s.name.startsWith('http_'));
    expect(new Set(http.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')))).toEqual(
      new Set(['http_server_request_duration_seconds', 'http_server_active_requests', 'http_server_request_body_size_bytes', 'http_server_response_body_size_bytes']),
    );
    for (const s of http) expect(s.labels, `${s.name} ${JSON.stringify(s.labels)}`).toMatchObject({ service: 'checkout', deployment: 'blue' });
    const duration = http.find((s) => s.name === 'http_server_request_duration_seconds_count' && s.labels.http_route === '/ok');
    expect(duration?.labels).toEqual({ http_request_method: 'GET', http_route: '/ok', http_response_status_code: '200', service: 'checkout', deployment: 'blue' });
    expect(http.filter((s) => s.name === 'http_server_active_requests')).toEqual([
      { name: 'http_server_active_requests', labels: { http_request_method: 'GET', service: 'checkout', deployment: 'blue' }, value: 0 },
      { name: 'http_server_active_requests', labels: { http_request_method: 'POST', service: 'checkout', deployment: 'blue' }, value: 0 },
    ]);
  });

  test('refuses the removed legacyNames option with the migration, instead of silently turning the alerts off', () => {
    expect(() => instrumentedApp({ legacyNames: true } as never)).toThrow(LEGACY_NAMES_REMOVED);
    expect(LEGACY_NAMES_REMOVED).toMatch(/^http\.legacyNames was removed: .*every HTTP and SLO alert off/);
  });
});

// ---- in-flight, body sizes, cap ---------------------------------------------

describe('in-flight requests, body sizes and the series cap', () => {
  test('shows 1 in flight during a slow request and 0 after it', async () => {
    const { app, registry } = instrumentedApp();
    const started = signal();
    const release = signal();
    app.get('/slow', async (_req, res) => {
      started.resolve();
      await release.promise;
      res.send('done');
    });
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    const pending = get(base, '/slow');
    await started.promise;
    expect(await sampleValue(registry, 'http_server_active_requests', { http_request_method: 'GET' })).toBe(1);
    expect(await counts(registry)).toEqual({});

    release.resolve();
    expect((await pending).status).toBe(200);
    await expect.poll(() => sampleValue(registry, 'http_server_active_requests', { http_request_method: 'GET' })).toBe(0);
    expect(await counts(registry)).toEqual({ 'GET /slow 200': 1 });
    // Only methods seen are exported.
    expect((await scrape(registry)).filter((s) => s.name === 'http_server_active_requests').map((s) => s.labels.http_request_method)).toEqual(['GET']);
  });

  test('records request Content-Length and response bytes with bodySizes, chunked responses included', async () => {
    const { app, registry } = instrumentedApp({ bodySizes: true });
    app.post('/echo', express.text(), (req, res) => void res.send(`got ${String(req.body).length}`));
    app.get('/chunked', (_req, res) => {
      res.write('a'.repeat(1000));
      res.write(Buffer.alloc(500));
      res.write('é€', 'utf8');
      res.end('xyz');
    });
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    const body = 'x'.repeat(2048);
    expect(await get(base, '/echo', { method: 'POST', body, headers: { 'content-type': 'text/plain' } })).toMatchObject({ status: 200, body: 'got 2048' });
    const chunked = await get(base, '/chunked');
    expect(chunked.headers.get('transfer-encoding')).toBe('chunked');
    expect(Buffer.byteLength(chunked.body)).toBe(1000 + 500 + 5 + 3);

    await expect.poll(() => counts(registry)).toEqual({ 'POST /echo 200': 1, 'GET /chunked 200': 1 });
    const samples = await scrape(registry);
    const pick = (name: string, route: string) => samples.find((s) => s.name === name && s.labels.http_route === route);
    expect(pick('http_server_request_body_size_bytes_sum', '/echo')).toEqual({
      name: 'http_server_request_body_size_bytes_sum',
      labels: { http_request_method: 'POST', http_route: '/echo' },
      value: 2048,
    });
    expect(pick('http_server_request_body_size_bytes_count', '/echo')?.value).toBe(1);
    expect(pick('http_server_response_body_size_bytes_sum', '/echo')).toEqual({
      name: 'http_server_response_body_size_bytes_sum',
      labels: { http_request_method: 'POST', http_route: '/echo', http_response_status_code: '200' },
      value: 'got 2048'.length,
    });
    expect(pick('http_server_response_body_size_bytes_sum', '/chunked')?.value).toBe(1508);
    expect(pick('http_server_response_body_size_bytes_count', '/chunked')?.value).toBe(1);
    // A GET without a body has no Content-Length: no request size is recorded for it.
    expect(pick('http_server_request_body_size_bytes_count', '/chunked')).toBeUndefined();
  });

  test('keeps 5 series plus one _overflow series with maxSeries 5 and warns exactly once', async () => {
    const { app, registry, logger } = instrumentedApp({ maxSeries: 5 });
    for (let i = 0; i < 9; i++) app.get(`/r${i}/:id`, (_req, res) => void res.send(String(i)));
    const { base } = await listening(app.listen(0, '127.0.0.1'));

    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 9; i++) expect((await get(base, `/r${i}/${round}`)).status).toBe(200);
    }
    for (let i = 0; i < 20; i++) await get(base, `/flood/${randomBytes(4).toString('hex')}`);

    await expect.poll(() => counts(registry)).toEqual({
      'GET /r0/:id 200': 2,
      'GET /r1/:id 200': 2,
      'GET /r2/:id 200': 2,
      'GET /r3/:id 200': 2,
      'GET /r4/:id 200': 2,
      '_overflow _overflow _overflow': 8 + 20,
    });
    expect(logger.warnings).toEqual([
      {
        fields: { metric: 'http_server_request_duration_seconds', max_series: 5, overflow_value: '_overflow' },
        message: 'metric http_server_request_duration_seconds reached its cap of 5 series; new label sets are recorded with every label set to "_overflow"',
      },
    ]);
  });
});
