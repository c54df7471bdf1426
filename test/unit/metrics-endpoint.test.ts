// /metrics over real HTTP: content negotiation, bearer and basic auth, HEAD,
// and listenMetrics serving metrics and health on a port of its own.
import { connect } from 'node:net';
import express from 'express';
import { Gauge, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { counter } from '../../catalog/spec.ts';
import { createExporter, type ExporterOptions } from '../../exporter/exporter.ts';
import { metricsHandler } from '../../exporter/metrics-endpoint.ts';
import { listening } from '../support/servers.ts';

const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const TEXT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
const OPENMETRICS_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** An Express app with the exporter's middleware and /metrics, plus one business counter at 3. */
async function appWithMetrics(options: ExporterOptions = {}) {
  const exporter = createExporter({ hostMetrics: false, processMetrics: false, logger: { warn: () => {} }, ...options });
  const { jobs } = exporter.defineMetrics({ jobs: counter({ name: 'shop_jobs_total', help: 'Jobs done.', unit: '', labels: [] }) });
  jobs.inc(3);
  const app = express();
  app.use(exporter.middleware);
  app.get('/metrics', exporter.metricsHandler);
  const { base } = await listening(app.listen(0, '127.0.0.1'));
  return { exporter, base };
}

async function request(url: string, init?: RequestInit) {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('content negotiation', () => {
  test('serves OpenMetrics with its content type to the Accept header Prometheus sends', async () => {
    const { base } = await appWithMetrics();
    const res = await request(`${base}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(OPENMETRICS_TYPE);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toContain('# HELP shop_jobs Jobs done.\n# TYPE shop_jobs counter\nshop_jobs_total 3\n');
    expect(res.body.endsWith('\n# EOF\n')).toBe(true);
  });

  test('serves the Prometheus text format for text/plain and without an Accept header', async () => {
    const { base } = await appWithMetrics();
    for (const headers of [{ accept: 'text/plain;version=0.0.4' }, {}]) {
      const res = await request(`${base}/metrics`, { headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(TEXT_TYPE);
      expect(res.body).toContain('# HELP shop_jobs_total Jobs done.\n# TYPE shop_jobs_total counter\nshop_jobs_total 3\n');
      expect(res.body).not.toContain('# EOF');
    }
  });

  test('answers HEAD with the headers of a scrape and no body', async () => {
    const { base } = await appWithMetrics();
    const res = await request(`${base}/metrics`, { method: 'HEAD', headers: { accept: PROMETHEUS_ACCEPT } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(OPENMETRICS_TYPE);
    expect(res.body).toBe('');
  });

  test('answers 500 with a JSON error when collecting fails', async () => {
    const handler = metricsHandler({
      registry: new Registry(),
      render: async () => {
        throw new Error('collector exploded');
      },
    });
    const app = express();
    app.get('/metrics', handler);
    const { base } = await listening(app.listen(0, '127.0.0.1'));
    const res = await request(`${base}/metrics`);
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(JSON.parse(res.body)).toEqual({ error: 'collect_failed', message: 'collector exploded' });
  });
});

describe('consecutive scrapes', () => {
  test('show what changed between them, in both formats, and the series added since', async () => {
    const { exporter, base } = await appWithMetrics();
    const shop = express();
    shop.use(exporter.middleware);
    shop.get('/items/:id', (_req, res) => void res.send('item'));
    const app = await listening(shop.listen(0, '127.0.0.1'));
    const count = (body: string, route: string) => body.split('\n').find((l) => l.startsWith(`http_server_request_duration_seconds_count{`) && l.includes(`http_route="${route}"`));
    const sum = (body: string, route: string) => Number(body.split('\n').find((l) => l.startsWith(`http_server_request_duration_seconds_sum{`) && l.includes(`http_route="${route}"`))?.split(' ').at(-1));
    const scrape = async () => Promise.all([{ accept: PROMETHEUS_ACCEPT }, {}].map(async (headers) => (await request(`${base}/metrics`, { headers })).body));

    await (await fetch(`${app.base}/items/1`)).text();
    await expect.poll(async () => count((await scrape())[0]!, '/items/:id')).toMatch(/ 1$/);
    const first = await scrape();
    await (await fetch(`${app.base}/items/2`)).text();
    await (await fetch(`${app.base}/nope`)).text();
    await expect.poll(async () => count((await scrape())[1]!, '/items/:id')).toMatch(/ 2$/);
    const second = await scrape();
    for (const [i, body] of second.entries()) {
      expect(count(body, '/items/:id'), `format ${i}`).toMatch(/ 2$/);
      expect(sum(body, '/items/:id')).toBeGreaterThan(sum(first[i]!, '/items/:id'));
      expect(count(first[i]!, 'unmatched'), 'a series added since the first scrape').toBeUndefined();
      expect(count(body, 'unmatched')).toMatch(/ 1$/);
    }
  });
});

describe('auth', () => {
  const bearerChallenge = { error: 'unauthorized', message: 'send an Authorization: Bearer header with the metrics credentials' };

  test('answers 401 with a Bearer challenge without a token or with a wrong one, and 200 with the right one', async () => {
    const { base } = await appWithMetrics({ metricsAuth: { bearerToken: 's3cret-token' } });

    for (const authorization of [undefined, 'Bearer wrong', 'Bearer s3cret-token-and-more', 'Bearer s3cret-toke', 'bearer S3CRET-TOKEN', 's3cret-token', `Basic ${Buffer.from('x:s3cret-token').toString('base64')}`]) {
      const res = await request(`${base}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual(bearerChallenge);
      expect(res.body).not.toContain('shop_jobs');
    }

    const ok = await request(`${base}/metrics`, { headers: { authorization: 'Bearer s3cret-token' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe(TEXT_TYPE);
    expect(ok.body).toContain('shop_jobs_total 3\n');
  });

  test('takes the scheme in any case (RFC 7235), never the credentials', async () => {
    const bearer = await appWithMetrics({ metricsAuth: { bearerToken: 's3cret-token' } });
    for (const authorization of ['bearer s3cret-token', 'BEARER s3cret-token', 'Bearer  s3cret-token']) {
      expect((await request(`${bearer.base}/metrics`, { headers: { authorization } })).status, authorization).toBe(200);
    }
    const basic = await appWithMetrics({ metricsAuth: { username: 'prometheus', password: 'p@ss:word' } });
    const credentials = Buffer.from('prometheus:p@ss:word').toString('base64');
    expect((await request(`${basic.base}/metrics`, { headers: { authorization: `basic ${credentials}` } })).status).toBe(200);
    expect((await request(`${basic.base}/metrics`, { headers: { authorization: `basic ${credentials.toLowerCase()}` } })).status).toBe(401);
  });

  test('refuses HEAD without credentials too', async () => {
    const { base } = await appWithMetrics({ metricsAuth: { bearerToken: 's3cret-token' } });
    const res = await request(`${base}/metrics`, { method: 'HEAD' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
  });

  test('accepts basic auth with the right user and password only', async () => {
    const { base } = await appWithMetrics({ metricsAuth: { username: 'prometheus', password: 'p@ss:word' } });
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

    for (const authorization of [undefined, basic('prometheus', 'wrong'), basic('other', 'p@ss:word'), 'Bearer p@ss:word']) {
      const res = await request(`${base}/metrics`, { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status, String(authorization)).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="metrics"');
      expect(JSON.parse(res.body)).toEqual({ error: 'unauthorized', message: 'send an Authorization: Basic header with the metrics credentials' });
    }

    const ok = await request(`${base}/metrics`, { headers: { authorization: basic('prometheus', 'p@ss:word'), accept: PROMETHEUS_ACCEPT } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe(OPENMETRICS_TYPE);
    expect(ok.body).toContain('shop_jobs_total 3\n');
  });
});

describe('listenMetrics', () => {
  test('serves /metrics, /healthz and /readyz on a separate port and 404 JSON for anything else', async () => {
    const { exporter } = await appWithMetrics();
    const { base } = await listening(await exporter.listenMetrics(0, '127.0.0.1'));

    const metrics = await request(`${base}/metrics?format=ignored`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(TEXT_TYPE);
    expect(metrics.body).toContain('shop_jobs_total 3\n');
    const om = await request(`${base}/metrics`, { headers: { accept: PROMETHEUS_ACCEPT } });
    expect(om.headers.get('content-type')).toBe(OPENMETRICS_TYPE);

    const healthz = await request(`${base}/healthz`);
    expect(healthz.status).toBe(200);
    expect(healthz.headers.get('content-type')).toBe('application/json');
    const live = JSON.parse(healthz.body) as { status: string; uptime_seconds: number };
    expect(Object.keys(live)).toEqual(['status', 'uptime_seconds']);
    expect(live.status).toBe('ok');
    expect(live.uptime_seconds).toBe(Math.round(live.uptime_seconds));
    expect(Math.abs(live.uptime_seconds - process.uptime())).toBeLessThan(2);

    const readyz = await request(`${base}/readyz`);
    expect(readyz.status).toBe(200);
    expect(JSON.parse(readyz.body)).toEqual({ status: 'ready', reason: 'ready' });

    exporter.health.setReady(false, 'draining');
    const draining = await request(`${base}/readyz`);
    expect(draining.status).toBe(503);
    expect(JSON.parse(draining.body)).toEqual({ status: 'not_ready', reason: 'draining' });

    for (const path of ['/', '/metrics/extra', '/health', '/api/users']) {
      const res = await request(`${base}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(JSON.parse(res.body)).toEqual({ error: 'not_found', message: 'this port serves /metrics, /healthz and /readyz' });
    }
  });

  test('serves GET and HEAD only (405 with Allow otherwise), and a trailing slash as on the app port', async () => {
    const { exporter, base: appBase } = await appWithMetrics();
    const { base } = await listening(await exporter.listenMetrics(0, '127.0.0.1'));
    for (const method of ['POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS']) {
      for (const path of ['/metrics', '/metrics/', '/healthz', '/readyz']) {
        const res = await request(`${base}${path}`, { method });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow')).toBe('GET, HEAD');
      }
    }
    for (const b of [base, appBase]) {
      const slash = await request(`${b}/metrics/`);
      expect(slash.status, b).toBe(200);
      expect(slash.body).toContain('shop_jobs_total 3\n');
      expect((await request(`${b}/metrics/`, { method: 'HEAD' })).status).toBe(200);
    }
  });

  test('requires the metrics credentials on the separate port too, but not for health checks', async () => {
    const { exporter } = await appWithMetrics({ metricsAuth: { bearerToken: 'tok' } });
    const { base } = await listening(await exporter.listenMetrics(0, '127.0.0.1'));

    expect((await request(`${base}/metrics`)).status).toBe(401);
    expect((await request(`${base}/metrics`, { headers: { authorization: 'Bearer tok' } })).status).toBe(200);
    expect((await request(`${base}/healthz`)).status).toBe(200);
    expect((await request(`${base}/readyz`)).status).toBe(200);
  });

  test('does not record scrapes of the separate port as HTTP traffic', async () => {
    const { exporter } = await appWithMetrics();
    const { base } = await listening(await exporter.listenMetrics(0, '127.0.0.1'));
    for (let i = 0; i < 3; i++) await request(`${base}/metrics`);
    const text = (await request(`${base}/metrics`)).body;
    expect(text.split('\n').filter((l) => l.startsWith('http_server_request_duration_seconds_count'))).toEqual([]);
  });

  test('rejects with the listen error when the port is taken', async () => {
    const { exporter } = await appWithMetrics();
    const { port } = await listening(await exporter.listenMetrics(0, '127.0.0.1'));
    await expect(exporter.listenMetrics(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('a large exposition', () => {
  /** One GET /metrics on a raw socket that reads nothing for `stallMs`: the server's writes back up. */
  function slowScrape(base: string, stallMs: number): Promise<string> {
    const { port } = new URL(base);
    return new Promise((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
      const parts: Buffer[] = [];
      socket.pause();
      setTimeout(() => socket.resume(), stallMs);
      socket.on('data', (d: Buffer) => parts.push(d));
      socket.on('end', () => resolve(Buffer.concat(parts).toString('utf8').split('\r\n\r\n').slice(1).join('\r\n\r\n')));
      socket.on('error', reject);
    });
  }

  test('is sent in chunks with a content-length; scrapes during a slow client\'s download (reusing chunk buffers) each get a complete body of their own', async () => {
    const { exporter, base } = await appWithMetrics();
    // Every scrape writes its own number into each series: a body holding two numbers was overwritten by another scrape.
    const SERIES = 40_000;
    let scrapes = 0;
    new Gauge({
      name: 'shop_scrape_marker',
      help: 'The number of the scrape, in every series.',
      labelNames: ['slot'],
      registers: [exporter.registry],
      collect() {
        scrapes++;
        for (let i = 0; i < SERIES; i++) this.set({ slot: `slot-${i}-${'x'.repeat(80)}` }, scrapes);
      },
    });
    const slow = slowScrape(base, 1500);
    await new Promise((r) => setTimeout(r, 300)); // its body is rendered and queued behind the stalled socket
    const fast = [await request(`${base}/metrics`), await request(`${base}/metrics`), await request(`${base}/metrics`)];
    for (const b of fast) {
      expect(b.status).toBe(200);
      expect(Number(b.headers.get('content-length'))).toBe(Buffer.byteLength(b.body));
    }
    const bodies = [await slow, ...fast.map((b) => b.body)];
    const seen = new Set<string>();
    for (const body of bodies) {
      expect(body.length).toBeGreaterThan(4 << 20); // many 256 KiB chunks, more than the socket buffers hold
      const markers = body.split('\n').filter((l) => l.startsWith('shop_scrape_marker{'));
      expect(markers).toHaveLength(SERIES);
      const values = new Set(markers.map((l) => l.split(' ').at(-1)));
      expect([...values]).toHaveLength(1);
      seen.add([...values][0]!);
    }
    expect(seen.size).toBe(4);
  });
});
