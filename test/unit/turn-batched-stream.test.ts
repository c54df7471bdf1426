// Log lines written once per event-loop turn: every line arrives, in order,
// in one write per turn; a flood within one turn is capped, not held; and
// lines logged just before process.exit() still reach stdout.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { TurnBatchedStream } from '../../exporter/logging/turn-batched-stream.ts';

const run = promisify(execFile);

function recordingSink() {
  const writes: string[] = [];
  let flushed = 0;
  return {
    writes,
    flushed: () => flushed,
    sink: {
      write: (s: string) => (writes.push(s), true),
      flush: (cb?: () => void) => (flushed++, cb?.()),
    },
  };
}

describe('TurnBatchedStream', () => {
  test('lines of one turn reach the sink as one write, in order, when the turn ends', async () => {
    const { writes, sink } = recordingSink();
    const stream = new TurnBatchedStream(sink);
    stream.write('a\n');
    stream.write('b\n');
    stream.write('c\n');
    expect(writes).toEqual([]); // nothing written mid-turn
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n']);
    stream.write('d\n');
    await nextTurn();
    expect(writes).toEqual(['a\nb\nc\n', 'd\n']);
  });

  test('a turn that logs more than the cap writes as it goes instead of holding it all', async () => {
    const { writes, sink } = recordingSink();
    const stream = new TurnBatchedStream(sink, 100);
    const line = `${'x'.repeat(39)}\n`; // 40 bytes
    for (let i = 0; i < 10; i++) stream.write(line);
    expect(writes.length).toBe(3); // three lines (120 bytes) per write, the tenth line waits for the turn's end
    expect(writes.every((w) => w.length >= 100 && w.length < 140)).toBe(true);
    await nextTurn();
    expect(writes.join('')).toBe(line.repeat(10));
  });

  test('batches of joined lines are handed over whole, in order between the single lines around them', async () => {
    const { writes, sink } = recordingSink();
    const stream = new TurnBatchedStream(sink);
    const batch1 = 'w1\nw2\n';
    const batch2 = 'w3\n';
    stream.write('a\n');
    stream.write('b\n');
    stream.writeLines(batch1);
    stream.writeLines(batch2);
    stream.writeLines(''); // an empty batch is no write
    stream.write('c\n');
    expect(writes).toEqual([]);
    await nextTurn();
    // Each batch is a write of its own, not appended to a rope the sink would flatten again.
    expect(writes).toEqual(['a\nb\n', batch1, batch2, 'c\n']);
  });

  test('batches count towards the cap like lines', () => {
    const { writes, sink } = recordingSink();
    const stream = new TurnBatchedStream(sink, 100);
    stream.write('a\n');
    stream.writeLines(`${'x'.repeat(99)}\n`);
    expect(writes).toEqual(['a\n', `${'x'.repeat(99)}\n`]);
  });

  test('flush hands the pending lines over before asking the sink to flush', () => {
    const { writes, sink, flushed } = recordingSink();
    const stream = new TurnBatchedStream(sink);
    stream.write('last words\n');
    let done = false;
    stream.flush(() => (done = true));
    expect(writes).toEqual(['last words\n']);
    expect(flushed()).toBe(1);
    expect(done).toBe(true);
  });

  test('lines logged right before process.exit() are written (no next turn to wait for)', async () => {
    const script = `
      import { createLogger } from './exporter/logging/ecs-logger.ts';
      const { logger } = createLogger({ serviceName: 'exit-test' });
      for (let i = 0; i < 1000; i++) logger.info({ i }, 'line ' + i);
      process.exit(0);
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), maxBuffer: 16 * 1024 * 1024 });
    const lines = stdout.split('\n').filter((l) => l !== '');
    expect(lines.length).toBe(1000);
    expect(lines.map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([...Array(1000).keys()]);
  });
});
