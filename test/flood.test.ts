// A flood of junk must not grow the exposition or the process: unique random
// paths share the one `unmatched` series, huge paths are not label values.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, seriesLines, startDemoProcess } from './support/demo-process.ts';

let demo: DemoProcess;
beforeAll(async () => {
  demo = await startDemoProcess();
});
afterAll(async () => {
  await demo?.stop();
});

async function flood(count: number, concurrency: number, path: (i: number) => string): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const res = await fetch(`${demo.url}${path(i)}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

test('20,000 requests to unique random paths leave the number of series unchanged and RSS growth small', async () => {
  // Warm up: the unmatched series and the route series exist before the baseline.
  await flood(500, 20, (i) => `/warmup-${i}/${randomBytes(6).toString('hex')}`);
  const before = await (await fetch(demo.metricsUrl)).text();
  const rssBefore = await demo.rssBytes();

  await flood(20_000, 50, (i) => `/${randomBytes(8).toString('hex')}/${i}${i % 1000 === 0 ? `/${'x'.repeat(6000)}` : ''}?q=${i}`);

  const after = await (await fetch(demo.metricsUrl)).text();
  const rssAfter = await demo.rssBytes();
  const httpBefore = seriesLines(before, 'http_');
  const httpAfter = seriesLines(after, 'http_');
  const growthMb = (rssAfter - rssBefore) / 2 ** 20;
  console.log(
    `flood: http series ${httpBefore.length} → ${httpAfter.length}, all series ${seriesLines(before).length} → ${seriesLines(after).length}, ` +
      `RSS ${(rssBefore / 2 ** 20).toFixed(1)} → ${(rssAfter / 2 ** 20).toFixed(1)} MB (${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB)`,
  );

  expect(httpAfter.length).toBe(httpBefore.length);
  expect(after).not.toMatch(/xxxxxxxx/);
  const unmatched = httpAfter.filter((l) => l.startsWith('http_server_request_duration_seconds_count') && l.includes('http_route="unmatched"'));
  expect(unmatched).toHaveLength(1);
  expect(Number(unmatched[0]!.split(' ').at(-1))).toBeGreaterThanOrEqual(20_500);
  // Runtime series (GC kinds, handle types) may appear; nothing per request does.
  expect(seriesLines(after).length - seriesLines(before).length).toBeLessThan(30);
  expect(growthMb).toBeLessThan(40);
}, 180_000);
