// The exemplar half of the cluster merge on real prom-client registries, each
// read with getMetricsAsJSON() and sent through JSON as the cluster's IPC
// channel does: prom-client counters and histograms with exemplars (the demo
// has none of the former, so the real-cluster test in cluster.test.ts cannot
// cover them), labels in another order, and the merged values left alone;
// then the kit's own families through the primary's merge (renderMerged).
import { AggregatorRegistry, Counter, Histogram, type PrometheusContentType, Registry } from 'prom-client';
import { expect, test } from 'vitest';
import { counter, gauge, histogram } from '../../catalog/spec.ts';
import { renderMerged } from '../../exporter/cluster.ts';
import { type RegistryJson, restoreExemplars } from '../../exporter/cluster-exemplars.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import { CounterFamily, GaugeFamily, HistogramFamily } from '../../exporter/metric-family.ts';

/** A "worker": an OpenMetrics registry (prom-client only allows exemplars there) with a counter and a histogram. */
function worker() {
  const registry = new Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  // <string>: prom-client's types allow only the metric's own label names as exemplar labels.
  const jobs = new Counter<string>({ name: 'jobs_total', help: 'Jobs.', labelNames: ['queue', 'kind'], enableExemplars: true, registers: [registry] });
  const latency = new Histogram<string>({ name: 'job_seconds', help: 'Job time.', labelNames: ['queue', 'kind'], buckets: [0.1, 1], enableExemplars: true, registers: [registry] });
  return { registry, jobs, latency };
}

/** What the primary receives over IPC. */
const overIpc = async (r: Pick<Registry, 'getMetricsAsJSON'>): Promise<RegistryJson> => JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as RegistryJson;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5)); // exemplar timestamps have millisecond resolution

async function mergedOpenMetrics(registries: RegistryJson[]): Promise<string> {
  const merged = AggregatorRegistry.aggregate<PrometheusContentType>(registries);
  await restoreExemplars(merged, registries);
  return renderRegistry(merged, 'openmetrics');
}
const line = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

test('a counter keeps the newest exemplar of each series over the workers, in any order of the workers, and its value is still the sum', async () => {
  const [a, b] = [worker(), worker()];
  a.jobs.inc({ labels: { queue: 'q1', kind: 'x' }, value: 2, exemplarLabels: { trace_id: 'old' } });
  a.jobs.inc({ labels: { queue: 'q2', kind: 'x' }, value: 1, exemplarLabels: { trace_id: 'only-a' } });
  await tick();
  // Labels given in another order: prom-client merges them into one sample, and so must the exemplar lookup.
  b.jobs.inc({ labels: { kind: 'x', queue: 'q1' }, value: 3, exemplarLabels: { trace_id: 'new' } });
  b.jobs.inc({ labels: { queue: 'q3', kind: 'x' }, value: 4 }); // no exemplar anywhere
  const [ja, jb] = [await overIpc(a.registry), await overIpc(b.registry)];

  for (const order of [[ja, jb], [jb, ja]]) {
    const om = await mergedOpenMetrics(order);
    expect(line(om, 'jobs_total{queue="q1",kind="x"}') ?? line(om, 'jobs_total{kind="x",queue="q1"}')).toMatch(/ 5 # \{trace_id="new"\} 3 \d+\.\d{3}$/);
    expect(line(om, 'jobs_total{queue="q2",kind="x"}')).toMatch(/ 1 # \{trace_id="only-a"\} 1 \d+\.\d{3}$/);
    expect(line(om, 'jobs_total{queue="q3",kind="x"}')).toBe('jobs_total{queue="q3",kind="x"} 4');
  }
});

test('a histogram bucket keeps the newest exemplar over the workers; the other buckets keep their own', async () => {
  const [a, b] = [worker(), worker()];
  a.latency.observe({ labels: { queue: 'q1', kind: 'x' }, value: 0.05, exemplarLabels: { trace_id: 'fast-a' } });
  a.latency.observe({ labels: { queue: 'q1', kind: 'x' }, value: 0.5, exemplarLabels: { trace_id: 'slow-a' } });
  await tick();
  b.latency.observe({ labels: { queue: 'q1', kind: 'x' }, value: 0.07, exemplarLabels: { trace_id: 'fast-b' } });
  await tick();
  a.latency.observe({ labels: { queue: 'q1', kind: 'x' }, value: 0.08, exemplarLabels: { trace_id: 'fast-a2' } });
  const om = await mergedOpenMetrics([await overIpc(b.registry), await overIpc(a.registry)]);
  const bucket = (le: string) => line(om, `job_seconds_bucket{le="${le}",queue="q1",kind="x"}`);
  expect(bucket('0.1')).toMatch(/ 3 # \{trace_id="fast-a2"\} 0\.08 /);
  expect(bucket('1')).toMatch(/ 4 # \{trace_id="slow-a"\} 0\.5 /);
  expect(bucket('+Inf')).toBe('job_seconds_bucket{le="+Inf",queue="q1",kind="x"} 4');
  expect(Number(line(om, 'job_seconds_sum{queue="q1",kind="x"}')?.split(' ')[1])).toBeCloseTo(0.7, 9);
});

test('the Prometheus text of the merge has no exemplars and is prom-client\'s own rendering but for its blank lines', async () => {
  const [a, b] = [worker(), worker()];
  a.jobs.inc({ labels: { queue: 'q1', kind: 'x' }, value: 2, exemplarLabels: { trace_id: 't' } });
  b.latency.observe({ labels: { queue: 'q1', kind: 'x' }, value: 0.5, exemplarLabels: { trace_id: 'u' } });
  const registries = [await overIpc(a.registry), await overIpc(b.registry)];
  const merged = AggregatorRegistry.aggregate<PrometheusContentType>(registries);
  // What the primary served before it rendered the merge itself (prom-client's text, no exemplars).
  const promClient = (await merged.metrics()).replace(/\n\n/g, '\n');
  await restoreExemplars(merged, registries);
  expect(await renderRegistry(merged, 'prometheus')).toBe(promClient);
  expect(promClient).not.toContain('trace_id');
});

/** A "worker" of the kit's own families, as the primary merges them. */
function kitWorker() {
  const registry = new Registry();
  const logger = { warn: () => {} };
  return {
    registry,
    jobs: new CounterFamily(counter({ name: 'app_jobs_total', help: 'Jobs.', unit: '', labels: ['queue'] }), { logger }).register(registry),
    busy: new CounterFamily(counter({ name: 'app_busy_seconds_total', help: 'Busy time.', unit: 'seconds', labels: [] }), { logger }).register(registry),
    size: new GaugeFamily(gauge({ name: 'app_heap_bytes', help: 'Heap.', unit: 'bytes', labels: [] }), { logger }).register(registry),
    latency: new HistogramFamily(histogram({ name: 'app_latency_seconds', help: 'Latency.', unit: 'seconds', labels: ['route'], buckets: [0.1, 1] }), { logger }).register(registry),
  };
}
const metadata = (text: string) => text.split('\n').filter((l) => l.startsWith('# '));

test('the merged OpenMetrics of the kit\'s families has the same HELP, TYPE and UNIT lines as one process renders', async () => {
  const [a, b] = [kitWorker(), kitWorker()];
  a.busy.labels().inc(1.5);
  b.latency.labels({ route: '/x' }).observe(0.5);
  const single = await renderRegistry(a.registry, 'openmetrics');
  expect(metadata(single)).toContain('# UNIT app_busy_seconds seconds');
  const merged = Buffer.concat(await renderMerged([await overIpc(a.registry), await overIpc(b.registry)], 'openmetrics')).toString('utf8');
  expect(metadata(merged)).toEqual(metadata(single));
});

test('a kit counter keeps the newest exemplar of each series over the workers', async () => {
  const [a, b] = [kitWorker(), kitWorker()];
  const at = (trace_id: string, value: number) => ({ labels: { trace_id }, value, timestamp: Date.now() / 1000 });
  const inc = (w: ReturnType<typeof kitWorker>, queue: string, n: number, trace?: string) => {
    const s = w.jobs.labels({ queue });
    s.inc(n);
    if (trace !== undefined) s.exemplar = at(trace, n);
  };
  inc(a, 'q1', 2, 'old');
  inc(a, 'q2', 1, 'only-a');
  await tick();
  inc(b, 'q1', 3, 'new');
  inc(b, 'q3', 4);
  const [ja, jb] = [await overIpc(a.registry), await overIpc(b.registry)];
  // One process shows its counter's exemplar.
  expect(line(await renderRegistry(a.registry, 'openmetrics'), 'app_jobs_total{queue="q1"}')).toMatch(/ 2 # \{trace_id="old"\} 2 \d+\.\d{3}$/);
  for (const order of [[ja, jb], [jb, ja]]) {
    const om = Buffer.concat(await renderMerged(order, 'openmetrics')).toString('utf8');
    expect(line(om, 'app_jobs_total{queue="q1"}')).toMatch(/ 5 # \{trace_id="new"\} 3 \d+\.\d{3}$/);
    expect(line(om, 'app_jobs_total{queue="q2"}')).toMatch(/ 1 # \{trace_id="only-a"\} 1 \d+\.\d{3}$/);
    expect(line(om, 'app_jobs_total{queue="q3"}')).toBe('app_jobs_total{queue="q3"} 4');
  }
});
