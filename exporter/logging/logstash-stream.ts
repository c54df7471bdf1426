// A pino destination that ships log lines to Logstash's tcp input
// (codec json_lines) without ever making the app wait, and counts every line
// exactly once as shipped or dropped (by reason), so a silent gap in Kibana
// has a number on /metrics.
//
// What "shipped" means. json_lines over TCP has no acknowledgement, and a
// write's callback only says the kernel took the bytes. A line counts as
// shipped once its write completed on a connection that then stayed open for
// `confirmAfterMs` (default 1 s), or that we closed ourselves (close()): a
// peer that accepts and closes at once, or resets, shows itself within that
// window. Lines written on a connection that closes within the window are
// queued again (at least once: a peer that read them before closing sees
// them twice), within the same byte budget. A peer that vanishes without a
// reset (half-open) is found by `stallAfterMs` without write progress; lines
// the kernel had taken by then are counted as shipped, which they are if the
// peer comes back (TCP retransmits them), and lost if it never does: no
// protocol without acknowledgements can tell.
//
// Lines go into the socket once per event-loop turn while the bytes held
// (being written, unconfirmed, waiting for a connection) stay under a budget;
// past it they are dropped (`buffer_full` while connected, `disconnected`
// otherwise). Reconnects back off from 100 ms to 30 s, and the backoff is
// reset only by a connection that stayed open for the confirmation window, so
// a peer that accepts and closes at once is retried ever more slowly. The
// "unreachable" and "reachable again" lines go to stderr and the logger at
// most once per outage and once a minute.
import { connect, type Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { logRecordsDropped, logRecordsShipped } from '../../catalog/telemetry.ts';
import type { Logger } from '../logger.ts';
import { CounterFamily, type CounterSeries } from '../metric-family.ts';

export interface LogstashOptions {
  host: string;
  port: number;
  /** Bytes held for Logstash (written but unconfirmed, or waiting for a connection) before lines are dropped (default 8 MiB). */
  maxBufferBytes?: number;
  /** Receives the shipped and dropped counters. */
  registry?: Registry;
  /** Told once per outage, not per line. */
  logger?: Logger;
  /** How long a connection must stay open after a write for its lines to count as shipped (default 1000 ms). */
  confirmAfterMs?: number;
  /** A connection with bytes waiting and no write progress this long is given up as half-open (default 30 s). */
  stallAfterMs?: number;
  /** First reconnect delay (default 100 ms); doubles up to 30 s. */
  minBackoffMs?: number;
}

const MAX_BACKOFF_MS = 30_000;
/** State-change lines at most this often. */
const STATE_LOG_INTERVAL_MS = 60_000;

/** Lines handed to the socket in one write. */
interface Batch {
  readonly lines: readonly string[];
  /** Characters, the budget's measure (bytes only where the kernel's count is compared, at close). */
  readonly chars: number;
  /** When the write's callback ran (the kernel took every byte); undefined while it is pending. */
  writtenAt: number | undefined;
}

export interface LogstashStats {
  /** Lines given to write(). */
  produced: number;
  shipped: number;
  droppedBufferFull: number;
  droppedDisconnected: number;
  /** Lines held now (being written, unconfirmed, or waiting for a connection); 0 after close(). */
  pending: number;
  /** Lines queued again because their connection closed within the confirmation window. */
  requeued: number;
  /** Connections opened (successful connects). */
  connections: number;
}

export class LogstashStream {
  readonly #host: string;
  readonly #port: number;
  readonly #max: number;
  readonly #confirmAfterMs: number;
  readonly #stallAfterMs: number;
  readonly #minBackoffMs: number;
  #logger: Logger | undefined;
  #socket: Socket | undefined;
  #connected = false;
  /** Lines of this event-loop turn, written when it ends. */
  #turn: string[] = [];
  /** Written on the current connection, oldest first, not yet confirmed. */
  #inflight: Batch[] = [];
  /** Waiting for a connection. */
  #backlog: string[] = [];
  /** Characters held in #turn, #inflight and #backlog: the budget's measure. */
  #heldChars = 0;
  #backoff: number;
  #reconnect: NodeJS.Timeout | undefined;
  #confirmTimer: NodeJS.Timeout | undefined;
  #flushScheduled = false;
  #closed = false;
  /** Whether the outage in progress was reported; the times of the last reports. */
  #outageReported = false;
  #lastStateLog = -Infinity;
  #produced = 0;
  #requeued = 0;
  #connections = 0;
  readonly #shipped: CounterSeries;
  readonly #dropped: { buffer_full: CounterSeries; disconnected: CounterSeries };

  constructor(options: LogstashOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.#max = options.maxBufferBytes ?? 8 * 1024 * 1024;
    this.#confirmAfterMs = options.confirmAfterMs ?? 1000;
    this.#stallAfterMs = options.stallAfterMs ?? 30_000;
    this.#minBackoffMs = options.minBackoffMs ?? 100;
    this.#backoff = this.#minBackoffMs;
    this.#logger = options.logger;
    const familyOptions = { logger: options.logger ?? { warn() {} } };
    const shipped = new CounterFamily(logRecordsShipped, familyOptions);
    const dropped = new CounterFamily(logRecordsDropped, familyOptions);
    if (options.registry !== undefined) {
      shipped.register(options.registry);
      dropped.register(options.registry);
    }
    this.#shipped = shipped.labels({ destination: 'logstash' });
    this.#dropped = {
      buffer_full: dropped.labels({ destination: 'logstash', reason: 'buffer_full' }),
      disconnected: dropped.labels({ destination: 'logstash', reason: 'disconnected' }),
    };
    this.#connect();
  }

  /** Every line given to write() is, at any moment, shipped, dropped or pending. */
  get stats(): LogstashStats {
    const pending = this.#turn.length + this.#backlog.length + this.#inflight.reduce((n, b) => n + b.lines.length, 0);
    return {
      produced: this.#produced,
      shipped: this.#shipped.value,
      droppedBufferFull: this.#dropped.buffer_full.value,
      droppedDisconnected: this.#dropped.disconnected.value,
      pending,
      requeued: this.#requeued,
      connections: this.#connections,
    };
  }

  /** The logger told when Logstash is reachable again (the one writing to this stream is fine: it is connected then). */
  setLogger(logger: Logger): void {
    this.#logger = logger;
  }

  /** pino's destination contract: one call per serialised line (newline included). */
  write(line: string): boolean {
    this.#produced++;
    if (this.#closed) {
      this.#dropped.disconnected.inc();
      return true;
    }
    if (this.#heldChars + line.length > this.#max) {
      (this.#connected ? this.#dropped.buffer_full : this.#dropped.disconnected).inc();
      return true;
    }
    this.#heldChars += line.length;
    if (!this.#connected) {
      this.#backlog.push(line);
      return true;
    }
    this.#turn.push(line);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
    return true;
  }

  /** pino's logger.flush(): write this turn's lines now. */
  flush(): void {
    this.#flush();
  }

  /**
   * Writes what is held, ends the connection and waits up to `timeoutMs` for
   * it to close. Lines the kernel took count as shipped (we closed the
   * connection, not the peer), the rest as dropped (`disconnected`).
   */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    clearTimeout(this.#reconnect);
    clearTimeout(this.#confirmTimer);
    const socket = this.#socket;
    if (socket !== undefined && this.#connected) {
      let failed = false;
      socket.once('error', () => (failed = true));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        socket.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        socket.end();
      });
      this.#settleAtClose(socket, failed);
    }
    socket?.destroy();
    this.#dropAll(this.#turn.length + this.#backlog.length + this.#inflight.reduce((n, b) => n + b.lines.length, 0));
  }

  #flush(): void {
    const socket = this.#socket;
    if (this.#turn.length === 0 || socket === undefined || !this.#connected) return;
    const lines = this.#turn;
    this.#turn = [];
    const data = lines.join('');
    const batch: Batch = { lines, chars: data.length, writtenAt: undefined };
    this.#inflight.push(batch);
    socket.write(data, (err) => {
      if (err !== undefined && err !== null) return; // the close handler queues it again
      batch.writtenAt = Date.now();
      this.#scheduleConfirm();
    });
  }

  #scheduleConfirm(): void {
    if (this.#confirmTimer !== undefined) return;
    const oldest = this.#inflight.find((b) => b.writtenAt !== undefined);
    if (oldest === undefined) return;
    this.#confirmTimer = setTimeout(() => {
      this.#confirmTimer = undefined;
      this.#confirm();
    }, Math.max(0, oldest.writtenAt! + this.#confirmAfterMs - Date.now()));
    this.#confirmTimer.unref();
  }

  /** Batches written long enough ago on a connection still open are shipped. */
  #confirm(): void {
    const now = Date.now();
    while (this.#inflight.length > 0) {
      const batch = this.#inflight[0]!;
      if (batch.writtenAt === undefined || now - batch.writtenAt < this.#confirmAfterMs) break;
      this.#inflight.shift();
      this.#heldChars -= batch.chars;
      this.#shipped.inc(batch.lines.length);
    }
    this.#scheduleConfirm();
  }

  /** At close: what the kernel took is shipped (unless the peer reset); of a batch cut midway, the whole lines that got out. */
  #settleAtClose(socket: Socket, failed: boolean): void {
    if (failed) return; // everything still held is dropped by the caller
    // Bytes the kernel took: what Node handed to libuv minus what libuv still queues (Node's own
    // counters; the public bytesWritten includes what is still buffered).
    const internals = socket as unknown as { _bytesDispatched?: number; _handle?: { writeQueueSize?: number } | null };
    let dispatched = (internals._bytesDispatched ?? socket.bytesWritten - socket.writableLength) - (internals._handle?.writeQueueSize ?? 0);
    for (const batch of this.#inflight.splice(0)) {
      let shipped = 0;
      for (const line of batch.lines) {
        const bytes = Buffer.byteLength(line);
        if (bytes > dispatched) break;
        dispatched -= bytes;
        shipped++;
      }
      this.#heldChars -= batch.chars;
      this.#shipped.inc(shipped);
      this.#dropped.disconnected.inc(batch.lines.length - shipped);
      if (shipped < batch.lines.length) dispatched = 0;
    }
  }

  #dropAll(count: number): void {
    this.#dropped.disconnected.inc(count);
    this.#turn = [];
    this.#backlog = [];
    this.#inflight = [];
    this.#heldChars = 0;
  }

  #connect(): void {
    if (this.#closed) return;
    const socket = connect({ host: this.#host, port: this.#port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.unref(); // shipping logs never keeps the process alive
    let established: NodeJS.Timeout | undefined;
    socket.once('connect', () => {
      this.#connected = true;
      this.#connections++;
      // No write progress for stallAfterMs with bytes waiting: the peer is gone without a reset.
      socket.setTimeout(this.#stallAfterMs, () => {
        if (socket.writableLength > 0) socket.destroy(new Error('no write progress: peer stalled or half-open'));
      });
      // Only a connection that stays up ends the outage: then the backoff starts over and recovery is reported.
      established = setTimeout(() => {
        this.#backoff = this.#minBackoffMs;
        if (this.#outageReported) this.#reportState('logstash reachable again');
        this.#outageReported = false;
      }, this.#confirmAfterMs);
      established.unref();
      if (this.#backlog.length > 0) {
        this.#turn = [...this.#backlog, ...this.#turn];
        this.#backlog = [];
        this.#flush();
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (this.#closed || this.#outageReported) return;
      this.#outageReported = true;
      this.#reportState('logstash unreachable: buffering, then dropping log lines', err.code ?? err.message);
    });
    socket.once('close', () => {
      clearTimeout(established);
      clearTimeout(this.#confirmTimer);
      this.#confirmTimer = undefined;
      const wasConnected = this.#connected;
      this.#connected = false;
      this.#socket = undefined;
      if (this.#closed) return;
      if (wasConnected) this.#requeueUnconfirmed();
      if (wasConnected && !this.#outageReported) {
        // Closed by the peer: an outage too (the error handler reports resets; a clean close is reported here).
        this.#outageReported = true;
        this.#reportState('logstash closed the connection: buffering, then dropping log lines');
      }
      this.#reconnect = setTimeout(() => this.#connect(), this.#backoff);
      this.#reconnect.unref();
      this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    });
  }

  /** The connection closed within the confirmation window of these lines: they wait for the next one, first in line. */
  #requeueUnconfirmed(): void {
    const lines = [...this.#inflight.flatMap((b) => b.lines), ...this.#turn];
    this.#requeued += lines.length - this.#turn.length;
    this.#inflight = [];
    this.#turn = [];
    this.#backlog = [...lines, ...this.#backlog];
  }

  /** Written to stderr, not through the logger, when the stream is failing (the line must not loop back into it); at most once a minute. */
  #reportState(message: string, error?: string): void {
    const now = Date.now();
    if (now - this.#lastStateLog < STATE_LOG_INTERVAL_MS) return;
    this.#lastStateLog = now;
    const fields = { 'server.address': this.#host, 'server.port': this.#port, ...(error !== undefined && { 'error.message': error }) };
    if (message.includes('again')) this.#logger?.info?.(fields, message);
    else process.stderr.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': 'warn', message, ...fields })}\n`);
  }
}
