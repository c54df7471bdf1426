// listenClusterMetrics without a `health`: the primary's metrics port answers
// its probes as live and ready instead of failing on a missing handler
// (a JavaScript caller gets no type error for leaving it out).
import type { AddressInfo } from 'node:net';
import { expect, test } from 'vitest';
import { listenClusterMetrics } from '../../exporter/cluster.ts';

test('the primary serves /healthz, /readyz and /metrics when no health is given', async () => {
  const server = await listenClusterMetrics(0, '127.0.0.1');
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const live = await fetch(`${base}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('# TYPE http_server_rejected_requests_total counter');
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
