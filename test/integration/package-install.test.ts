// The package as users get it: `npm pack`'s tarball installed into fresh
// apps outside this repository, on each supported Node major (22 and 24,
// both from the npm registry's `node` package), by npm running on that Node.
// Each install holds three apps on Express 5: ESM TypeScript, ESM
// JavaScript and CommonJS (through require() of the ESM package); one more
// install holds the CommonJS app on Express 4 (the peer range admits it).
// Each app, run for real: /metrics has the RED histogram with route
// templates and the app's own business metric; tracing sends the server span
// and node:http client spans (default import and named import, both made
// after startTracing ran) and a fetch span to a real OTLP receiver, children
// of the server span; a thrown error yields one ECS error line with its
// trace.id and a JSON 500. The types resolve under node16, nodenext, bundler
// and node10. And `npm install git+file://` of a clean clone builds a working
// package through `prepare`.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, waitFor } from '../support/net.ts';
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND, startOtlpReceiver } from '../support/otlp-receiver.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
/** The Node 22 the tests install from the npm registry, kept between runs in the repository's tool cache. */
const NODE_22 = '22.23.3';
const NODE_22_DIR = join(REPO, '.cache', `node-${NODE_22}`);
const NPM_QUIET = { npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
const INSTALL = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
/** What the apps install next to the kit (prom-client comes as the kit's peer); TypeScript 5 still has node10 resolution. */
const APP_DEPENDENCIES = ['express@5.3.0', 'typescript@5.9.3', '@types/express@5.0.6', '@types/node@24.19.2'];
/** The Express 4 app: the newest 4.x, nothing else (npm fails on a peer range that excludes it). */
const EXPRESS_4_DEPENDENCIES = ['express@4.22.3'];

type AppKind = 'esm-ts' | 'esm-js' | 'cjs';
const APPS: Record<AppKind, { readonly entry: string }> = { 'esm-ts': { entry: 'server.ts' }, 'esm-js': { entry: 'server.mjs' }, cjs: { entry: 'server.cjs' } };

/**
 * One app, written three ways. ESM apps import everything first and call
 * startTracing after: the named import of node:http is linked before the
 * kit patched anything, as in a real app. The CommonJS app destructures
 * `request` after startTracing (CommonJS copies the function at that moment).
 */
function appSource(kind: AppKind): string {
  const ts = kind === 'esm-ts';
  const head =
    kind === 'cjs'
      ? `'use strict';
const http = require('node:http');
const { counter, createExporter, createLogger, errorLogger, startTracing } = require('node-observability-kit/exporter');
const tracing = startTracing({ serviceName: process.env.SERVICE_NAME, environment: 'test' });
const { request } = require('node:http');
const express = require('express');
`
      : `import http, { request } from 'node:http';
import express${ts ? ', { type NextFunction, type Request, type Response }' : ''} from 'express';
import { counter, createExporter, createLogger, errorLogger, startTracing } from 'node-observability-kit/exporter';

const tracing = startTracing({ serviceName: process.env.SERVICE_NAME${ts ? '!' : ''}, environment: 'test' });
`;
  const t = (annotation: string) => (ts ? annotation : '');
  return `${head}const { logger } = createLogger({ serviceName: process.env.SERVICE_NAME${ts ? '!' : ''} });
const exporter = createExporter({ logger, traces: true, hostMetrics: false });
const metrics = exporter.defineMetrics({
  orders: counter({ name: 'acme_orders_total', help: 'Orders placed.', unit: '', labels: ['outcome'], values: { outcome: ['ok', 'failed'] } }),
});
const downstream = process.env.DOWNSTREAM_URL;

/** One GET through a node:http request function, answered in full. */
function call(send${t(': typeof request')}, path${t(': string')})${t(': Promise<void>')} {
  return new Promise((resolve, reject) => {
    const req = send(downstream + path, (res) => {
      res.resume();
      res.on('end', () => resolve());
    });
    req.on('error', reject);
    req.end();
  });
}

const app = express();
app.use(exporter.middleware);
app.get('/metrics', exporter.metricsHandler);
app.get('/healthz', exporter.health.liveness);
const orders = express.Router();
orders.get('/:id', async (req${t(': Request')}, res${t(': Response')}, next${t(': NextFunction')}) => {
  try {
    await call(http.request, '/default-import');
    await call(request, '/named-import');
    await (await fetch(downstream + '/fetch')).text();
    metrics.orders.inc({ outcome: 'ok' });
    res.json({ id: req.params.id });
  } catch (err) {
    next(err);
  }
});
orders.get('/:id/boom', () => {
  throw new Error('boom');
});
app.use('/api/orders', orders);
app.use(errorLogger({ logger }));
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => console.error('listening'));
process.on('SIGTERM', () => {
  server.close();
  tracing.shutdown().finally(() => process.exit(0));
});
`;
}

/** Each subpath's types, imported as a user would; compiled under every module resolution TypeScript users pick. */
const TYPES_CHECK = `import { createExporter, errorLogger, type ExporterOptions } from 'node-observability-kit/exporter';
import { catalog } from 'node-observability-kit/catalog';
import { defineConfig } from 'node-observability-kit/config';
import 'node-observability-kit/tracing/register';

const options: ExporterOptions = { hostMetrics: false, http: { probeRoutes: [] } };
export const exporter = createExporter(options);
export const handler = errorLogger({ logger: { warn() {} } });
export const histogram: string = catalog.http.requestDuration.name;
export const define: typeof defineConfig = defineConfig;
`;
/** A CommonJS TypeScript file requiring the ESM package: TypeScript allows it under module nodenext (5.8 or later), as Node 22.12+ does. */
const TYPES_CHECK_CJS = `import kit = require('node-observability-kit/exporter');
export const exporter = kit.createExporter({ hostMetrics: false });
`;
const RESOLUTIONS = [
  { moduleResolution: 'node16', module: 'node16' },
  { moduleResolution: 'nodenext', module: 'nodenext' },
  { moduleResolution: 'bundler', module: 'esnext' },
  { moduleResolution: 'node10', module: 'commonjs' },
] as const;

interface NodeRuntime {
  readonly major: 22 | 24;
  /** Folder of the `node` binary, put first on PATH so npm and the apps run on it. */
  readonly bin: string;
}

/** Node 22 from the npm registry's `node` package (as the project gets Node 24), installed once into the tool cache. */
async function node22(): Promise<NodeRuntime> {
  const bin = join(NODE_22_DIR, 'node_modules', 'node', 'bin');
  const present = await access(join(bin, 'node')).then(
    () => true,
    () => false,
  );
  if (!present) {
    await mkdir(NODE_22_DIR, { recursive: true });
    await writeFile(join(NODE_22_DIR, 'package.json'), '{"private":true}\n');
    await run('npm', [...INSTALL, '--no-save', `node@${NODE_22}`], { cwd: NODE_22_DIR, env: { ...process.env, ...NPM_QUIET } });
  }
  const { stdout } = await run(join(bin, 'node'), ['--version']);
  expect(stdout.trim()).toBe(`v${NODE_22}`);
  return { major: 22, bin };
}

const envFor = (node: NodeRuntime) => ({ ...process.env, ...NPM_QUIET, PATH: `${node.bin}:${process.env.PATH ?? ''}` });

let work: string;
let tarball: string;
let receiver: OtlpReceiver;
let downstream: Server;
let downstreamUrl: string;
const runtimes: NodeRuntime[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kit-package-install-'));
  // One pack per run; npm pack runs `prepare` (the build) as a publish would. The build's lines come first, the JSON report last.
  const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--json'], { cwd: REPO, env: { ...process.env, ...NPM_QUIET }, maxBuffer: 1 << 26 });
  tarball = join(work, (JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as { filename: string }[])[0]!.filename);
  runtimes.push({ major: 24, bin: dirname(process.execPath) }, await node22());
  receiver = await startOtlpReceiver();
  downstream = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  await once(downstream, 'listening');
  downstreamUrl = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`;
}, 600_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await receiver?.stop();
  downstream?.close();
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** A fresh app folder `app-<name>` with the tarball and the app's dependencies installed by npm running on `node`. */
async function installApp(node: NodeRuntime, name = `node${node.major}`, dependencies = APP_DEPENDENCIES): Promise<string> {
  const dir = join(work, `app-${name}`);
  await mkdir(dir);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: `acme-${name}`, version: '1.0.0', private: true, type: 'module' }, null, 2));
  await run('npm', [...INSTALL, tarball, ...dependencies], { cwd: dir, env: envFor(node), maxBuffer: 1 << 26 });
  for (const kind of Object.keys(APPS) as AppKind[]) await writeFile(join(dir, APPS[kind].entry), appSource(kind));
  return dir;
}

/** Starts one app and drives it: an order (three outgoing calls), a probe, a thrown error, a scrape. */
async function exercise(dir: string, node: NodeRuntime, kind: AppKind, serviceName: string) {
  const port = await freePort();
  const child = spawn(join(node.bin, 'node'), [APPS[kind].entry], {
    cwd: dir,
    env: { ...envFor(node), PORT: String(port), SERVICE_NAME: serviceName, DOWNSTREAM_URL: downstreamUrl, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '100' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${serviceName} exited with ${child.exitCode}: ${stderr}`);
      return stderr.includes('listening');
    },
    30_000,
    `${serviceName} did not start`,
  );
  const base = `http://127.0.0.1:${port}`;
  const order = await fetch(`${base}/api/orders/42`);
  expect(order.status, stderr).toBe(200);
  expect(await order.json()).toEqual({ id: '42' });
  expect((await fetch(`${base}/healthz`)).status).toBe(200);
  const boom = await fetch(`${base}/api/orders/42/boom`);
  expect(boom.status).toBe(500);
  expect(await boom.json()).toEqual({ error: 'Internal Server Error' });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  await receiver.waitForSpans((spans) => spans.filter((s) => s.resource['service.name'] === serviceName).length >= 5, 20_000, `${serviceName}: a server span, three client spans and the error's server span`);
  child.kill('SIGTERM');
  await exited;
  return { metrics, stdout, stderr, spans: receiver.spans.filter((s) => s.resource['service.name'] === serviceName) };
}

const urlOf = (s: ReceivedSpan) => String(s.attributes['url.full'] ?? s.attributes['http.url'] ?? '');

/** What every installed app must show: route templates, the business metric, spans parented right, one ECS error line. */
function expectInstrumented({ metrics, stdout, stderr, spans }: Awaited<ReturnType<typeof exercise>>, serviceName: string) {
  expect(metrics).toMatch(/http_server_request_duration_seconds_bucket\{[^}]*http_route="\/api\/orders\/:id"[^}]*http_response_status_code="200"/);
  expect(metrics).toMatch(/http_server_request_duration_seconds_count\{[^}]*http_route="\/api\/orders\/:id\/boom"[^}]*http_response_status_code="500"[^}]*\} 1/);
  expect(metrics).toMatch(/^acme_orders_total\{outcome="ok"\} 1$/m);
  expect(metrics).not.toContain('http_route="/healthz"');

  const server = spans.find((s) => s.kind === SPAN_KIND.server && s.name === 'GET /api/orders/:id');
  expect(server, JSON.stringify(spans.map((s) => s.name))).toBeDefined();
  const children = spans.filter((s) => s.kind === SPAN_KIND.client && s.parentSpanId === server!.spanId && s.traceId === server!.traceId);
  const byScope = (scope: string) => children.filter((s) => s.scope === scope).map(urlOf).sort();
  expect(byScope('@opentelemetry/instrumentation-http')).toEqual([`${downstreamUrl}/default-import`, `${downstreamUrl}/named-import`]);
  expect(byScope('@opentelemetry/instrumentation-undici')).toEqual([`${downstreamUrl}/fetch`]);

  const failed = spans.find((s) => s.kind === SPAN_KIND.server && s.name === 'GET /api/orders/:id/boom')!;
  const lines = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, any>);
  const errors = lines.filter((l) => l.error !== undefined);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatchObject({
    'log.level': 'error',
    error: { type: 'Error', message: 'boom', stack_trace: expect.stringMatching(/^Error: boom\n {4}at /) },
    http: { request: { method: 'GET' }, response: { status_code: 500 }, route: '/api/orders/:id/boom' },
    trace: { id: failed.traceId },
    span: { id: failed.spanId },
    service: { name: serviceName },
  });
  // No plain-text stack from Express's default handler, and no warning about tracing.
  expect(stderr).not.toContain('Error: boom');
  expect(stderr).not.toContain('tracing/register');
}

describe('the packed tarball installed into fresh apps', () => {
  for (const major of [24, 22] as const) {
    describe(`on Node ${major}`, () => {
      let dir: string;
      let node: NodeRuntime;
      beforeAll(async () => {
        node = runtimes.find((r) => r.major === major)!;
        dir = await installApp(node);
      }, 600_000);

      for (const kind of Object.keys(APPS) as AppKind[]) {
        test(`${kind}: RED histogram by route template, the business metric, server and client spans with the right parent, one ECS error line with trace.id`, async () => {
          expectInstrumented(await exercise(dir, node, kind, `acme-node${major}-${kind}`), `acme-node${major}-${kind}`);
        }, 120_000);
      }

      if (major === 24) {
        test('the types resolve under node16, nodenext, bundler and node10 module resolution, and for a CommonJS file under nodenext', async () => {
          await writeFile(join(dir, 'types-check.ts'), TYPES_CHECK);
          const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
          for (const { moduleResolution, module } of RESOLUTIONS) {
            const args = ['--noEmit', '--strict', '--skipLibCheck', '--types', 'node', '--target', 'es2022', '--module', module, '--moduleResolution', moduleResolution, '--ignoreDeprecations', '5.0', 'types-check.ts'];
            const result = await run(join(node.bin, 'node'), [tsc, ...args], { cwd: dir }).then(
              () => '',
              (err: { stdout: string }) => err.stdout,
            );
            expect(result, `moduleResolution ${moduleResolution}`).toBe('');
          }
          await writeFile(join(dir, 'types-check.cts'), TYPES_CHECK_CJS);
          const cjs = ['--noEmit', '--strict', '--skipLibCheck', '--types', 'node', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'types-check.cts'];
          await expect(run(join(node.bin, 'node'), [tsc, ...cjs], { cwd: dir }).then(() => '', (err: { stdout: string }) => err.stdout)).resolves.toBe('');
        }, 120_000);

        test('the ESM TypeScript app type-checks against the installed package', async () => {
          const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
          const args = ['--noEmit', '--strict', '--skipLibCheck', '--types', 'node', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', 'server.ts'];
          await expect(run(join(node.bin, 'node'), [tsc, ...args], { cwd: dir }).then(() => '', (err: { stdout: string }) => err.stdout)).resolves.toBe('');
        }, 120_000);
      }
    });
  }
});

describe('the packed tarball in an Express 4 app', () => {
  test('cjs on Express 4.22.3: npm accepts the peer range, and the app records route templates, spans and the ECS error line', async () => {
    const node = runtimes.find((r) => r.major === 24)!;
    const dir = await installApp(node, 'express4', EXPRESS_4_DEPENDENCIES);
    const { stdout } = await run(join(node.bin, 'node'), ['-p', "require('express/package.json').version"], { cwd: dir });
    expect(stdout.trim()).toBe('4.22.3');
    expectInstrumented(await exercise(dir, node, 'cjs', 'acme-express4-cjs'), 'acme-express4-cjs');
  }, 600_000);
});

describe('npm install from a git+file:// URL of a clean clone', () => {
  test('builds the package through prepare: the exporter imports and the bin runs', async () => {
    const clone = join(work, 'clone');
    await run('git', ['clone', '--quiet', '--depth', '1', `file://${REPO}`, clone]);
    const app = join(work, 'git-app');
    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'git-app', version: '1.0.0', private: true, type: 'module' }));
    const node = runtimes.find((r) => r.major === 24)!;
    await run('npm', [...INSTALL, `git+file://${clone}`], { cwd: app, env: envFor(node), maxBuffer: 1 << 26 });
    const { stdout } = await run(join(node.bin, 'node'), ['--input-type=module', '-e', "const k = await import('node-observability-kit/exporter'); console.log(typeof k.createExporter, typeof k.errorLogger)"], { cwd: app });
    expect(stdout.trim()).toBe('function function');
    const help = await run(join(app, 'node_modules', '.bin', 'observability-kit'), ['--help'], { cwd: app, env: envFor(node) });
    expect(help.stdout).toContain('generate');
  }, 600_000);
});
