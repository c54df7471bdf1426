// Shared storage for the parts of a family's series that have one shape:
// label text as UTF-8 and histogram counts. An object per series cost more
// than its data (a Buffer of 90 bytes of label text takes ~200 bytes of heap,
// a Float64Array of 15 counts ~330 bytes); slabs shared by the series hold
// the same bytes with no object per series. Slabs start small (most families
// have a handful of series) and double up to a bound; a full slab is kept
// and a new one started, so stored data never moves.

const FIRST_SLAB_BYTES = 512;
const MAX_SLAB_BYTES = 64 * 1024;

/** Where `ByteSlabs.add` put a text: a slab and the range in it. */
export interface ByteRange {
  readonly slab: Buffer;
  readonly start: number;
  readonly end: number;
}

/** Append-only UTF-8 text, e.g. every series' label text of one family. */
export class ByteSlabs {
  #slab: Buffer = Buffer.alloc(0);
  #pos = 0;
  #nextSize = FIRST_SLAB_BYTES;

  add(text: string): ByteRange {
    const n = Buffer.byteLength(text, 'utf8');
    if (this.#pos + n > this.#slab.length) {
      this.#slab = Buffer.allocUnsafeSlow(Math.max(n, this.#nextSize));
      this.#pos = 0;
      this.#nextSize = Math.min(this.#nextSize * 2, MAX_SLAB_BYTES);
    }
    const start = this.#pos;
    this.#pos += this.#slab.write(text, start, 'utf8');
    return { slab: this.#slab, start, end: this.#pos };
  }
}

/** Fixed-size rows of numbers, zeroed, one row per series (e.g. a histogram's counts and sum). */
export class NumberSlabs {
  readonly #stride: number;
  #slab = new Float64Array(0);
  #used = 0;
  #nextRows: number;

  constructor(stride: number) {
    this.#stride = stride;
    this.#nextRows = Math.max(1, Math.floor(FIRST_SLAB_BYTES / 8 / stride));
  }

  /** A new row: the slab and the index of its first number. */
  add(): { slab: Float64Array; base: number } {
    if (this.#used + this.#stride > this.#slab.length) {
      this.#slab = new Float64Array(this.#nextRows * this.#stride);
      this.#used = 0;
      this.#nextRows = Math.max(1, Math.min(this.#nextRows * 2, Math.floor(MAX_SLAB_BYTES / 8 / this.#stride)));
    }
    const base = this.#used;
    this.#used += this.#stride;
    return { slab: this.#slab, base };
  }
}
