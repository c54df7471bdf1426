// The demo service, started for real on loopback: its routes, the business
// metrics a checkout drives, the fault switch, /metrics on its own port and
// behind auth, graceful shutdown, and `node examples/demo-shop/main.ts` as a process.
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseConfig } from '../../examples/demo-shop/demo-settings.ts';
import { type RunningDemo, startDemo } from '../../examples/demo-shop/server.ts';
import { seriesLines, startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';

const MAIN = fileURLToPath(new URL('../../examples/demo-shop/main.ts', import.meta.url));
const TOKEN = 'test-token-0123456789';

function demoWith(env: Record<string, string> = {}): Promise<RunningDemo> {
  return startDemo(parseConfig({ PORT: '0', HOST: '127.0.0.1', TRAFFIC_RPS: '0', LOG_LEVEL: 'silent', ...env }));
}

async function call(url: string, init: RequestInit & { json?: unknown } = {}): Promise<{ status: number; body: any; ms: number }> {
  const started = performance.now();
  const { json, ...rest } = init;
  const res = await fetch(url, json === undefined ? rest : { ...rest, method: rest.method ?? 'POST', headers: { 'content-type': 'application/json', ...rest.headers }, body: JSON.stringify(json) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (CSV, metrics text): keep the text.
  }
  return { status: res.status, body, ms: performance.now() - started };
}

/** The value of the one series whose line starts with `name{` and contains every label given. */
function sample(exposition: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const lines = seriesLines(exposition, `${name}`).filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && wanted.every((w) => l.includes(w)));
  if (lines.length > 1) throw new Error(`${lines.length} series match ${name} ${wanted.join(',')}`);
  return lines[0] === undefined ? undefined : Number(lines[0].split(' ').at(-1));
}

describe('a demo started with startDemo', () => {
  let demo: RunningDemo;
  let metrics: () => Promise<string>;
  beforeAll(async () => {
    demo = await demoWith();
    metrics = async () => (await fetch(demo.metricsUrl)).text();
  });
  afterAll(() => demo?.close());

  test('the shop routes answer, nested routers and path parameters included', async () => {
    const u = demo.url;
    const products = await call(`${u}/api/v1/products`);
    expect(products.status).toBe(200);
    expect(products.body).toHaveLength(40);
    expect((await call(`${u}/api/v1/products?category=books`)).body.length).toBeGreaterThan(0);
    expect((await call(`${u}/api/v1/products?category=shoes`)).status).toBe(400);
    expect((await call(`${u}/api/v1/products/7`)).body).toMatchObject({ id: '7' });
    expect((await call(`${u}/api/v1/products/999`)).status).toBe(404);
    expect((await call(`${u}/api/v1/users`, { json: { email: 'ada@example.com', plan: 'pro' } })).status).toBe(201);
    expect((await call(`${u}/api/v1/users`, { json: { email: 'not-an-address' } })).status).toBe(400);
    const session = await call(`${u}/api/v1/sessions`, { json: { user_id: 'u-1' } });
    expect(session.status).toBe(201);
    expect((await call(`${u}/api/v1/sessions/${session.body.session_id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await call(`${u}/api/v1/users/u-1/orders`)).body).toEqual([]);
    expect((await call(`${u}/api/v1/users/u-1/orders/nope`)).status).toBe(404);
    expect((await call(`${u}/api/v1/status`)).body).toMatchObject({ service: 'demo-shop', pid: process.pid });
    expect((await call(`${u}/healthz`)).status).toBe(200);
    expect((await call(`${u}/readyz`)).status).toBe(200);
  });

  test('failing, slow, streamed and unknown routes behave as their names say', async () => {
    const u = demo.url;
    expect(await call(`${u}/api/v1/fail`)).toMatchObject({ status: 500, body: { error: 'Internal Server Error' } });
    expect(await call(`${u}/api/v1/fail-async`)).toMatchObject({ status: 500, body: { error: 'Internal Server Error' } });
    expect((await call(`${u}/api/v1/reports/slow`)).ms).toBeGreaterThanOrEqual(250);
    expect((await call(`${u}/no/such/page`)).status).toBe(404);
    expect((await call(`${u}/api/v2/products`)).status).toBe(404); // unknown API version

    // The export arrives in several chunks spread over time, not in one write.
    const res = await fetch(`${u}/api/v1/export`);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const arrivals: number[] = [];
    for await (const _chunk of res.body!) arrivals.push(performance.now());
    expect(arrivals.length).toBeGreaterThan(3);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(250);

    const text = await metrics();
    const count = (route: string, status: string) => sample(text, 'http_server_request_duration_seconds_count', { http_route: route, http_response_status_code: status });
    expect(count('/api/:version/fail', '500')).toBe(1);
    expect(count('/api/:version/fail-async', '500')).toBe(1);
    expect(count('/api/:version/reports/slow', '200')).toBe(1);
    expect(count('/api/:version/export', '200')).toBe(1);
    expect(count('unmatched', '404')).toBe(2);
  });

  test('route templates of nested routers reach /metrics, never raw paths', async () => {
    await call(`${demo.url}/api/v1/users/u-42/orders/abc`);
    const text = await metrics();
    expect(text).toContain('http_route="/api/:version/users/:userId/orders/:orderId"');
    expect(text).toContain('http_route="/api/:version/products/:productId"');
    expect(text).not.toContain('u-42');
  });

  test('checkouts drive orders, payments, order value, revenue, duration and cart size', async () => {
    const outcomes: Record<number, number> = {};
    let revenue = 0;
    // Payment declines and stock-outs are random: check out until one order is placed.
    for (let i = 0; i < 30 && outcomes[201] === undefined; i++) {
      const res = await call(`${demo.url}/api/v1/checkout`, {
        json: { user_id: 'u-7', payment_method: 'card', items: [{ product_id: '1', quantity: 2 }, { product_id: '3', quantity: 1 }] },
      });
      outcomes[res.status] = (outcomes[res.status] ?? 0) + 1;
      if (res.status === 201) revenue = res.body.total_euros;
    }
    expect(outcomes[201]).toBe(1);
    const invalid = await call(`${demo.url}/api/v1/checkout`, { json: { user_id: 'u-7', payment_method: 'cash', items: [] } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.problems).toHaveLength(2);
    const malformed = await call(`${demo.url}/api/v1/checkout`, { method: 'POST', body: '{"items":', headers: { 'content-type': 'application/json' } });
    expect(malformed).toMatchObject({ status: 400, body: { error: 'entity.parse.failed' } });

    const text = await metrics();
    expect(sample(text, 'shop_orders_placed_total', { payment_method: 'card' })).toBe(1);
    expect(sample(text, 'shop_orders_placed_total', { payment_method: 'paypal' })).toBe(0);
    expect(sample(text, 'shop_payments_declined_total', { payment_method: 'card' })).toBe(outcomes[402] ?? 0);
    expect(sample(text, 'shop_orders_failed_total', { reason: 'payment_declined' })).toBe(outcomes[402] ?? 0);
    expect(sample(text, 'shop_orders_failed_total', { reason: 'out_of_stock' })).toBe(outcomes[409] ?? 0);
    expect(sample(text, 'shop_orders_failed_total', { reason: 'validation' })).toBe(2);
    expect(sample(text, 'shop_revenue_euros_total')).toBeCloseTo(revenue, 6);
    expect(sample(text, 'shop_order_value_euros_sum', { payment_method: 'card' })).toBeCloseTo(revenue, 6);
    expect(sample(text, 'shop_checkout_duration_seconds_count', { payment_method: 'card' })).toBe(1);
    expect(sample(text, 'shop_cart_items_count')).toBe((outcomes[201] ?? 0) + (outcomes[402] ?? 0) + (outcomes[409] ?? 0));
    expect(sample(text, 'shop_signups_total', { plan: 'pro' })).toBe(1);
    expect(sample(text, 'shop_product_views_total', { product_id: '7' })).toBe(1);
    expect(sample(text, 'shop_queue_depth', { queue: 'fulfilment' })).toBeGreaterThanOrEqual(0);

    // The order is stored for its user.
    const orders = await call(`${demo.url}/api/v1/users/u-7/orders`);
    expect(orders.body).toHaveLength(1);
    expect((await call(`${demo.url}/api/v1/users/u-7/orders/${orders.body[0].id}`)).status).toBe(200);
    expect((await call(`${demo.url}/api/v1/users/u-8/orders/${orders.body[0].id}`)).status).toBe(404);
  });

  test('the queue worker drains the jobs checkouts and sign-ups enqueue', async () => {
    await waitFor(
      async () => {
        const text = await metrics();
        return sample(text, 'shop_queue_depth', { queue: 'email' }) === 0 && sample(text, 'shop_queue_depth', { queue: 'fulfilment' }) === 0;
      },
      5000,
      'queues never drained',
    );
    const text = await metrics();
    const processed = ['succeeded', 'failed'].map((outcome) => sample(text, 'shop_jobs_processed_total', { queue: 'email', outcome }) ?? 0);
    expect(processed[0]! + processed[1]!).toBeGreaterThanOrEqual(2); // welcome mail + order confirmation
  });
});

describe('the fault switch', () => {
  let demo: RunningDemo;
  beforeAll(async () => {
    demo = await demoWith();
  });
  afterAll(() => demo?.close());

  const put = (body: unknown, headers: Record<string, string> = {}) => call(`${demo.url}/admin/fault`, { method: 'PUT', json: body, headers });
  const errorShare = async (path: string, n: number) => {
    let errors = 0;
    for (let i = 0; i < n; i++) if ((await call(`${demo.url}${path}`)).status === 500) errors++;
    return errors / n;
  };

  test('PUT /admin/fault sets the error ratio of /api routes; DELETE clears it', async () => {
    expect((await call(`${demo.url}/admin/fault`)).body).toEqual({ error_ratio: 0, latency_ms: 0 });
    expect(await put({ error_ratio: 1 })).toMatchObject({ status: 200, body: { error_ratio: 1, latency_ms: 0 } });
    expect(await call(`${demo.url}/api/v1/products/3`)).toMatchObject({ status: 500, body: { error: 'injected_fault' } });
    expect((await call(`${demo.url}/healthz`)).status).toBe(200); // only /api is affected
    const checkout = { user_id: 'u-1', payment_method: 'card', items: [{ product_id: '1', quantity: 1 }] };
    expect((await call(`${demo.url}/api/v1/checkout`, { json: checkout })).status).toBe(500);
    expect(sample(await (await fetch(demo.metricsUrl)).text(), 'shop_orders_failed_total', { reason: 'internal' })).toBe(1); // a lost order

    await put({ error_ratio: 0.5 });
    const share = await errorShare('/api/v1/products', 200);
    expect(share).toBeGreaterThan(0.3);
    expect(share).toBeLessThan(0.7);

    expect(await call(`${demo.url}/admin/fault`, { method: 'DELETE' })).toMatchObject({ status: 200, body: { error_ratio: 0, latency_ms: 0 } });
    expect(await errorShare('/api/v1/products', 50)).toBe(0);

    // Injected failures are recorded under the route's template, not as unmatched requests.
    const text = await (await fetch(demo.metricsUrl)).text();
    expect(sample(text, 'http_server_request_duration_seconds_count', { http_route: '/api/:version/products/:productId', http_response_status_code: '500' })).toBe(1);
  });

  test('latency_ms delays /api responses', async () => {
    await put({ latency_ms: 200 });
    expect((await call(`${demo.url}/api/v1/status`)).ms).toBeGreaterThanOrEqual(195);
    await call(`${demo.url}/admin/fault`, { method: 'DELETE' });
    expect((await call(`${demo.url}/api/v1/status`)).ms).toBeLessThan(150);
  });

  test('bad bodies are rejected with 400 naming each problem, and change nothing', async () => {
    await put({ error_ratio: 0.1, latency_ms: 5 });
    const cases: [body: string, contentType: string, problem: RegExp][] = [
      ['{"error_ratio":1.5}', 'application/json', /error_ratio=1.5: must be a number from 0 to 1/],
      ['{"error_ratio":"0.5"}', 'application/json', /error_ratio="0.5": must be a number from 0 to 1/],
      ['{"latency_ms":-1}', 'application/json', /latency_ms=-1: must be an integer from 0 to 60000/],
      ['{"latency_ms":2.5}', 'application/json', /latency_ms=2.5: must be an integer/],
      ['{"errors":0.5}', 'application/json', /errors: unknown field; allowed fields are error_ratio and latency_ms/],
      ['[0.5]', 'application/json', /send a JSON object/],
      ['{"error_ratio":', 'application/json', /entity.parse.failed/],
      ['error_ratio=0.5', 'text/plain', /send a JSON object/],
    ];
    for (const [body, contentType, problem] of cases) {
      const res = await call(`${demo.url}/admin/fault`, { method: 'PUT', body, headers: { 'content-type': contentType } });
      expect(res.status, body).toBe(400);
      expect(res.body.problems?.join('\n') ?? res.body.error, body).toMatch(problem);
    }
    const both = await put({ error_ratio: 7, latency_ms: 'slow' });
    expect(both.body.problems).toHaveLength(2);
    expect((await call(`${demo.url}/admin/fault`)).body).toEqual({ error_ratio: 0.1, latency_ms: 5 });
    await call(`${demo.url}/admin/fault`, { method: 'DELETE' });
  });
});

test('with ADMIN_TOKEN set the admin endpoints require it as a bearer token', async () => {
  const demo = await demoWith({ ADMIN_TOKEN: TOKEN });
  try {
    const url = `${demo.url}/admin/fault`;
    expect((await call(url)).status).toBe(401);
    expect((await call(url, { method: 'PUT', json: { error_ratio: 1 } })).status).toBe(401);
    expect((await call(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    expect((await call(url, { method: 'PUT', json: { error_ratio: 1 }, headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(demo.faults.state.error_ratio).toBe(1);
  } finally {
    await demo.close();
  }
});

test('without ADMIN_TOKEN the admin endpoints refuse clients that are not on loopback', async () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal)?.address;
  if (external === undefined) throw new Error('this test needs a non-loopback IPv4 interface to connect from');
  const demo = await demoWith({ HOST: '0.0.0.0' });
  try {
    const port = new URL(demo.url).port;
    expect((await call(`http://${external}:${port}/admin/fault`)).status).toBe(403);
    expect((await call(`http://${external}:${port}/api/v1/status`)).status).toBe(200);
    expect((await call(`http://127.0.0.1:${port}/admin/fault`)).status).toBe(200);
  } finally {
    await demo.close();
  }
});

test('with METRICS_PORT, /metrics and the health endpoints move to that port and leave the app port', async () => {
  const demo = await demoWith({ METRICS_PORT: '0' });
  try {
    expect(new URL(demo.metricsUrl).port).not.toBe(new URL(demo.url).port);
    expect((await call(`${demo.url}/metrics`)).status).toBe(404);
    const res = await call(demo.metricsUrl);
    expect(res.status).toBe(200);
    expect(res.body).toContain('shop_orders_placed_total');
    const metricsBase = demo.metricsUrl.replace(/\/metrics$/, '');
    expect((await call(`${metricsBase}/healthz`)).status).toBe(200);
    expect((await call(`${metricsBase}/readyz`)).status).toBe(200);
    expect((await call(`${metricsBase}/api/v1/status`)).status).toBe(404);
  } finally {
    await demo.close();
  }
});

describe('/metrics auth', () => {
  test.each([
    ['bearer', { METRICS_TOKEN: TOKEN }, `Bearer ${TOKEN}`, 'Bearer nope'],
    ['basic', { METRICS_USERNAME: 'prometheus', METRICS_PASSWORD: 's3cret-pass' }, `Basic ${Buffer.from('prometheus:s3cret-pass').toString('base64')}`, `Basic ${Buffer.from('prometheus:wrong').toString('base64')}`],
  ])('%s credentials: 401 without or with wrong ones, 200 with them', async (_scheme, env, good, bad) => {
    const demo = await demoWith(env);
    try {
      expect((await call(demo.metricsUrl)).status).toBe(401);
      expect((await call(demo.metricsUrl, { headers: { authorization: bad } })).status).toBe(401);
      const ok = await call(demo.metricsUrl, { headers: { authorization: good } });
      expect(ok.status).toBe(200);
      expect(ok.body).toContain('http_server_');
      expect((await call(`${demo.url}/healthz`)).status).toBe(200); // probes need no credentials
    } finally {
      await demo.close();
    }
  });
});

describe('close()', () => {
  test('turns /readyz to 503 at once and lets in-flight requests finish before closing', async () => {
    const demo = await demoWith({ METRICS_PORT: '0' });
    const readyz = demo.metricsUrl.replace(/\/metrics$/, '/readyz');
    expect((await call(readyz)).status).toBe(200);
    const slow = call(`${demo.url}/api/v1/reports/slow`);
    await new Promise((r) => setTimeout(r, 50)); // the request is in flight
    const closed = demo.close();
    expect(await call(readyz)).toMatchObject({ status: 503, body: { status: 'not_ready', reason: 'shutting_down' } });
    expect((await slow).status).toBe(200);
    await closed;
    await expect(fetch(`${demo.url}/healthz`)).rejects.toThrow();
  });

  test('stops waiting for in-flight requests after SHUTDOWN_TIMEOUT_MS, answering them 503', async () => {
    const demo = await demoWith({ SHUTDOWN_TIMEOUT_MS: '100' });
    demo.faults.set({ error_ratio: 0, latency_ms: 5000 }); // a request that would take 5 s
    const stuck = call(`${demo.url}/api/v1/status`).then(
      (res) => res.status,
      () => 'cut off',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await demo.close();
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await stuck).toBe(503); // answered and recorded, not an empty reply (shutdown.test.ts checks its line and span)
  });
});

describe('node examples/demo-shop/main.ts', () => {
  test('prints one JSON line, serves, follows SIGUSR1/SIGUSR2, and exits 0 on SIGTERM', async () => {
    const demo = await startDemoProcess({ SERVICE_NAME: 'shop-under-test' });
    let stdout = '';
    demo.child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(demo.metricsUrl).toBe(`${demo.url}/metrics`);
    expect((await call(`${demo.url}/api/v1/products/1`)).status).toBe(200);
    expect(demo.service).toBe('shop-under-test');

    demo.child.kill('SIGUSR1');
    await waitFor(async () => (await call(`${demo.url}/admin/fault`)).body.error_ratio === 0.5, 5000, 'SIGUSR1 did not set the error ratio');
    demo.child.kill('SIGUSR2');
    await waitFor(async () => (await call(`${demo.url}/admin/fault`)).body.error_ratio === 0, 5000, 'SIGUSR2 did not clear the faults');

    expect(await demo.stop()).toBe(0);
    // After the listening line, stdout carries only ECS log lines.
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ 'log.level': expect.any(String), '@timestamp': expect.any(String), message: expect.any(String), service: { name: 'shop-under-test' } });
  });

  test('the listening line carries url, metrics_url and service', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TRAFFIC_RPS: '0', METRICS_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const line = await new Promise<string>((resolve) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
      });
    });
    const msg = JSON.parse(line) as Record<string, string>;
    expect(Object.keys(msg).sort()).toEqual(['message', 'metrics_url', 'service', 'url']);
    expect(msg).toMatchObject({ message: 'listening', service: 'demo-shop' });
    expect(msg.metrics_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await call(msg.metrics_url!)).status).toBe(200);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });

  test('a bad environment variable makes it exit 2 with the problem on stderr', async () => {
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '80a', FAULT_ERROR_RATIO: '3' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('PORT="80a": must be an integer from 0 to 65535');
    expect(stderr).toContain('FAULT_ERROR_RATIO="3": must be a number from 0 to 1');
  });
});

