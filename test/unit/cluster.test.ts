// Cluster mode as a real process tree: CLUSTER_WORKERS=2 forks two workers
// that share the app port, and the primary's /metrics sums what they record.
// The workers export their spans to a receiver started here, so an exemplar
// on the primary's /metrics can be checked against the spans they recorded.
import { connect } from 'node:net';
import { cpus } from 'node:os';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { exemplarLines, fresh, OPENMETRICS_ACCEPT, tracedStatus } from '../support/cluster-client.ts';
import { type DemoProcess, seriesLines, startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';

/** Sends raw bytes on a fresh connection and resolves with the status line of the answer. */
function raw(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('close', () => resolve(reply.split('\r\n')[0] ?? ''));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(reply.split('\r\n')[0] ?? '') : reject(err)));
  });
}

const value = (exposition: string, line: string) => {
  const found = seriesLines(exposition).find((l) => l.startsWith(line));
  // The value is the last field before an OpenMetrics exemplar (` # {...} value timestamp`).
  return found === undefined ? undefined : Number(found.split(' # ')[0]!.split(' ').at(-1));
};

const openMetrics = async () => {
  const res = await fetch(demo.metricsUrl, { headers: { accept: OPENMETRICS_ACCEPT } });
  expect(res.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
  return res.text();
};

/** Sets the fault switch through one worker and waits until every worker has it. */
async function faultEverywhere(state: { error_ratio: number; latency_ms: number }): Promise<void> {
  expect((await fresh(`${demo.url}/admin/fault`, 'PUT', JSON.stringify(state))).status).toBe(200);
  await waitFor(
    async () => {
      const states = await Promise.all(Array.from({ length: 10 }, () => fresh(`${demo.url}/admin/fault`)));
      return states.every((s) => {
        const got = JSON.parse(s.body) as typeof state;
        return got.error_ratio === state.error_ratio && got.latency_ms === state.latency_ms;
      });
    },
    5000,
    'not every worker got the fault',
  );
}

let receiver: OtlpReceiver;
let demo: DemoProcess;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  demo = await startDemoProcess({ CLUSTER_WORKERS: '2', METRICS_PORT: '0', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
});
afterAll(async () => {
  await demo?.stop();
  await receiver?.stop();
});

test('the primary /metrics shows the request count summed over both workers', async () => {
  const sent = 40;
  const pids = new Set<number>();
  for (let i = 0; i < sent; i++) {
    const res = await fresh(`${demo.url}/api/v1/status`);
    expect(res.status).toBe(200);
    pids.add((JSON.parse(res.body) as { pid: number }).pid);
  }
  expect(pids.size).toBe(2); // both workers served some of them
  expect(pids.has(demo.child.pid!)).toBe(false); // and the primary none

  const series = 'http_server_request_duration_seconds_count{http_request_method="GET",http_route="/api/:version/status",http_response_status_code="200"}';
  let seen: number | undefined;
  // A worker records a request when its response closes, a moment after the client has it.
  await waitFor(
    async () => {
      seen = value(await (await fetch(demo.metricsUrl)).text(), series);
      return seen === sent;
    },
    5000,
    'summed count never reached the number of requests',
  ).catch(() => undefined);
  expect(seen).toBe(sent);
});

test('host metrics are reported once, not multiplied by the number of workers', async () => {
  const text = await (await fetch(demo.metricsUrl)).text();
  expect(value(text, 'system_cpu_logical_cpus ')).toBe(cpus().length);
});

test('requests the parser rejects, in any worker and on the primary\'s metrics port, are summed in the primary /metrics', async () => {
  const rejected = (status: string, type: string) => `http_server_rejected_requests_total{http_response_status_code="${status}",error_type="${type}"} `;
  const before = await (await fetch(demo.metricsUrl)).text();
  const sent = 6; // fresh connections, handed to the workers round-robin: only a sum over both reaches 6
  for (let i = 0; i < sent; i++) expect(await raw(demo.url, 'GARBAGE\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
  const huge = `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
  expect(await raw(demo.metricsUrl, huge)).toBe('HTTP/1.1 431 Request Header Fields Too Large');

  const after = await (await fetch(demo.metricsUrl)).text();
  const increase = (status: string, type: string) => (value(after, rejected(status, type)) ?? 0) - (value(before, rejected(status, type)) ?? 0);
  expect(increase('400', 'bad_request')).toBe(sent);
  expect(increase('431', 'header_too_large')).toBe(1);
  // One family, merged: not one copy per process.
  expect(after.match(/^# TYPE http_server_rejected_requests_total counter$/gm)).toHaveLength(1);
});

test('the primary serves health endpoints on the metrics port, and the app port has no /metrics', async () => {
  const base = demo.metricsUrl.replace(/\/metrics$/, '');
  expect((await fresh(`${base}/healthz`)).status).toBe(200);
  expect((await fresh(`${base}/readyz`)).status).toBe(200);
  expect((await fresh(`${demo.url}/metrics`)).status).toBe(404);
});

test('in OpenMetrics the primary shows the workers\' exemplars on the merged latency buckets, each of a span a worker recorded', async () => {
  const sent: { traceId: string; pid: number }[] = [];
  for (let i = 0; i < 6; i++) sent.push(await tracedStatus(demo.url));
  expect(new Set(sent.map((r) => r.pid)).size).toBe(2);
  const last = sent.at(-1)!;
  // The newest request of all is the newest of its bucket, whichever bucket that is.
  let exemplars: ReturnType<typeof exemplarLines> = [];
  await waitFor(
    async () => {
      exemplars = exemplarLines(await openMetrics());
      return exemplars.some((e) => e.traceId === last.traceId && e.series.includes('http_route="/api/:version/status"'));
    },
    5000,
    'the newest request\'s exemplar never reached the primary /metrics',
  );
  expect(exemplars.every((e) => e.series.startsWith('http_server_request_duration_seconds_bucket{'))).toBe(true);
  // Every exemplar is a SERVER span some worker exported (the primary serves no app requests).
  const recorded = (e: { traceId: string; spanId: string }) => receiver.spans.some((s) => s.kind === SPAN_KIND.server && s.traceId === e.traceId && s.spanId === e.spanId);
  await receiver.waitForSpans(() => exemplars.every(recorded), 10_000, 'an exemplar that no worker recorded as a span');
  // One exemplar per merged sample: each bucket line once.
  expect(new Set(exemplars.map((e) => e.series)).size).toBe(exemplars.length);
});

test('the newest exemplar of a merged bucket wins, whichever worker holds it', async () => {
  // Every status request slowed to 1.1 s: all land in the bucket (1, 2.5].
  await faultEverywhere({ error_ratio: 0, latency_ms: 1100 });
  const series = (le: string) => `http_server_request_duration_seconds_bucket{http_request_method="GET",http_route="/api/:version/status",http_response_status_code="200",le="${le}"}`;
  const before = await openMetrics();
  const slowBefore = value(before, series('2.5'))! - value(before, series('1'))!;
  const sent: { traceId: string; pid: number }[] = [];
  const handOvers = new Set<string>(); // "a>b": worker b's exemplar became the newest after worker a's
  for (let i = 0; i < 6 && handOvers.size < 2; i++) {
    const request = await tracedStatus(demo.url);
    const previous = sent.at(-1);
    sent.push(request);
    let shown: ReturnType<typeof exemplarLines>[number] | undefined;
    await waitFor(
      async () => {
        shown = exemplarLines(await openMetrics()).find((e) => e.series === series('2.5'));
        return shown?.traceId === request.traceId;
      },
      5000,
      'the merged bucket never showed the newest exemplar',
    ).catch(() => undefined);
    // The other worker still holds its older exemplar for this bucket; the newer one is shown.
    expect(shown?.traceId, `after request ${i + 1} of ${JSON.stringify(sent)}`).toBe(request.traceId);
    expect(shown!.exemplarValue).toBeGreaterThan(1);
    if (previous !== undefined && previous.pid !== request.pid) handOvers.add(`${previous.pid}>${request.pid}`);
  }
  expect(handOvers.size).toBe(2); // both ways round: neither worker's order in the merge decides
  // The counts still merge by sum.
  const text = await openMetrics();
  expect(value(text, series('2.5'))! - value(text, series('1'))! - slowBefore).toBe(sent.length);
  await faultEverywhere({ error_ratio: 0, latency_ms: 0 });
});

test('the Prometheus text format from the primary carries no exemplars', async () => {
  const { traceId } = await tracedStatus(demo.url);
  await waitFor(async () => exemplarLines(await openMetrics()).some((e) => e.traceId === traceId), 5000, 'no exemplar in OpenMetrics');
  const res = await fetch(demo.metricsUrl);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  expect(text).not.toContain(' # {');
  expect(text).not.toContain(traceId);
});

test('in OpenMetrics the primary\'s merged families carry their # UNIT lines, as one process prints them', async () => {
  const text = await openMetrics();
  expect(text).toMatch(/^# TYPE http_server_request_duration_seconds histogram\n# UNIT http_server_request_duration_seconds seconds$/m);
  // prom-client's default metrics have no declared unit, in one process or merged.
  expect(text).not.toContain('# UNIT process_cpu_seconds');
});

test('a fault set through one worker reaches every worker', async () => {
  await faultEverywhere({ error_ratio: 0.5, latency_ms: 0 });
  expect((await fresh(`${demo.url}/admin/fault`, 'DELETE')).status).toBe(200);
});

test('SIGTERM to the primary stops the workers and exits 0', async () => {
  expect(await demo.stop()).toBe(0);
  await expect(fresh(`${demo.url}/healthz`)).rejects.toThrow();
});
