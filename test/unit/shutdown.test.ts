// SIGTERM under load, the way an orchestrator stops a pod: clients on
// keep-alive connections see their requests answered and then a refused
// connection, never a reset; the spans of the last requests reach the
// collector before the process exits 0. Requests still running at the
// shutdown deadline are answered 503 and recorded (line, span, metric) before
// telemetry is flushed: none vanishes.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { type OtlpReceiver, SPAN_KIND, STATUS_ERROR, startOtlpReceiver, traceparent } from '../support/otlp-receiver.ts';

let receiver: OtlpReceiver;
let demo: DemoProcess;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  // A long export delay: whatever the collector has at the end was flushed by the shutdown.
  demo = await startDemoProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '60000', SHUTDOWN_TIMEOUT_MS: '5000' });
});
afterAll(async () => {
  if (demo?.child.exitCode === null) await demo.stop();
  await receiver?.stop();
});

test('SIGTERM under keep-alive load: answered requests or refused connections only, spans flushed, exit 0', { timeout: 60_000 }, async () => {
  const answered: string[] = [];
  const failures: Record<string, number> = {};
  let stop = false;
  const loop = async (path: string) => {
    while (!stop) {
      const tp = traceparent();
      try {
        const res = await fetch(`${demo.url}${path}`, { headers: { traceparent: tp.header } });
        await res.arrayBuffer();
        expect(res.status).toBe(200);
        answered.push(tp.traceId);
      } catch (err) {
        const code = (err as { cause?: { code?: string } }).cause?.code ?? String(err);
        failures[code] = (failures[code] ?? 0) + 1;
        return; // this client gives up at its first failure, as a caller would fail over
      }
    }
  };
  const loops = [...Array.from({ length: 16 }, () => loop('/api/v1/status')), ...Array.from({ length: 4 }, () => loop('/api/v1/reports/slow'))];
  await new Promise((r) => setTimeout(r, 1500));
  const before = answered.length;
  const exited = demo.stop(); // SIGTERM
  const code = await exited;
  stop = true;
  await Promise.all(loops);

  console.log(`shutdown: ${before} answered before SIGTERM, ${answered.length - before} after; failures ${JSON.stringify(failures)}`);
  expect(code, demo.stderr() + JSON.stringify(demo.logs().filter((l) => l["log.level"] !== "info").slice(-5))).toBe(0);
  expect(answered.length).toBeGreaterThan(before); // requests in flight at SIGTERM were answered
  expect(Object.keys(failures).filter((c) => c !== 'ECONNREFUSED')).toEqual([]);
  const received = new Set(receiver.spans.map((s) => s.traceId));
  const missing = answered.filter((id) => !received.has(id));
  expect(missing, `${missing.length} of ${answered.length} answered requests have no span at the collector`).toEqual([]);
});

test('requests outlasting SHUTDOWN_TIMEOUT_MS: each is answered 503 and has exactly one request line and one error span', { timeout: 60_000 }, async () => {
  const collector = await startOtlpReceiver();
  // Every /api route waits 5 s (injected latency): nothing started here finishes before the 1 s deadline.
  const slow = await startDemoProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '60000', SHUTDOWN_TIMEOUT_MS: '1000', FAULT_LATENCY_MS: '5000' });
  try {
    const REQUESTS = 24;
    const ids = Array.from({ length: REQUESTS }, () => traceparent());
    const outcomes = ids.map(async (tp, i) => {
      try {
        const res = await fetch(`${slow.url}/api/v1/products/${(i % 20) + 1}?token=T${i}`, { headers: { traceparent: tp.header } });
        return { traceId: tp.traceId, status: res.status, connection: res.headers.get('connection'), body: await res.text() };
      } catch (err) {
        return { traceId: tp.traceId, status: 0, connection: null, body: String((err as { cause?: unknown }).cause ?? err) };
      }
    });
    await new Promise((r) => setTimeout(r, 500)); // all accepted, all waiting
    const code = await slow.stop();
    const clients = await Promise.all(outcomes);

    expect(code, slow.stderr()).toBe(0);
    expect(clients.map((c) => c.status)).toEqual(Array(REQUESTS).fill(503));
    expect(clients.every((c) => c.connection === 'close' && JSON.parse(c.body).error === 'shutting_down')).toBe(true);

    const lines = slow.logs().filter((l) => (l.event as { dataset?: string } | undefined)?.dataset === 'http.access');
    const spans = collector.spans.filter((s) => s.kind === SPAN_KIND.server);
    for (const { traceId } of clients) {
      const own = lines.filter((l) => (l.trace as { id?: string } | undefined)?.id === traceId);
      expect(own, `request lines of ${traceId}`).toHaveLength(1);
      expect(own[0]).toMatchObject({ 'log.level': 'error', http: { response: { status_code: 503 } } });
      const ownSpans = spans.filter((s) => s.traceId === traceId);
      expect(ownSpans, `server spans of ${traceId}`).toHaveLength(1);
      expect(ownSpans[0]).toMatchObject({ statusCode: STATUS_ERROR, attributes: { 'http.response.status_code': 503 } });
    }
    const summary = slow.logs().find((l) => l.message === 'shutdown deadline passed: requests still running were answered 503 or cut');
    expect(summary).toMatchObject({ shutdown: { answered: REQUESTS, cut: 0 } });
    console.log(`shutdown deadline drill: ${REQUESTS} requests in flight at the 1 s deadline; clients ${JSON.stringify(Object.fromEntries(clients.map((c) => [c.status, clients.filter((x) => x.status === c.status).length])))}; request lines ${lines.length}, server spans ${spans.length}`);
  } finally {
    if (slow.child.exitCode === null) await slow.stop();
    await collector.stop();
  }
});
