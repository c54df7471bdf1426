// A pino destination that gathers the lines logged during one event-loop
// turn and hands them to the stream below as one write. Under load a turn
// serves many requests, and one write per line (an fs.write queued to the
// libuv pool, or a socket syscall) cost more than building the line itself.
// Lines wait at most until the end of the current turn, and never more than
// `maxPendingBytes`; the stream below keeps its own bound on what it buffers.
// Batches already joined (the telemetry worker's chunks of request lines)
// stay whole pieces, written in order between the joined single lines:
// appended to one string, a turn's chunks became a rope that sonic-boom
// flattened (Buffer.byteLength) into a fresh large string each turn, ~4 % of
// the request thread at 16k requests/s (perf, full instrumentation).
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
  /** What this turn gathered, in order: joined single lines, and whole batches as they came. */
  #pieces: string[] = [];
  /** Whether the last piece is single lines, which the next line joins. */
  #lastJoins = false;
  #pendingChars = 0;
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
    if (this.#lastJoins) this.#pieces[this.#pieces.length - 1] += line;
    else this.#pieces.push(line);
    this.#lastJoins = true;
    this.#added(line.length);
    return true;
  }

  /** Whole lines joined (a batch): a piece of its own, handed to the sink as it is. */
  writeLines(text: string): void {
    if (text.length === 0) return;
    this.#pieces.push(text);
    this.#lastJoins = false;
    this.#added(text.length);
  }

  #added(chars: number): void {
    this.#pendingChars += chars;
    if (this.#pendingChars >= this.#maxPendingBytes) this.#drain();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#onTurnEnd);
    }
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
    if (this.#pieces.length === 0) return;
    const pieces = this.#pieces;
    this.#pieces = [];
    this.#lastJoins = false;
    this.#pendingChars = 0;
    for (const piece of pieces) this.#sink.write(piece);
  }
}
