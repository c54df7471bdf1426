// The Logstash shipper against peers that lose lines: one that accepts and
// closes at once, and one that accepts and never reads (half-open, as a
// vanished host looks from here). Every line written is counted once, as
// shipped or dropped; the peer's own count of what it received agrees with
// `shipped`; reconnects back off instead of spinning; the outage is reported
// once, not once per connection.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, expect, test, vi } from 'vitest';
import { LogstashStream } from '../../exporter/logging/logstash-stream.ts';

const servers: Server[] = [];
const peers: Socket[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const socket of peers.splice(0)) socket.destroy(); // a paused peer never reads our FIN: close would wait forever
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(onConnection: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    peers.push(socket);
    onConnection(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as { port: number }).port;
}

const line = (i: number) => `${JSON.stringify({ n: i, message: 'm'.repeat(200) })}\n`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a peer that accepts and closes at once: nothing counted as shipped, every line dropped, reconnects back off, one outage line', async () => {
  let connections = 0;
  let bytesReceived = 0;
  const port = await listen((socket) => {
    connections++;
    socket.on('data', (d: Buffer) => (bytesReceived += d.length));
    socket.destroy();
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const stream = new LogstashStream({ host: '127.0.0.1', port, maxBufferBytes: 100_000 });
  const started = Date.now();
  let produced = 0;
  while (Date.now() - started < 5000) {
    for (let i = 0; i < 20; i++) stream.write(line(produced++));
    await sleep(50);
  }
  const before = stream.stats;
  await stream.close(200);
  const stats = stream.stats;
  const outageLines = stderr.mock.calls.filter(([chunk]) => String(chunk).includes('logstash')).length;
  stderr.mockRestore();
  console.log(`accept-then-close drill: produced ${stats.produced}, shipped ${stats.shipped}, dropped ${stats.droppedBufferFull + stats.droppedDisconnected} (requeued ${before.requeued}), server received ${bytesReceived} bytes over ${connections} connections in 5 s, ${outageLines} outage line(s)`);
  expect(stats.produced).toBe(produced);
  expect(stats.shipped).toBe(0);
  expect(bytesReceived).toBe(0);
  expect(stats.shipped + stats.droppedBufferFull + stats.droppedDisconnected).toBe(produced);
  expect(stats.pending).toBe(0);
  expect(before.requeued).toBeGreaterThan(0); // lines written on a closing connection went back in line, not to "shipped"
  // 100 ms doubling: connects at about 0, 0.1, 0.3, 0.7, 1.5, 3.1 s; a reset on every connect would make dozens.
  expect(connections).toBeGreaterThanOrEqual(3);
  expect(connections).toBeLessThanOrEqual(8);
  expect(outageLines).toBe(1);
});

test('a half-open peer (accepts, never reads): the budget holds, and what it finally reads equals shipped', { timeout: 20_000 }, async () => {
  let peer: Socket | undefined;
  const port = await listen((socket) => {
    socket.pause();
    peer = socket;
  });
  const stream = new LogstashStream({ host: '127.0.0.1', port, maxBufferBytes: 512 * 1024, confirmAfterMs: 300 });
  await vi.waitFor(() => expect(stream.stats.connections).toBe(1), { timeout: 5000 });
  let produced = 0;
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 500; i++) stream.write(line(produced++));
    await sleep(25);
  }
  await sleep(500); // the kernel-accepted part passes the confirmation window
  const running = stream.stats;
  expect(running.shipped).toBeGreaterThan(0);
  expect(running.droppedBufferFull).toBeGreaterThan(0);
  expect(running.shipped + running.droppedBufferFull + running.droppedDisconnected + running.pending).toBe(produced);
  await stream.close(300); // the peer never acknowledges our FIN: cut after 300 ms

  // The peer wakes up and reads what TCP delivered.
  let received = '';
  const ended = new Promise<void>((resolve) => peer!.once('end', resolve).once('close', resolve));
  peer!.on('data', (d: Buffer) => (received += d.toString()));
  peer!.resume();
  await ended;
  const lines = received.split('\n').filter((l) => l !== '');
  const stats = stream.stats;
  console.log(`half-open drill: produced ${produced}, shipped ${stats.shipped}, dropped ${stats.droppedBufferFull} buffer_full + ${stats.droppedDisconnected} disconnected; the peer read ${lines.length} lines`);
  expect(stats.shipped + stats.droppedBufferFull + stats.droppedDisconnected).toBe(produced);
  expect(lines.length).toBe(stats.shipped);
  expect(lines.every((l) => JSON.parse(l).message.length === 200)).toBe(true);
});

test('a peer that stops reading mid-connection is given up after stallAfterMs, and the stream reconnects', { timeout: 20_000 }, async () => {
  let connections = 0;
  const port = await listen((socket) => {
    connections++;
    if (connections === 1) socket.pause(); // the first connection goes silent: no reads, no FIN, no reset
  });
  const stream = new LogstashStream({ host: '127.0.0.1', port, maxBufferBytes: 32 * 1024 * 1024, confirmAfterMs: 200, stallAfterMs: 500 });
  await vi.waitFor(() => expect(stream.stats.connections).toBe(1), { timeout: 5000 });
  let produced = 0;
  // More than loopback's socket buffers take, so Node holds bytes it cannot write.
  for (let round = 0; round < 20; round++) {
    for (let i = 0; i < 1000; i++) stream.write(line(produced++));
    await sleep(10);
  }
  await vi.waitFor(() => expect(stream.stats.connections).toBe(2), { timeout: 10_000, interval: 100 });
  const stats = stream.stats;
  console.log(`stall drill: produced ${produced}, ${stats.connections} connections, requeued ${stats.requeued}, shipped ${stats.shipped}`);
  expect(stats.requeued).toBeGreaterThan(0);
  expect(stats.shipped + stats.droppedBufferFull + stats.droppedDisconnected + stats.pending).toBe(produced);
  await stream.close(500);
});
