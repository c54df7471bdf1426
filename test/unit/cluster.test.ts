// Cluster mode as a real process tree: CLUSTER_WORKERS=2 forks two workers
// that share the app port, and the primary's /metrics sums what they record.
import { request } from 'node:http';
import { connect } from 'node:net';
import { cpus } from 'node:os';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, seriesLines, startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';

/** A request on a fresh connection (no keep-alive), so the primary may hand each one to another worker. */
function fresh(url: string, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

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
  return found === undefined ? undefined : Number(found.split(' ').at(-1));
};

let demo: DemoProcess;
beforeAll(async () => {
  demo = await startDemoProcess({ CLUSTER_WORKERS: '2', METRICS_PORT: '0' });
});
afterAll(async () => {
  await demo?.stop();
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

test('a fault set through one worker reaches every worker', async () => {
  expect((await fresh(`${demo.url}/admin/fault`, 'PUT', '{"error_ratio":0.5}')).status).toBe(200);
  await waitFor(
    async () => {
      const states = await Promise.all(Array.from({ length: 10 }, () => fresh(`${demo.url}/admin/fault`)));
      return states.every((s) => (JSON.parse(s.body) as { error_ratio: number }).error_ratio === 0.5);
    },
    5000,
    'not every worker got the fault',
  );
  expect((await fresh(`${demo.url}/admin/fault`, 'DELETE')).status).toBe(200);
});

test('SIGTERM to the primary stops the workers and exits 0', async () => {
  expect(await demo.stop()).toBe(0);
  await expect(fresh(`${demo.url}/healthz`)).rejects.toThrow();
});
