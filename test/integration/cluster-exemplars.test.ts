// A real Prometheus 3 with exemplar storage scrapes the primary of a real
// two-worker cluster: it parses the merged OpenMetrics exposition (the target
// is up without error) and stores the exemplars of requests that each worker
// served, found again by their trace ids.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { tracedStatus } from '../support/cluster-client.ts';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';

let receiver: OtlpReceiver;
let demo: DemoProcess;
let prometheus: RunningPrometheus;

beforeAll(async () => {
  receiver = await startOtlpReceiver(); // the workers' spans go somewhere that answers, so shutdown does not wait on retries
  demo = await startDemoProcess({ CLUSTER_WORKERS: '2', METRICS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
  const target = new URL(demo.metricsUrl);
  prometheus = await startPrometheus({ jobs: [{ job: 'cluster', targets: [target.host], metricsPath: target.pathname }], extraFlags: ['--enable-feature=exemplar-storage'] });
});
afterAll(async () => {
  await prometheus?.stop();
  await demo?.stop();
  await receiver?.stop();
});

/** Trace ids of the exemplars Prometheus stored for the status route's latency buckets in the last five minutes. */
async function storedTraceIds(): Promise<Set<string>> {
  const end = Date.now() / 1000;
  const query = encodeURIComponent('http_server_request_duration_seconds_bucket{http_route="/api/:version/status"}');
  const res = await prometheus.api<{ exemplars: { labels: Record<string, string> }[] }[]>(`/api/v1/query_exemplars?query=${query}&start=${end - 300}&end=${end}`);
  return new Set(res.flatMap((r) => r.exemplars.map((e) => e.labels.trace_id!)));
}

test('Prometheus stores the exemplars of requests served by each worker, scraped from the primary', { timeout: 60_000 }, async () => {
  await waitFor(async () => (await prometheus.activeTargets()).some((t) => t.health === 'up'), 30_000, 'target never up');
  // One request at a time, each waited for in Prometheus: a later one in the same bucket would replace it before a scrape.
  const stored: { traceId: string; pid: number }[] = [];
  for (let i = 0; i < 6 && new Set(stored.map((r) => r.pid)).size < 2; i++) {
    const request = await tracedStatus(demo.url);
    await waitFor(async () => (await storedTraceIds()).has(request.traceId), 15_000, `Prometheus never stored the exemplar of request ${i + 1}`, 500);
    stored.push(request);
  }
  expect(new Set(stored.map((r) => r.pid)).size).toBe(2);
  // Nothing else is stored for the route: only exemplars of requests sent here.
  const sent = new Set(stored.map((r) => r.traceId));
  expect([...(await storedTraceIds())].filter((id) => !sent.has(id))).toEqual([]);
  const [target] = await prometheus.activeTargets();
  expect(target?.lastError).toBe('');
});
