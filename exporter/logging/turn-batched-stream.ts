// A pino destination that gathers the lines logged during one event-loop
// turn and hands them to the stream below as one write. Under load a turn
// serves many requests, and one write per line (an fs.write queued to the
// libuv pool, or a socket syscall) cost more than building the line itself.
// Lines wait at most until the end of the current turn, and never more than
// `maxPendingBytes`; the stream below keeps its own bound on what it buffers.
import type { DestinationStream } from 'pino';

/** What the batch is written to: sonic-boom (pino.destination) fits. */
export interface LineSink extends DestinationStream {
  /** Whole lines joined, where the sink takes them at once. */
  writeLines?(text: string): void;
  flush?(cb?: (err?: Error) => void): void;
  flushSync?(): void;
  end?(): void;
}

const DEFAULT_MAX_PENDING_BYTES = 256 * 1024;

// At exit there is no next turn: hand over what is pending and let the sink write it synchronously.
const live = new Set<WeakRef<TurnBatchedStream>>();
let exitHooked = false;
function flushAllAtExit(): void {
  for (const ref of live) {
    try {
      ref.deref()?.flushSync();
    } catch {
      // A sink that cannot write at exit (destroyed, not open yet) loses its last turn; exit goes on.
    }
  }
}

export class TurnBatchedStream implements DestinationStream {
  readonly #sink: LineSink;
  readonly #maxPendingBytes: number;
  #pending = '';
  #scheduled = false;
  readonly #onTurnEnd = () => {
    this.#scheduled = false;
    this.#drain();
  };

  constructor(sink: LineSink, maxPendingBytes = DEFAULT_MAX_PENDING_BYTES) {
    this.#sink = sink;
    this.#maxPendingBytes = maxPendingBytes;
    live.add(new WeakRef(this));
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', flushAllAtExit);
    }
  }

  write(line: string): boolean {
    this.#pending += line;
    if (this.#pending.length >= this.#maxPendingBytes) this.#drain();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
    return true;
  }

  /** Whole lines joined: gathered like one line. */
  writeLines(text: string): void {
    this.write(text);
  }

  /** Hands what this turn gathered to the sink, then lets the sink flush (pino's `logger.flush`). */
  flush(cb?: (err?: Error) => void): void {
    this.#drain();
    if (this.#sink.flush !== undefined) this.#sink.flush(cb);
    else cb?.();
  }

  /** For exit paths that cannot wait (pino calls it on fatal errors when the sink supports it). */
  flushSync(): void {
    this.#drain();
    this.#sink.flushSync?.();
  }

  end(): void {
    this.#drain();
    this.#sink.end?.();
  }

  #drain(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = '';
    this.#sink.write(batch);
  }
}
