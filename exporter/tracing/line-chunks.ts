// The worker hands request lines back to the request thread in strings of at
// most CHUNK_CHARS (whole lines, in order). A larger string is a large object
// in V8: copying it into the request thread's heap maps fresh pages for every
// message and faults them in, and that copy was 2.9% of the request thread's
// CPU at 16k requests/s (one 140 KB string per 20 ms poll). In 32 KB strings
// it was 0.16% (perf, request lines only).
//
// Lines are written as UTF-8 into one reused buffer, most of them straight
// from the record ring (line-in-ring.ts), and each chunk is decoded once
// into a flat string: no line is a string of its own, and no rope of lines
// is flattened for postMessage.

/** Under V8's large-object threshold (128 KiB) for any mix of one- and two-byte strings. */
export const CHUNK_CHARS = 32 * 1024;

/** Whole lines as UTF-8, taken as strings of at most `max` characters (a longer line alone). */
export class LineChunks {
  /** Where lines are written: reserve() says where, commit() where the line ended. */
  buf: Buffer;
  #used = 0;
  readonly #chunks: string[] = [];
  readonly #max: number;

  constructor(max = CHUNK_CHARS) {
    this.#max = max;
    this.buf = Buffer.allocUnsafeSlow(2 * max);
  }

  /** Room for one line of at most `bound` bytes: where in `buf` to write it. The lines before it become a chunk when it may not fit. */
  reserve(bound: number): number {
    // Bytes are at least characters: a chunk within `max` bytes is within `max` characters.
    if (this.#used !== 0 && this.#used + bound > this.#max) this.#cut();
    if (this.#used + bound > this.buf.length) {
      const grown = Buffer.allocUnsafeSlow(this.#used + bound);
      this.buf.copy(grown, 0, 0, this.#used);
      this.buf = grown;
    }
    return this.#used;
  }

  /** The line written at reserve()'s position ends before `end`. */
  commit(end: number): void {
    this.#used = end;
  }

  /** A line that is a string already (well-formed: JSON escapes lone surrogates). */
  add(line: string): void {
    const at = this.reserve(3 * line.length);
    this.commit(at + this.buf.write(line, at, 'utf8'));
  }

  /** The chunks of every line since the last take, in order. */
  take(): string[] {
    if (this.#used !== 0) this.#cut();
    return this.#chunks.splice(0);
  }

  #cut(): void {
    this.#chunks.push(this.buf.toString('utf8', 0, this.#used));
    this.#used = 0;
    // A buffer grown for one long line is not kept.
    if (this.buf.length > 2 * this.#max) this.buf = Buffer.allocUnsafeSlow(2 * this.#max);
  }
}
