// The collector misbehaves the ways it does in production: down, answering
// errors, blackholed (accepts, never answers). Requests keep being served,
// memory stays under a capped old space, dropped spans are counted on
// /metrics, and export resumes when the collector is back.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { flood } from '../support/load.ts';
import { type OtlpReceiver, startOtlpReceiver, traceparent } from '../support/otlp-receiver.ts';

const OLD_SPACE_MB = 64;
let receiver: OtlpReceiver;
let demo: DemoProcess;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  await receiver.stop(); // the port is known and nothing listens on it
  demo = await startDemoProcess({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
    OTEL_BSP_SCHEDULE_DELAY: '200',
    REQUEST_LOGS: 'false',
    NODE_OPTIONS: `--max-old-space-size=${OLD_SPACE_MB}`,
  });
});
afterAll(async () => {
  await demo?.stop();
  await receiver?.stop();
});

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
  const blackholed = await flood(demo.url, 20_000, 20, products);
  log.push(`blackholed: ${JSON.stringify(blackholed)}, RSS ${((await demo.rssBytes()) / 2 ** 20).toFixed(0)} MB`);
  expect(blackholed).toEqual({ 200: 20_000 });
  expect(receiver.requests.blackholed).toBeGreaterThan(0);

  const text = await (await fetch(demo.metricsUrl)).text();
  const queueFull = metric(text, 'otel_sdk_processor_span_processed_total{error_type="queue_full"}');
  const failedExports = text.split('\n').filter((l) => l.startsWith('otel_sdk_exporter_span_exported_total{error_type="') && !l.includes('error_type=""'));
  log.push(`queue_full drops ${queueFull}; failed exports: ${failedExports.join('; ')}`);
  console.log(log.join('\n'));
  expect(queueFull).toBeGreaterThan(0);
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
