// A pino destination that ships log lines to Logstash's tcp input
// (codec json_lines) without ever making the app wait: lines go into the
// socket while its buffer is under a byte budget and are dropped past it,
// and while Logstash is unreachable a bounded backlog is kept for the
// reconnect. Every drop is counted by reason, so a silent gap in Kibana has
// a number on /metrics. Reconnects back off from 100 ms to 30 s.
import { connect, type Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { logRecordsDropped, logRecordsShipped } from '../../catalog/telemetry.ts';
import type { Logger } from '../logger.ts';
import { CounterFamily, type CounterSeries } from '../metric-family.ts';

export interface LogstashOptions {
  host: string;
  port: number;
  /** Bytes held for Logstash (in the socket or the backlog) before lines are dropped (default 8 MiB). */
  maxBufferBytes?: number;
  /** Receives the drop counters. */
  registry?: Registry;
  /** Told once per outage, not per line. */
  logger?: Logger;
}

const MIN_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 30_000;

export class LogstashStream {
  readonly #host: string;
  readonly #port: number;
  readonly #max: number;
  #logger: Logger | undefined;
  #socket: Socket | undefined;
  #connected = false;
  #backlog: string[] = [];
  #backlogBytes = 0;
  #backoff = MIN_BACKOFF_MS;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #warned = false;
  /** The socket corked for the current event-loop turn: its lines leave in one write when the turn ends. */
  #corked: Socket | undefined;
  readonly #uncork = () => {
    const socket = this.#corked;
    this.#corked = undefined;
    socket?.uncork();
  };
  readonly #shipped: CounterSeries;
  readonly #dropped: { buffer_full: CounterSeries; disconnected: CounterSeries };

  constructor(options: LogstashOptions) {
    this.#host = options.host;
    this.#port = options.port;
    this.#max = options.maxBufferBytes ?? 8 * 1024 * 1024;
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

  /** Lines handed to the connection and dropped so far (also on /metrics when a registry was given). */
  get stats(): { shipped: number; droppedBufferFull: number; droppedDisconnected: number } {
    return { shipped: this.#shipped.value, droppedBufferFull: this.#dropped.buffer_full.value, droppedDisconnected: this.#dropped.disconnected.value };
  }

  /** The logger told when Logstash is reachable again (the one writing to this stream is fine: it is connected then). */
  setLogger(logger: Logger): void {
    this.#logger = logger;
  }

  /** pino's destination contract: one call per serialised line (newline included). */
  write(line: string): boolean {
    if (this.#closed) return true;
    const socket = this.#socket;
    if (this.#connected && socket !== undefined) {
      if (socket.writableLength + line.length > this.#max) this.#dropped.buffer_full.inc();
      else {
        if (this.#corked !== socket) {
          this.#corked = socket;
          socket.cork();
          setImmediate(this.#uncork);
        }
        socket.write(line);
        this.#shipped.inc();
      }
    } else if (this.#backlogBytes + line.length > this.#max) {
      this.#dropped.disconnected.inc();
    } else {
      this.#backlog.push(line);
      this.#backlogBytes += line.length;
    }
    return true;
  }

  /** Waits up to `timeoutMs` for buffered lines to reach Logstash, then closes the connection. */
  async close(timeoutMs = 2000): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const socket = this.#socket;
    if (socket === undefined || !this.#connected) {
      socket?.destroy();
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        socket.destroy();
        resolve();
      }, timeoutMs);
      socket.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #connect(): void {
    if (this.#closed) return;
    const socket = connect({ host: this.#host, port: this.#port });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.unref(); // shipping logs never keeps the process alive
    socket.once('connect', () => {
      this.#connected = true;
      this.#backoff = MIN_BACKOFF_MS;
      if (this.#warned) this.#logger?.info?.({ 'server.address': this.#host, 'server.port': this.#port }, 'logstash reachable again');
      this.#warned = false;
      if (this.#backlog.length > 0) {
        socket.write(this.#backlog.join(''));
        this.#shipped.inc(this.#backlog.length);
        this.#backlog = [];
        this.#backlogBytes = 0;
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.#warned) {
        this.#warned = true;
        // Written to stderr, not through the logger: this line must not loop back into the stream that failed.
        process.stderr.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': 'warn', message: 'logstash unreachable: buffering, then dropping log lines', 'error.message': err.code ?? err.message, 'server.address': this.#host, 'server.port': this.#port })}\n`);
      }
    });
    socket.once('close', () => {
      this.#connected = false;
      this.#socket = undefined;
      if (this.#closed) return;
      this.#timer = setTimeout(() => this.#connect(), this.#backoff);
      this.#timer.unref();
      this.#backoff = Math.min(this.#backoff * 2, MAX_BACKOFF_MS);
    });
  }
}
