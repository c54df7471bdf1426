import { expect, test } from 'vitest';
import { CHUNK_CHARS, joinInChunks } from '../../exporter/tracing/line-chunks.ts';

const line = (n: number, fill = 'x') => `${fill.repeat(n - 1)}\n`;

test('whole lines in order, each chunk at most the limit, nothing lost', () => {
  const lines = Array.from({ length: 500 }, (_, i) => line(50 + (i % 400), String.fromCharCode(97 + (i % 26))));
  const chunks = joinInChunks(lines, 4096);
  expect(chunks.length).toBeGreaterThan(1);
  expect(chunks.join('')).toBe(lines.join(''));
  for (const chunk of chunks) {
    expect(chunk.length).toBeLessThanOrEqual(4096);
    expect(chunk.endsWith('\n')).toBe(true);
  }
});

test('a line longer than the limit goes alone; an empty batch gives no chunk', () => {
  expect(joinInChunks([line(10), line(100), line(10)], 50)).toEqual([line(10), line(100), line(10)]);
  expect(joinInChunks([])).toEqual([]);
});

test('the default keeps a chunk under V8 large-object size even in two-byte strings', () => {
  expect(CHUNK_CHARS * 2).toBeLessThan(128 * 1024);
  const lines = Array.from({ length: 400 }, () => line(450, 'é'));
  expect(joinInChunks(lines).every((c) => c.length <= CHUNK_CHARS)).toBe(true);
});
