// The collector misbehaves the ways it does in production: down, answering
// errors, blackholed (accepts, never answers). Requests keep being served,
// memory stays under a capped old space, dropped spans are counted on
// /metrics, and export resumes when the collector is back.
//
// The span queue is small (OTEL_BSP_MAX_QUEUE_SIZE) so that it fills at any
// request rate: a blackholed export holds the one export slot for
// OTEL_EXPORTER_OTLP_TIMEOUT, so the pipeline takes at most QUEUE + BATCH
// spans a second, far below what even a loaded machine serves. With the
// default 2,048 the drops depended on the machine reaching ~2,400 req/s.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { flood } from '../support/load.ts';
import { type OtlpReceiver, startOtlpReceiver, traceparent } from '../support/otlp-receiver.ts';

const OLD_SPACE_MB = 64;
const QUEUE = 128;
const BATCH = 32;
let receiver: OtlpReceiver;
let demo: DemoProcess;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  await receiver.stop(); // the port is known and nothing listens on it
  demo = await startDemoProcess({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE),
    OTEL_BSP_MAX_EXPORT_BATCH_SIZE: String(BATCH),
    REQUEST_LOGS: 'false',
    NODE_OPTIONS: `--max-old-space-size=${OLD_SPACE_MB}`,
  });
});
afterAll(async () => {
  await demo?.stop();
  await receiver?.stop();
});

const QUEUE_FULL = 'otel_sdk_processor_span_processed_total{error_type="queue_full"}';
const metric = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);

test('with the collector down, then answering 503, then blackholed, 50,000 requests are all served; drops are counted; export resumes', { timeout: 180_000 }, async () => {
  const products = (i: number) => `/api/v1/products/${(i % 20) + 1}`;
  const log: string[] = [];

  const down = await flood(demo.url, 25_000, 20, products);
  log.push(`down: ${JSON.stringify(down)}, RSS ${((await demo.rssBytes()) / 2 ** 20).toFixed(0)} MB`);
  expect(down).toEqual({ 200: 25_000 });

  await receiver.start();
  receiver.setMode('error');
  const erroring = await flood(demo.url, 5_000, 20, products);
  expect(erroring).toEqual({ 200: 5_000 });
  await new Promise((r) => setTimeout(r, 1000));
  expect(receiver.requests.error).toBeGreaterThan(0);

  receiver.setMode('blackhole');
  const dropsBefore = metric(await (await fetch(demo.metricsUrl)).text(), QUEUE_FULL);
  const blackholeStart = performance.now();
  const blackholed = await flood(demo.url, 20_000, 20, products);
  const blackholeSeconds = (performance.now() - blackholeStart) / 1000;
  log.push(`blackholed: ${JSON.stringify(blackholed)}, RSS ${((await demo.rssBytes()) / 2 ** 20).toFixed(0)} MB`);
  expect(blackholed).toEqual({ 200: 20_000 });
  expect(receiver.requests.blackholed).toBeGreaterThan(0);

  const text = await (await fetch(demo.metricsUrl)).text();
  const queueFull = metric(text, QUEUE_FULL);
  const failedExports = text.split('\n').filter((l) => l.startsWith('otel_sdk_exporter_span_exported_total{error_type="') && !l.includes('error_type=""'));
  const processed = text.split('\n').filter((l) => l.startsWith('otel_sdk_processor_span_processed_total'));
  log.push(`blackholed for ${blackholeSeconds.toFixed(1)} s; queue_full drops ${queueFull} (${queueFull - dropsBefore} while blackholed); failed exports: ${failedExports.join('; ')}; processed: ${processed.join('; ')}; queue ${metric(text, 'otel_sdk_processor_span_queue_size')}; in flight ${metric(text, 'otel_sdk_exporter_span_inflight')}`);
  console.log(log.join('\n'));
  expect(metric(text, 'otel_sdk_processor_span_queue_capacity')).toBe(QUEUE);
  expect(queueFull).toBeGreaterThan(0);
  // No span is lost uncounted: each of the 50,000 server spans is either processed (exported, failed or
  // dropped as queue_full), still queued, or in an export not finished yet. The render yields between
  // families, so an export may finish between two of them: read again until one render is consistent.
  const accounted = (exposition: string) =>
    exposition
      .split('\n')
      .filter((l) => l.startsWith('otel_sdk_processor_span_processed_total'))
      .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), metric(exposition, 'otel_sdk_processor_span_queue_size') + metric(exposition, 'otel_sdk_exporter_span_inflight'));
  console.log(`accounted for: ${accounted(text)} of 50,000`);
  await expect.poll(async () => accounted(await (await fetch(demo.metricsUrl)).text()), { timeout: 10_000, interval: 250 }).toBe(50_000);
  expect(failedExports.length).toBeGreaterThan(0);
  expect(metric(text, 'otel_sdk_processor_span_queue_size')).toBeLessThanOrEqual(metric(text, 'otel_sdk_processor_span_queue_capacity'));
  expect(metric(text, 'nodejs_heap_size_used_bytes') / 2 ** 20).toBeLessThan(OLD_SPACE_MB);
  expect((await demo.rssBytes()) / 2 ** 20).toBeLessThan(300);

  // The collector is back: new spans arrive.
  receiver.setMode('ok');
  const tp = traceparent();
  await expect.poll(
    async () => {
      await fetch(`${demo.url}/api/v1/status`, { headers: { traceparent: tp.header } });
      return receiver.spans.some((s) => s.traceId === tp.traceId);
    },
    { timeout: 30_000, interval: 1000 },
  ).toBe(true);
  expect(demo.child.exitCode).toBeNull();
  expect(demo.stderr()).not.toMatch(/Unhandled|unhandledRejection|FATAL/i);
});
