// The renderer: Prometheus text 0.0.4 and OpenMetrics 1.0 from one registry,
// content negotiation on Accept, and promtool's parser and linter on our text.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Counter, Histogram, Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { demoBusinessMetrics } from '../../examples/demo-shop/business-metrics.ts';
import { counter, gauge, histogram } from '../../catalog/spec.ts';
import { createExporter } from '../../exporter/exporter.ts';
import { CONTENT_TYPES, formatValue, negotiateFormat, renderRegistry } from '../../exporter/exposition.ts';
import { CounterFamily, GaugeFamily, HistogramFamily } from '../../exporter/metric-family.ts';
import { registerProcessMetrics } from '../../exporter/system-metrics.ts';
import { checkMetrics } from '../support/promtool.ts';

const logger = { warn: () => {} };

/** A small registry with one family of each kind, escapes and an exemplar. */
function smallRegistry(): Registry {
  const registry = new Registry();
  const jobs = new CounterFamily(
    counter({ name: 'app_jobs_total', help: 'Jobs with "quotes", a back\\slash and a\nnewline.', unit: '', labels: ['queue'] }),
    { logger },
  ).register(registry);
  jobs.labels({ queue: 'a"b\\c\nd' }).inc(2);
  new CounterFamily(counter({ name: 'app_busy_seconds_total', help: 'Busy time.', unit: 'seconds', labels: [] }), { logger }).register(registry).labels().inc(1.5);
  new GaugeFamily(gauge({ name: 'app_temperature_celsius', help: 'Temperature.', unit: 'celsius', labels: [] }), { logger }).register(registry).labels().set(-3.25);
  new GaugeFamily(gauge({ name: 'app_queue_depth', help: 'Depth.', unit: '', labels: ['queue'] }), { logger }).register(registry);
  const latency = new HistogramFamily(
    histogram({ name: 'app_latency_seconds', help: 'Latency.', unit: 'seconds', labels: ['route'], buckets: [0.1, 0.5, 1] }),
    { logger },
  ).register(registry);
  const x = latency.labels({ route: '/x' });
  x.observe(0.0625);
  x.observe(0.25);
  x.observe(0.5, { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '00f067aa0ba902b7' });
  x.observe(2);
  const cart = new HistogramFamily(histogram({ name: 'app_cart_items', help: 'Items.', unit: '', labels: [], buckets: [1, 5] }), { logger }).register(registry);
  cart.labels().observe(3);
  return registry;
}

describe('rendering our families', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date(1_700_000_000_123));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test('renders the Prometheus text format: HELP and TYPE, escapes, cumulative buckets, no UNIT and no exemplars', async () => {
    expect(await renderRegistry(smallRegistry(), 'prometheus')).toBe(
      [
        '# HELP app_jobs_total Jobs with "quotes", a back\\\\slash and a\\nnewline.',
        '# TYPE app_jobs_total counter',
        'app_jobs_total{queue="a\\"b\\\\c\\nd"} 2',
        '# HELP app_busy_seconds_total Busy time.',
        '# TYPE app_busy_seconds_total counter',
        'app_busy_seconds_total 1.5',
        '# HELP app_temperature_celsius Temperature.',
        '# TYPE app_temperature_celsius gauge',
        'app_temperature_celsius -3.25',
        '# HELP app_queue_depth Depth.',
        '# TYPE app_queue_depth gauge',
        '# HELP app_latency_seconds Latency.',
        '# TYPE app_latency_seconds histogram',
        'app_latency_seconds_bucket{route="/x",le="0.1"} 1',
        'app_latency_seconds_bucket{route="/x",le="0.5"} 3',
        'app_latency_seconds_bucket{route="/x",le="1"} 3',
        'app_latency_seconds_bucket{route="/x",le="+Inf"} 4',
        'app_latency_seconds_sum{route="/x"} 2.8125',
        'app_latency_seconds_count{route="/x"} 4',
        '# HELP app_cart_items Items.',
        '# TYPE app_cart_items histogram',
        'app_cart_items_bucket{le="1"} 0',
        'app_cart_items_bucket{le="5"} 1',
        'app_cart_items_bucket{le="+Inf"} 1',
        'app_cart_items_sum 3',
        'app_cart_items_count 1',
        '',
      ].join('\n'),
    );
  });

  test('renders OpenMetrics: counter families without _total, UNIT for unit-suffixed names, escaped help, exemplars, # EOF last', async () => {
    expect(await renderRegistry(smallRegistry(), 'openmetrics')).toBe(
      [
        '# HELP app_jobs Jobs with \\"quotes\\", a back\\\\slash and a\\nnewline.',
        '# TYPE app_jobs counter',
        'app_jobs_total{queue="a\\"b\\\\c\\nd"} 2',
        '# HELP app_busy_seconds Busy time.',
        '# TYPE app_busy_seconds counter',
        '# UNIT app_busy_seconds seconds',
        'app_busy_seconds_total 1.5',
        '# HELP app_temperature_celsius Temperature.',
        '# TYPE app_temperature_celsius gauge',
        '# UNIT app_temperature_celsius celsius',
        'app_temperature_celsius -3.25',
        '# HELP app_queue_depth Depth.',
        '# TYPE app_queue_depth gauge',
        '# HELP app_latency_seconds Latency.',
        '# TYPE app_latency_seconds histogram',
        '# UNIT app_latency_seconds seconds',
        'app_latency_seconds_bucket{route="/x",le="0.1"} 1',
        'app_latency_seconds_bucket{route="/x",le="0.5"} 3 # {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"} 0.5 1700000000.123',
        'app_latency_seconds_bucket{route="/x",le="1"} 3',
        'app_latency_seconds_bucket{route="/x",le="+Inf"} 4',
        'app_latency_seconds_sum{route="/x"} 2.8125',
        'app_latency_seconds_count{route="/x"} 4',
        '# HELP app_cart_items Items.',
        '# TYPE app_cart_items histogram',
        'app_cart_items_bucket{le="1"} 0',
        'app_cart_items_bucket{le="5"} 1',
        'app_cart_items_bucket{le="+Inf"} 1',
        'app_cart_items_sum 3',
        'app_cart_items_count 1',
        '# EOF',
        '',
      ].join('\n'),
    );
  });

  test('keeps only the latest exemplar per bucket and none for buckets without one', async () => {
    const registry = new Registry();
    const h = new HistogramFamily(histogram({ name: 'app_wait_seconds', help: 'Wait.', unit: 'seconds', labels: [], buckets: [1] }), { logger }).register(registry);
    h.labels().observe(0.2, { trace_id: 'aaaa', span_id: '1111' });
    vi.setSystemTime(new Date(1_700_000_001_500));
    h.labels().observe(0.7, { trace_id: 'bbbb', span_id: '2222' });
    h.labels().observe(5);

    const om = await renderRegistry(registry, 'openmetrics');
    expect(om.split('\n').filter((l) => l.startsWith('app_wait_seconds_bucket'))).toEqual([
      'app_wait_seconds_bucket{le="1"} 2 # {trace_id="bbbb",span_id="2222"} 0.7 1700000001.500',
      'app_wait_seconds_bucket{le="+Inf"} 3',
    ]);
    expect(await renderRegistry(registry, 'prometheus')).not.toContain('trace_id');
  });

  test('renders special values as +Inf, -Inf and NaN', () => {
    expect([Infinity, -Infinity, Number.NaN, 0, 1e-7, 12345678901234].map(formatValue)).toEqual(['+Inf', '-Inf', 'NaN', '0', '1e-7', '12345678901234']);
  });

  test('ends OpenMetrics with exactly one # EOF line, also for an empty registry', async () => {
    expect(await renderRegistry(new Registry(), 'openmetrics')).toBe('# EOF\n');
    const text = await renderRegistry(smallRegistry(), 'openmetrics');
    expect(text.match(/^# EOF$/gm)).toHaveLength(1);
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(await renderRegistry(smallRegistry(), 'prometheus')).not.toContain('# EOF');
  });
});

describe("rendering prom-client's own metrics through their get()", () => {
  test('renders default metrics, counters without _total and histograms in both formats without changing the registry', async () => {
    const registry = new Registry();
    registerProcessMetrics(registry);
    const hits = new Counter({ name: 'legacy_hits', help: 'Hits counted by prom-client.', labelNames: ['path'], registers: [registry] });
    hits.inc({ path: '/a"b' }, 3);
    const sizes = new Histogram({ name: 'legacy_size_bytes', help: 'Sizes.', buckets: [10, 100], registers: [registry] });
    sizes.observe(50);

    const prom = await renderRegistry(registry, 'prometheus');
    const om = await renderRegistry(registry, 'openmetrics');

    expect(prom).toMatch(/(^|\n)# HELP process_cpu_user_seconds_total Total user CPU time spent in seconds\.\n# TYPE process_cpu_user_seconds_total counter\nprocess_cpu_user_seconds_total \d+(\.\d+)?(e-\d+)?\n/);
    expect(om).toMatch(/(^|\n)# HELP process_cpu_user_seconds Total user CPU time spent in seconds\.\n# TYPE process_cpu_user_seconds counter\nprocess_cpu_user_seconds_total \d+(\.\d+)?(e-\d+)?\n/);
    const [major, minor, patch] = process.versions.node.split('.');
    const versionLine = `nodejs_version_info{version="${process.version}",major="${major}",minor="${minor}",patch="${patch}"} 1`;
    expect(prom).toContain(`\n# TYPE nodejs_version_info gauge\n${versionLine}\n`);
    expect(om).toContain(`\n# TYPE nodejs_version_info gauge\n${versionLine}\n`);

    expect(prom).toContain('# HELP legacy_hits Hits counted by prom-client.\n# TYPE legacy_hits counter\nlegacy_hits{path="/a\\"b"} 3\n');
    expect(om).toContain('# HELP legacy_hits Hits counted by prom-client.\n# TYPE legacy_hits counter\nlegacy_hits_total{path="/a\\"b"} 3\n');
    const histogramText = [
      '# TYPE legacy_size_bytes histogram',
      'legacy_size_bytes_bucket{le="10"} 0',
      'legacy_size_bytes_bucket{le="100"} 1',
      'legacy_size_bytes_bucket{le="+Inf"} 1',
      'legacy_size_bytes_sum 50',
      'legacy_size_bytes_count 1',
    ].join('\n');
    expect(prom).toContain(histogramText);
    expect(om).toContain(histogramText);
    expect(om.endsWith('\n# EOF\n')).toBe(true);

    // Rendering OpenMetrics renamed nothing in place: prom-client's own output still has its names.
    const again = await renderRegistry(registry, 'prometheus');
    expect(again).toContain('# TYPE process_cpu_user_seconds_total counter\n');
    expect(await registry.metrics()).toContain('# TYPE process_cpu_user_seconds_total counter\n');
  });
});

describe('negotiateFormat', () => {
  test('picks OpenMetrics for the Accept header Prometheus sends', () => {
    expect(
      negotiateFormat(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toBe('openmetrics');
    expect(negotiateFormat('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics');
    expect(negotiateFormat('Application/OpenMetrics-Text;version=1.0.0')).toBe('openmetrics');
  });

  test('picks the Prometheus text format for text/plain, */*, a missing header or an empty one', () => {
    expect(negotiateFormat('text/plain;version=0.0.4')).toBe('prometheus');
    expect(negotiateFormat('text/plain')).toBe('prometheus');
    expect(negotiateFormat('*/*')).toBe('prometheus');
    expect(negotiateFormat(undefined)).toBe('prometheus');
    expect(negotiateFormat('')).toBe('prometheus');
  });

  test('does not pick OpenMetrics when the scraper refuses it with q=0', () => {
    expect(negotiateFormat('application/openmetrics-text;version=1.0.0;q=0,text/plain;q=1')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0.0')).toBe('prometheus');
    expect(negotiateFormat('application/openmetrics-text;q=0.001')).toBe('openmetrics');
  });

  test('follows the q-values when the scraper prefers the text format', () => {
    expect(negotiateFormat('application/openmetrics-text;version=1.0.0;q=0.2,text/plain;version=0.0.4;q=0.9')).toBe('prometheus');
    expect(negotiateFormat('text/plain;version=0.0.4;q=0.5,application/openmetrics-text;version=1.0.0;q=0.6')).toBe('openmetrics');
  });

  test('names the content types of both formats', () => {
    expect(CONTENT_TYPES).toEqual({
      prometheus: 'text/plain; version=0.0.4; charset=utf-8',
      openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
    });
  });
});

describe('promtool', () => {
  test('parses the full Prometheus text output and flags only prom-client\'s nodejs_active_*_total gauges', async () => {
    const exporter = createExporter({ http: { bodySizes: true }, logger });
    const business = exporter.defineMetrics(demoBusinessMetrics);
    business.ordersPlaced.inc({ payment_method: 'card' });
    business.orderValue.observe({ payment_method: 'paypal' }, 42);
    business.productViews.inc({ product_id: 'sku-"1"\\x' });
    business.activeSessions.set(3);
    const app = express();
    app.use(exporter.middleware);
    app.get('/items/:id', (_req, res) => void res.send('item'));
    app.post('/items', express.text(), (_req, res) => void res.status(201).send('created'));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await (await fetch(`${base}/items/1`)).text();
      await (await fetch(`${base}/items`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } })).text();
      await (await fetch(`${base}/nope`)).text();
      await expect.poll(async () => (await renderRegistry(exporter.registry, 'prometheus')).includes('http_response_status_code="404"')).toBe(true);
    } finally {
      server.closeAllConnections();
      server.close();
    }

    const text = await renderRegistry(exporter.registry, 'prometheus');
    expect(text).toContain('http_server_request_body_size_bytes_bucket');
    expect(text).toContain('shop_product_views_total{product_id="sku-\\"1\\"\\\\x"} 1');
    const { code, lines } = await checkMetrics(text);
    expect(lines.sort()).toEqual([
      'nodejs_active_handles_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_requests_total non-counter metrics should not have "_total" suffix',
      'nodejs_active_resources_total non-counter metrics should not have "_total" suffix',
    ]);
    expect(code).toBe(3);
  });

  test('prints nothing for the HTTP families with body sizes and a registry of our own families', async () => {
    const exporter = createExporter({ http: { bodySizes: true }, hostMetrics: false, processMetrics: false, logger });
    expect(await checkMetrics(await renderRegistry(exporter.registry, 'prometheus'))).toEqual({ code: 0, lines: [] });
    expect(await checkMetrics(await renderRegistry(smallRegistry(), 'prometheus'))).toEqual({ code: 0, lines: [] });
  });
});
