import { expect, test } from 'vitest';
import { CHUNK_CHARS, LineChunks } from '../../exporter/tracing/line-chunks.ts';

const line = (n: number, fill = 'x') => `${fill.repeat(n - 1)}\n`;
function chunksOf(lines: readonly string[], max?: number): string[] {
  const chunks = new LineChunks(max);
  for (const l of lines) chunks.add(l);
  return chunks.take();
}

test('whole lines in order, each chunk at most the limit, nothing lost', () => {
  const lines = Array.from({ length: 500 }, (_, i) => line(50 + (i % 400), String.fromCharCode(97 + (i % 26))));
  const chunks = chunksOf(lines, 4096);
  expect(chunks.length).toBeGreaterThan(1);
  expect(chunks.join('')).toBe(lines.join(''));
  for (const chunk of chunks) {
    expect(chunk.length).toBeLessThanOrEqual(4096);
    expect(chunk.endsWith('\n')).toBe(true);
  }
});

test('a line longer than the limit goes alone; nothing added gives no chunk', () => {
  expect(chunksOf([line(10), line(100), line(10)], 50)).toEqual([line(10), line(100), line(10)]);
  expect(chunksOf([])).toEqual([]);
});

test('text beyond ASCII comes back as it went in, across takes and a grown buffer', () => {
  const chunks = new LineChunks(4096);
  const first = ['é'.repeat(100) + '\n', '😀 日本\n', line(9000, 'ü')];
  for (const l of first) chunks.add(l);
  expect(chunks.take().join('')).toBe(first.join(''));
  chunks.add('after\n');
  expect(chunks.take()).toEqual(['after\n']);
  expect(chunks.take()).toEqual([]);
});

test('the default keeps a chunk under V8 large-object size even in two-byte strings', () => {
  expect(CHUNK_CHARS * 2).toBeLessThan(128 * 1024);
  const lines = Array.from({ length: 400 }, () => line(450, 'é'));
  const chunks = chunksOf(lines);
  expect(chunks.join('')).toBe(lines.join(''));
  expect(chunks.every((c) => c.length <= CHUNK_CHARS)).toBe(true);
});
