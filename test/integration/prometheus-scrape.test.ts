// A real Prometheus 3 scrapes the real demo service: the target is up and
// every metric of the catalog is stored; promtool's lint passes on our text.
import { demoBusinessMetrics } from '../../examples/demo-shop/business-metrics.ts';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { catalog } from '../../catalog/index.ts';
import type { MetricSpec } from '../../catalog/spec.ts';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';
import { lintMetrics } from '../support/promtool.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';

/** The series name Prometheus stores for a spec (histograms: their `_bucket` series). */
const storedName = (spec: MetricSpec) => (spec.type === 'histogram' ? `${spec.name}_bucket` : spec.name);
/**
 * prom-client resets nodejs_active_requests{type} on every collection and sets
 * a series only per libuv request in flight at that instant (fs, DNS, connect):
 * an in-memory service has none at almost every scrape, so it cannot be required.
 */
const PRESENT_ONLY_WHILE_ACTIVE = new Set(['nodejs_active_requests']);
const expected = [catalog.http, catalog.system, demoBusinessMetrics]
  .flatMap((group) => Object.values(group) as MetricSpec[])
  .filter((spec) => !PRESENT_ONLY_WHILE_ACTIVE.has(spec.name))
  .map(storedName);

let demo: DemoProcess;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  // The built-in traffic generator drives every route, business metrics included.
  demo = await startDemoProcess({ TRAFFIC_RPS: '40', HTTP_BODY_SIZES: 'true' });
  const target = new URL(demo.metricsUrl);
  prometheus = await startPrometheus({ jobs: [{ job: 'demo', targets: [target.host], metricsPath: target.pathname }] });
});

afterAll(async () => {
  await prometheus?.stop();
  await demo?.stop();
});

test('Prometheus 3 sees the demo target up', async () => {
  await waitFor(async () => (await prometheus.activeTargets()).some((t) => t.health === 'up'), 30_000, 'target never up');
  const [target] = await prometheus.activeTargets();
  expect(target?.labels.job).toBe('demo');
  expect(target?.lastError).toBe('');
  const up = await prometheus.query('up{job="demo"}');
  expect(up.map((s) => s.value[1])).toEqual(['1']);
});

test('Prometheus stores every catalog metric after some traffic', async () => {
  let missing: string[] = expected;
  await waitFor(
    async () => {
      const names = new Set(await prometheus.metricNames());
      missing = expected.filter((n) => !names.has(n));
      return missing.length === 0;
    },
    50_000,
    'metrics missing in Prometheus',
    1000,
  ).catch(() => undefined);
  expect(missing).toEqual([]);
});

test('the HTTP duration histogram in Prometheus carries route templates, never raw paths', async () => {
  const series = await prometheus.query('count by (http_route) (http_server_request_duration_seconds_count{job="demo"})');
  const routes = series.map((s) => s.metric.http_route!);
  expect(routes.length).toBeGreaterThan(3);
  for (const route of routes) expect(route === 'unmatched' || route.startsWith('/')).toBe(true);
  expect(routes.filter((r) => /\/\d+(\/|$)/.test(r))).toEqual([]);
});

test('promtool check metrics prints nothing for the metrics the project defines', async () => {
  const text = await (await fetch(demo.metricsUrl)).text();
  expect(text).toContain('http_server_request_duration_seconds_bucket');
  expect(await lintMetrics(text)).toEqual([]);
});
