// A flood of junk must not grow the exposition or the process: unique random
// paths share the one `unmatched` series, huge paths are not label values.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, seriesLines, startDemoProcess } from '../support/demo-process.ts';
import { flood } from '../support/load.ts';

let demo: DemoProcess;
/**
 * V8 grows its heap lazily under a high allocation rate, so RSS after a
 * flood says more about V8's sizing policy than about leaks. The old space is
 * capped instead: a leak would end in an out-of-memory crash, and bounded
 * memory shows as a process that keeps serving with its heap under the cap.
 */
const OLD_SPACE_MB = 64;
beforeAll(async () => {
  demo = await startDemoProcess({ NODE_OPTIONS: `--max-old-space-size=${OLD_SPACE_MB}` });
});
afterAll(async () => {
  await demo?.stop();
});

test('20,000 requests to unique random paths leave the number of series unchanged and RSS growth small', async () => {
  // Warm up: the unmatched series and the route series exist before the baseline.
  await flood(demo.url, 500, 20, (i) => `/warmup-${i}/${randomBytes(6).toString('hex')}`);
  const before = await (await fetch(demo.metricsUrl)).text();
  const rssBefore = await demo.rssBytes();

  await flood(demo.url, 20_000, 50, (i) => `/${randomBytes(8).toString('hex')}/${i}${i % 1000 === 0 ? `/${'x'.repeat(6000)}` : ''}?q=${i}`);

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
  // Runtime series (GC kinds, handle types, the span pipeline's error types) may appear; nothing per request does.
  // Histogram buckets are left out: a GC kind seen for the first time would add a dozen bucket lines.
  const series = (text: string) => seriesLines(text).filter((l) => !/^\w+_bucket\{/.test(l));
  const names = (text: string) => new Set(series(text).map((l) => l.replace(/[{ ].*/, '')));
  const added = series(after).length - series(before).length;
  expect(added, `new series: ${[...names(after)].filter((n) => !names(before).has(n)).join(', ')}`).toBeLessThan(30);
  // RSS also holds what V8 keeps outside the old space (young generation, code) and the
  // allocator arenas of the threads writing the log lines; it varies with machine load
  // (+28 to +120 MB seen). The leak detector is the capped old space below.
  expect(growthMb).toBeLessThan(200);
  const heapUsed = Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(after)?.[1]);
  expect(heapUsed / 2 ** 20).toBeLessThan(OLD_SPACE_MB);
  expect((await fetch(`${demo.url}/api/v1/status`)).status).toBe(200);
}, 180_000);
