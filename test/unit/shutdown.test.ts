// SIGTERM under load, the way an orchestrator stops a pod: clients on
// keep-alive connections see their requests answered and then a refused
// connection, never a reset; the spans of the last requests reach the
// collector before the process exits 0.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { type OtlpReceiver, startOtlpReceiver, traceparent } from '../support/otlp-receiver.ts';

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
