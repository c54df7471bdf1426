// Traces end to end with real processes: the demo service exports OTLP/HTTP
// to a receiver started here, its log lines and its latency exemplars carry
// the same trace ids, and a real Prometheus with exemplar storage returns them.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';
import { type OtlpReceiver, type ReceivedSpan, SPAN_KIND, STATUS_ERROR, startOtlpReceiver, traceparent } from '../support/otlp-receiver.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';

let receiver: OtlpReceiver;
let demo: DemoProcess;

const OTEL_ENV = { OTEL_BSP_SCHEDULE_DELAY: '200', SERVICE_VERSION: '9.9.9', DEPLOYMENT_ENVIRONMENT: 'staging' };

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  demo = await startDemoProcess({ ...OTEL_ENV, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, SERVICE_NAME: 'traced-shop' });
});
afterAll(async () => {
  await demo?.stop();
  await receiver?.stop();
});

const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);
const server = (spans: readonly ReceivedSpan[], route: string) => spans.find((s) => s.kind === SPAN_KIND.server && s.attributes['http.route'] === route);

describe('spans at a real OTLP/HTTP receiver', () => {
  test('a request becomes one SERVER span with the stable HTTP attributes, parented by the caller traceparent', async () => {
    const tp = traceparent();
    const res = await fetch(`${demo.url}/api/v1/products/7?utm=x`, { headers: { traceparent: tp.header } });
    expect(res.status).toBe(200);
    await receiver.waitForSpans(() => spansOf(tp.traceId).length > 0, 10_000, 'no span of the request');
    const [span, ...others] = spansOf(tp.traceId);
    expect(others).toEqual([]);
    const host = new URL(demo.url);
    expect(span).toMatchObject({
      name: 'GET /api/:version/products/:productId',
      kind: SPAN_KIND.server,
      parentSpanId: tp.parentId,
      statusCode: 0,
      scope: 'node-observability-kit',
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/api/:version/products/:productId',
        'http.response.status_code': 200,
        'url.path': '/api/v1/products/7',
        'url.query': 'utm=x',
        'url.scheme': 'http',
        'server.address': host.hostname,
        'server.port': Number(host.port),
        'network.protocol.version': '1.1',
      },
    });
    expect(span!.resource).toMatchObject({ 'service.name': 'traced-shop', 'service.version': '9.9.9', 'deployment.environment.name': 'staging' });
  });

  test('a 5xx answer marks the span as an error with error.type; a 404 does not', async () => {
    const failing = traceparent();
    const missing = traceparent();
    expect((await fetch(`${demo.url}/api/v1/fail`, { headers: { traceparent: failing.header } })).status).toBe(500);
    expect((await fetch(`${demo.url}/api/v1/products/99999`, { headers: { traceparent: missing.header } })).status).toBe(404);
    await receiver.waitForSpans(() => spansOf(failing.traceId).length > 0 && spansOf(missing.traceId).length > 0, 10_000, 'no spans of the failing requests');
    expect(spansOf(failing.traceId)[0]).toMatchObject({ statusCode: STATUS_ERROR, attributes: { 'http.response.status_code': 500, 'error.type': '500' } });
    expect(spansOf(missing.traceId)[0]).toMatchObject({ statusCode: 0, attributes: { 'http.response.status_code': 404 } });
    expect(spansOf(missing.traceId)[0]!.attributes['error.type']).toBeUndefined();
  });

  test('an outgoing call is a CLIENT span under the request span, and the callee SERVER span is its child', async () => {
    const tp = traceparent();
    expect((await fetch(`${demo.url}/api/v1/products/3/recommendations`, { headers: { traceparent: tp.header } })).status).toBe(200);
    await receiver.waitForSpans(() => spansOf(tp.traceId).length >= 3, 10_000, 'not all three spans of the call chain');
    const spans = spansOf(tp.traceId);
    const outer = server(spans, '/api/:version/products/:productId/recommendations')!;
    const client = spans.find((s) => s.kind === SPAN_KIND.client)!;
    const inner = server(spans, '/api/:version/products')!;
    expect(outer.parentSpanId).toBe(tp.parentId);
    expect(client.parentSpanId).toBe(outer.spanId);
    expect(client.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200 });
    expect(inner.parentSpanId).toBe(client.spanId);
  });

  test('an unsampled caller (flags 00) yields no span, but the request is still served and logged', async () => {
    const traceId = randomBytes(16).toString('hex');
    expect((await fetch(`${demo.url}/api/v1/status`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-00` } })).status).toBe(200);
    await waitFor(async () => demo.logs().some((l) => (l.trace as { id?: string } | undefined)?.id === traceId), 5000, 'no log line of the unsampled request');
    await new Promise((r) => setTimeout(r, 500)); // two export intervals
    expect(spansOf(traceId)).toEqual([]);
  });
});

describe('one trace id across logs, exemplars, Prometheus and the receiver', () => {
  let prometheus: RunningPrometheus | undefined;
  afterAll(async () => prometheus?.stop());

  test('a request trace id is in its log line, in an OpenMetrics exemplar, in Prometheus exemplar storage and at the receiver', { timeout: 90_000 }, async () => {
    const target = new URL(demo.metricsUrl);
    prometheus = await startPrometheus({
      jobs: [{ job: 'demo', targets: [target.host], metricsPath: target.pathname }],
      scrapeInterval: '1s',
      extraFlags: ['--enable-feature=exemplar-storage'],
    });
    const tp = traceparent();
    // The status route is used by nothing else in this test file: its exemplar stays ours.
    expect((await fetch(`${demo.url}/api/v1/status`, { headers: { traceparent: tp.header } })).status).toBe(200);
    await receiver.waitForSpans(() => spansOf(tp.traceId).length > 0, 10_000, 'no span of the request');
    const span = spansOf(tp.traceId)[0]!;

    // 1. Its log line, with ECS fields.
    await waitFor(async () => demo.logs().some((l) => (l.trace as { id?: string } | undefined)?.id === tp.traceId), 5000, 'no log line with the trace id');
    const line = demo.logs().find((l) => (l.trace as { id?: string } | undefined)?.id === tp.traceId)!;
    expect(line).toMatchObject({
      'log.level': 'info',
      message: 'GET /api/v1/status 200',
      service: { name: 'traced-shop', version: '9.9.9', environment: 'staging' },
      trace: { id: tp.traceId },
      span: { id: span.spanId },
      http: { request: { method: 'GET' }, response: { status_code: 200 }, route: '/api/:version/status' },
      url: { path: '/api/v1/status' },
      event: { dataset: 'http.access' },
    });
    expect(Date.parse(line['@timestamp'] as string)).toBeGreaterThan(Date.now() - 60_000);
    expect((line.event as { duration: number }).duration).toBeGreaterThan(0);

    // 2. The OpenMetrics exposition's exemplar on the latency histogram.
    const om = await (await fetch(demo.metricsUrl, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
    const exemplarLine = om.split('\n').find((l) => l.startsWith('http_server_request_duration_seconds_bucket{') && l.includes('http_route="/api/:version/status"') && l.includes(`trace_id="${tp.traceId}"`));
    expect(exemplarLine, 'no exemplar with the trace id in the OpenMetrics exposition').toBeDefined();
    expect(exemplarLine).toContain(`span_id="${span.spanId}"`);
    // The Prometheus text format carries no exemplars.
    expect(await (await fetch(demo.metricsUrl)).text()).not.toContain(tp.traceId);

    // 3. A real Prometheus scraped it into exemplar storage.
    let found: unknown;
    await waitFor(
      async () => {
        const end = Date.now() / 1000;
        const res = await prometheus!.api<{ seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string>; value: string }[] }[]>(
          `/api/v1/query_exemplars?query=${encodeURIComponent('http_server_request_duration_seconds_bucket{http_route="/api/:version/status"}')}&start=${end - 300}&end=${end}`,
        );
        found = res.flatMap((r) => r.exemplars).find((e) => e.labels.trace_id === tp.traceId);
        return found !== undefined;
      },
      30_000,
      'Prometheus never returned the exemplar',
    );
    expect(found).toMatchObject({ labels: { trace_id: tp.traceId, span_id: span.spanId } });
  });
});

describe('the span pipeline on /metrics', () => {
  test('exported spans are counted under the OpenTelemetry SDK self-observability names', async () => {
    const text = await (await fetch(demo.metricsUrl)).text();
    // A successful export has no error type: Prometheus treats the empty label as absent.
    const exported = /^otel_sdk_exporter_span_exported_total\{error_type=""\} (\d+)/m.exec(text);
    expect(Number(exported?.[1])).toBeGreaterThan(0);
    expect(text).not.toMatch(/^otel_sdk_processor_span_processed_total\{error_type="queue_full"\}/m);
    expect(text).toMatch(/^otel_sdk_processor_span_queue_capacity 2048$/m);
    expect(text).toMatch(/^otel_sdk_processor_span_queue_size \d+$/m);
  });
});

describe('the --import preload for apps that do not call startTracing', () => {
  test('an ESM app run with node --import is traced, node:http client calls included, and exports its queued spans on SIGTERM', { timeout: 30_000 }, async () => {
    const { spawn } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const preload = fileURLToPath(new URL('../../exporter/tracing/register.ts', import.meta.url));
    const app = fileURLToPath(new URL('../fixtures/preload-app.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', preload, app], {
      env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'preloaded', OTEL_BSP_SCHEDULE_DELAY: '60000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.once('data', (d: Buffer) => resolve((JSON.parse(d.toString()) as { port: number }).port));
      child.once('exit', (code) => reject(new Error(`app exited with ${code}: ${stderr}`)));
    });
    const tp = traceparent();
    expect(await (await fetch(`http://127.0.0.1:${port}/front`, { headers: { traceparent: tp.header } })).text()).toBe('front');
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^otel_sdk_processor_span_queue_capacity 2048$/m);
    child.kill('SIGTERM'); // the 60 s export delay is not waited for: shutdown flushes
    await new Promise((resolve) => child.once('exit', resolve));
    await receiver.waitForSpans(() => spansOf(tp.traceId).length >= 3, 10_000, 'not all spans of the preloaded app');
    const spans = spansOf(tp.traceId);
    const front = server(spans, '/front')!;
    const client = spans.find((s) => s.kind === SPAN_KIND.client)!;
    expect(front.resource['service.name']).toBe('preloaded');
    expect(client.parentSpanId).toBe(front.spanId);
    expect(server(spans, '/leaf')!.parentSpanId).toBe(client.spanId);
  });
});

describe('the standard OTEL_* variables', () => {
  test('OTEL_EXPORTER_OTLP_HEADERS reach the collector, OTEL_SERVICE_NAME names the service, OTEL_TRACES_SAMPLER=always_off samples nothing', { timeout: 30_000 }, async () => {
    const own = await startOtlpReceiver();
    const traced = await startDemoProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: own.url, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer collector-token,x-tenant=shop', OTEL_SERVICE_NAME: 'from-otel-env' });
    const off = await startDemoProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: own.url, OTEL_BSP_SCHEDULE_DELAY: '200', OTEL_TRACES_SAMPLER: 'always_off', OTEL_SERVICE_NAME: 'never-sampled' });
    try {
      const tp = traceparent();
      await fetch(`${traced.url}/api/v1/status`, { headers: { traceparent: tp.header } });
      await (await fetch(`${off.url}/api/v1/status`)).text();
      await own.waitForSpans((spans) => spans.some((s) => s.traceId === tp.traceId), 10_000, 'no span from the traced service');
      expect(own.headers[0]).toMatchObject({ authorization: 'Bearer collector-token', 'x-tenant': 'shop' });
      expect(own.spans.find((s) => s.traceId === tp.traceId)!.resource['service.name']).toBe('from-otel-env');
      await new Promise((r) => setTimeout(r, 600)); // three export intervals of the unsampled one
      expect(own.spans.filter((s) => s.resource['service.name'] === 'never-sampled')).toEqual([]);
    } finally {
      await traced.stop();
      await off.stop();
      await own.stop();
    }
  });

  test.each<{ protocol: string; env: Record<string, string>; contentType: string }>([
    { protocol: 'protobuf by default (the OTLP default)', env: {}, contentType: 'application/x-protobuf' },
    { protocol: 'JSON with OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/json', env: { OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, contentType: 'application/json' },
  ])('spans go as $protocol: the same spans, decoded from the wire format', { timeout: 30_000 }, async ({ env, contentType }) => {
    const own = await startOtlpReceiver();
    const proto = await startDemoProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: own.url, OTEL_BSP_SCHEDULE_DELAY: '200', ...env, SERVICE_NAME: 'proto-shop' });
    try {
      const ok = traceparent();
      const failing = traceparent();
      expect((await fetch(`${proto.url}/api/v1/products/7?utm=x`, { headers: { traceparent: ok.header } })).status).toBe(200);
      expect((await fetch(`${proto.url}/api/v1/fail`, { headers: { traceparent: failing.header } })).status).toBe(500);
      await own.waitForSpans((spans) => [ok, failing].every((tp) => spans.some((s) => s.traceId === tp.traceId)), 10_000, `no spans as ${contentType}`);
      expect(own.headers.every((h) => h['content-type'] === contentType)).toBe(true);
      expect(own.requests.rejected).toBe(0);
      const span = own.spans.find((s) => s.traceId === ok.traceId)!;
      expect(span).toMatchObject({
        name: 'GET /api/:version/products/:productId',
        kind: SPAN_KIND.server,
        parentSpanId: ok.parentId,
        statusCode: 0,
        scope: 'node-observability-kit',
        attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, 'url.query': 'utm=x', 'server.port': Number(new URL(proto.url).port) },
      });
      expect(span.resource['service.name']).toBe('proto-shop');
      expect(own.spans.find((s) => s.traceId === failing.traceId)).toMatchObject({ statusCode: STATUS_ERROR, attributes: { 'error.type': '500' } });
    } finally {
      await proto.stop();
      await own.stop();
    }
  });

  test('OTEL_SDK_DISABLED=true starts no SDK: no span pipeline metrics, no exemplars, requests and logs as usual', { timeout: 30_000 }, async () => {
    const own = await startOtlpReceiver();
    const disabled = await startDemoProcess({ OTEL_EXPORTER_OTLP_ENDPOINT: own.url, OTEL_SDK_DISABLED: 'true' });
    try {
      expect((await fetch(`${disabled.url}/api/v1/status`)).status).toBe(200);
      const om = await (await fetch(disabled.metricsUrl, { headers: { accept: 'application/openmetrics-text' } })).text();
      expect(om).not.toContain('otel_sdk_');
      expect(om).not.toContain('trace_id=');
      await waitFor(async () => disabled.logs().some((l) => l.message === 'GET /api/v1/status 200'), 5000, 'no request log line');
      await new Promise((r) => setTimeout(r, 1500));
      expect(own.requests.ok + own.requests.rejected).toBe(0);
    } finally {
      await disabled.stop();
      await own.stop();
    }
  });
});
