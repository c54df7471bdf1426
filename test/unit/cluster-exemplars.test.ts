// The exemplar half of the cluster merge on real prom-client registries, each
// read with getMetricsAsJSON() and sent through JSON as the cluster's IPC
// channel does: prom-client counters and histograms with exemplars (the demo
// has none of the former, so the real-cluster test in cluster.test.ts cannot
// cover them), labels in another order, and the merged values left alone.
import { AggregatorRegistry, Counter, Histogram, type PrometheusContentType, Registry } from 'prom-client';
import { expect, test } from 'vitest';
import { type RegistryJson, restoreExemplars } from '../../exporter/cluster-exemplars.ts';
import { renderRegistry } from '../../exporter/exposition.ts';

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
