// A client that hangs up while sending its checkout body is not an invalid
// order: the failure is counted as `aborted`, not `validation` (which points
// at a client release), and the request is recorded as 499.
import { connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parseConfig } from '../../examples/demo-shop/demo-settings.ts';
import { type RunningDemo, startDemo } from '../../examples/demo-shop/server.ts';

let demo: RunningDemo;
beforeAll(async () => {
  demo = await startDemo(parseConfig({ PORT: '0', HOST: '127.0.0.1', TRAFFIC_RPS: '0', LOG_LEVEL: 'silent' }));
});
afterAll(async () => demo?.close());

const failed = (text: string, reason: string) => Number(new RegExp(`^shop_orders_failed_total\\{reason="${reason}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

test('a checkout body cut by the client counts as aborted, a malformed one as validation', async () => {
  const { hostname, port } = new URL(demo.url);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write('POST /api/v1/checkout HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"user_id":"u1","items":[');
      setTimeout(() => socket.destroy(), 100);
    });
    socket.on('close', () => resolve());
  });
  const bad = await fetch(`${demo.url}/api/v1/checkout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user_id":' });
  expect(bad.status).toBe(400);
  let text = '';
  for (let i = 0; i < 50 && !(failed(text, 'aborted') >= 1); i++) {
    await new Promise((r) => setTimeout(r, 50));
    text = await (await fetch(demo.metricsUrl)).text();
  }
  expect(failed(text, 'aborted')).toBe(1);
  expect(failed(text, 'validation')).toBe(1);
  expect(text).toMatch(/^http_server_request_duration_seconds_count\{http_request_method="POST",http_route="\/api\/:version\/checkout",http_response_status_code="499"\} 1$/m);
});
