// An ES module app that imports node:http (default and named) before it
// calls startTracing, started with no --import flag: its outgoing calls made
// while serving a request are client spans, children of the request's
// server span, at the test OTLP receiver. Runs in a child process, since
// tracing is process-wide. (The packed-tarball test checks the same on
// Node 22 and 24 from an installed package; this one is the fast guard.)
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type OtlpReceiver, SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';

const REPO = join(import.meta.dirname, '..', '..');
const KIT = pathToFileURL(join(REPO, 'exporter', 'index.ts')).href;
const INSTRUMENTATION = pathToFileURL(join(REPO, 'node_modules', '@opentelemetry', 'instrumentation', 'dist', 'index.mjs')).href;

/** An ESM app handing startTracing an instrumentation of a package, with or without the --import flag. */
const WITH_INSTRUMENTATION = `import { InstrumentationBase } from '${INSTRUMENTATION}';
import { startTracing } from '${KIT}';

class PackageInstrumentation extends InstrumentationBase {
  constructor() { super('acme-instrumentation', '1.0.0', {}); }
  init() { return []; }
}
await startTracing({ serviceName: 'esm-app', instrumentations: [new PackageInstrumentation()] }).shutdown();
`;

const APP = `import http, { request } from 'node:http';
import { createExporter, startTracing } from '${KIT}';

const tracing = startTracing({ serviceName: 'esm-app' });
const exporter = createExporter({ traces: true, hostMetrics: false, processMetrics: false });
const call = (send, url) => new Promise((resolve, reject) => {
  const req = send(url, (res) => { res.resume(); res.on('end', resolve); });
  req.on('error', reject);
  req.end();
});
const server = http.createServer((req, res) => exporter.middleware(req, res, async () => {
  await call(http.request, process.env.DOWNSTREAM + '/default-import');
  await call(request, process.env.DOWNSTREAM + '/named-import');
  res.end('done');
}));
server.listen(0, '127.0.0.1', async () => {
  await call(http.request, 'http://127.0.0.1:' + server.address().port + '/order');
  server.close();
  await tracing.shutdown();
});
`;

let dir: string;
let receiver: OtlpReceiver;
let downstream: Server;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kit-esm-spans-'));
  receiver = await startOtlpReceiver();
  downstream = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  await once(downstream, 'listening');
});

afterAll(async () => {
  downstream?.close();
  await receiver?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('startTracing alone gives client spans for default and named imports of node:http in an ESM app', async () => {
  await writeFile(join(dir, 'app.mjs'), APP);
  const url = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
  await promisify(execFile)(process.execPath, ['app.mjs'], { cwd: dir, env: { ...process.env, DOWNSTREAM: url, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
  const server = receiver.spans.find((s) => s.kind === SPAN_KIND.server);
  expect(server, JSON.stringify(receiver.spans.map((s) => s.name))).toBeDefined();
  const children = receiver.spans.filter((s) => s.kind === SPAN_KIND.client && s.parentSpanId === server!.spanId && s.traceId === server!.traceId);
  expect(children.map((s) => s.attributes['url.full']).sort()).toEqual([`${url}/default-import`, `${url}/named-import`]);
}, 60_000);

test('startTracing given package instrumentations in an ESM app says once which flag to add, and is quiet with it', async () => {
  await writeFile(join(dir, 'instrumented.mjs'), WITH_INSTRUMENTATION);
  const env = { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url };
  const run = (args: string[]) => promisify(execFile)(process.execPath, args, { cwd: dir, env });
  const without = await run(['instrumented.mjs']);
  const warnings = without.stderr.split('\n').filter((l) => l.includes('--import node-observability-kit/tracing/register'));
  expect(warnings).toHaveLength(1);
  const withFlag = await run(['--import', pathToFileURL(join(REPO, 'exporter', 'tracing', 'register.ts')).href, 'instrumented.mjs']);
  expect(withFlag.stderr).not.toContain('--import node-observability-kit/tracing/register');
}, 60_000);
