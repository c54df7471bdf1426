// Writes an exposition as UTF-8 bytes into 256 KiB chunks. A scrape of 10k
// histogram series is 170k lines: building one string per line and joining
// them cost most of the render in string flattening and garbage collection;
// copying pre-encoded pieces (metric name, label text, `le` bounds) and
// writing counts digit by digit does not. The chunks are written to the
// socket one by one, so no single multi-megabyte string is ever built.
const CHUNK_BYTES = 1 << 18;
/**
 * Chunks kept for the next scrape (up to 64 MiB). Without reuse a 100k-series
 * scrape allocates 247 MiB of fresh buffers, and that external memory drives
 * full GCs whose pauses were the longest event-loop blocks of a scrape.
 */
const MAX_POOLED = 256;
const pool: Buffer[] = [];
/** Owners beyond the first of an exposition's chunks (the last exposition kept for reuse is one): pooled only when the last lets go. */
const extraOwners = new WeakMap<readonly Buffer[], number>();

function allocChunk(need: number): Buffer {
  return need <= CHUNK_BYTES ? (pool.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(need);
}

/** One more owner of `chunks` (as `finish()` returned them): they stay out of the pool until each owner has released them. */
export function holdChunks(chunks: readonly Buffer[]): void {
  extraOwners.set(chunks, (extraOwners.get(chunks) ?? 0) + 1);
}

/**
 * Hands chunks back for reuse once nothing reads them any more (the response
 * finished, and no later scrape copies from them). Chunks of another size, or
 * past the pool's bound, are left to GC.
 */
export function releaseChunks(chunks: readonly Buffer[]): void {
  const others = extraOwners.get(chunks);
  if (others !== undefined) {
    if (others > 1) extraOwners.set(chunks, others - 1);
    else extraOwners.delete(chunks);
    return;
  }
  for (const c of chunks) {
    if (pool.length >= MAX_POOLED) return;
    if (c.byteOffset === 0 && c.buffer.byteLength === CHUNK_BYTES) pool.push(Buffer.from(c.buffer, 0, CHUNK_BYTES));
  }
}
/** Bytes the pool holds for the next scrape (for the benchmark's heap reading). */
export function pooledBytes(): number {
  return pool.length * CHUNK_BYTES;
}
const NEWLINE = 0x0a;
const ZERO = 0x30;

/**
 * Writers between scrapes. V8 embeds the writer a method was optimised for
 * in that method's code: once the writer dies, the next GC throws the code
 * away, and a scrape after a GC (every scrape, in a service) ran its hot
 * methods unoptimised, two to three times slower. Kept writers keep the code.
 */
const spareWriters: ExpositionWriter[] = [];
const MAX_SPARE_WRITERS = 4;
const EMPTY = Buffer.alloc(0);

/** An earlier exposition's chunks and where each starts in it, to copy from by offset. */
export interface WrittenChunks {
  readonly chunks: readonly Buffer[];
  readonly starts: readonly number[];
}

/** Where each chunk starts in the exposition they make up. */
export function chunkStarts(chunks: readonly Buffer[]): number[] {
  let at = 0;
  return chunks.map((c) => {
    const start = at;
    at += c.length;
    return start;
  });
}

export class ExpositionWriter {
  #chunks: Buffer[] = [];
  #buf: Buffer = EMPTY;
  #pos = 0;
  /** Bytes in `#chunks`: the current chunk starts there in the exposition. */
  #written = 0;
  #scratch = new Uint8Array(256);
  /** `#chunks.length` when `yieldDue()` last said yes. */
  #yieldedAt = 0;

  private constructor() {}

  /** A writer for one exposition, until `finish()`. */
  static open(): ExpositionWriter {
    const w = spareWriters.pop() ?? new ExpositionWriter();
    w.#buf = allocChunk(CHUNK_BYTES);
    return w;
  }

  /** True once per completed chunk: the renderer gives the event loop a turn then. */
  yieldDue(): boolean {
    if (this.#chunks.length === this.#yieldedAt) return false;
    this.#yieldedAt = this.#chunks.length;
    return true;
  }

  /** Bytes written so far: where the next write lands in the exposition. */
  get offset(): number {
    return this.#written + this.#pos;
  }

  /** Copies bytes `start` to `end` of an earlier exposition, across the chunk boundaries of either. */
  copy(from: WrittenChunks, start: number, end: number): void {
    const { chunks, starts } = from;
    let i = chunkAt(starts, start);
    for (let at = start; at < end; ) {
      let chunkEnd = starts[i]! + chunks[i]!.length;
      if (at >= chunkEnd) chunkEnd = starts[++i]! + chunks[i]!.length;
      if (this.#pos === this.#buf.length) this.#next(1);
      const n = Math.min(end, chunkEnd, at + this.#buf.length - this.#pos) - at;
      const inChunk = at - starts[i]!;
      chunks[i]!.copy(this.#buf, this.#pos, inChunk, inChunk + n);
      this.#pos += n;
      at += n;
    }
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.#pos + n > this.#buf.length) this.#next(n);
    // TypedArray#set: Buffer#copy validates its arguments on every call, a third of the cost of a short copy.
    this.#buf.set(b, this.#pos);
    this.#pos += n;
  }

  /** A sample's start, `head labels tail` (e.g. `x_bucket{` `a="b"` `,le="1"} `): three copies with one room check. */
  start(head: Uint8Array, labels: Uint8Array, tail: Uint8Array): void {
    const n = head.length + labels.length + tail.length;
    if (this.#pos + n > this.#buf.length) this.#next(n);
    const buf = this.#buf;
    let pos = this.#pos;
    buf.set(head, pos);
    pos += head.length;
    if (labels.length > 0) buf.set(labels, pos);
    pos += labels.length;
    buf.set(tail, pos);
    this.#pos = pos + tail.length;
  }

  /**
   * `a` and `b` as one piece, for a start that many lines share (a
   * histogram's `name_bucket{` and label text): one copy per line instead of
   * two. The view is the writer's scratch space, good until the next call.
   */
  join(a: Uint8Array, b: Uint8Array): Uint8Array {
    const n = a.length + b.length;
    if (this.#scratch.length < n) this.#scratch = new Uint8Array(Math.max(n, this.#scratch.length * 2));
    this.#scratch.set(a, 0);
    this.#scratch.set(b, a.length);
    return this.#scratch.subarray(0, n);
  }

  /** A sample's start from a joined prefix: `prefix tail`. */
  startJoined(prefix: Uint8Array, tail: Uint8Array): void {
    const n = prefix.length + tail.length;
    if (this.#pos + n > this.#buf.length) this.#next(n);
    this.#buf.set(prefix, this.#pos);
    this.#buf.set(tail, this.#pos + prefix.length);
    this.#pos += n;
  }

  /** Text known to be ASCII (a formatted number): a byte per character, without the UTF-8 encoder's call. */
  ascii(s: string): void {
    const n = s.length;
    if (this.#pos + n > this.#buf.length) this.#next(n);
    const buf = this.#buf;
    let pos = this.#pos;
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    this.#pos = pos;
  }

  text(s: string): void {
    const max = s.length * 3; // UTF-8 bytes per UTF-16 unit, at most
    if (this.#pos + max > this.#buf.length) this.#next(max);
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
  }

  /** A sample value: non-negative safe integers (counts) digit by digit, anything else as formatValue spells it. */
  value(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return this.ascii(formatValue(n));
    if (this.#pos + 16 > this.#buf.length) this.#next(16);
    if (n <= 0x7fffffff) return this.#int32(n | 0);
    const buf = this.#buf;
    let digits = 0;
    for (let m = n; m > 0; m = Math.floor(m / 10)) digits++;
    let at = this.#pos + digits;
    this.#pos = at;
    for (let m = n; m > 0; m = Math.floor(m / 10)) buf[--at] = ZERO + (m % 10);
  }

  /** Counts as they mostly are: in int32 range, where division is integer arithmetic instead of floating point. */
  #int32(n: number): void {
    const buf = this.#buf;
    let digits = 1;
    for (let m = n; m >= 10; m = (m / 10) | 0) digits++;
    let at = this.#pos + digits;
    this.#pos = at;
    let m = n;
    do {
      const q = (m / 10) | 0;
      buf[--at] = ZERO + (m - q * 10);
      m = q;
    } while (m > 0);
  }

  newline(): void {
    if (this.#pos + 1 > this.#buf.length) this.#next(1);
    this.#buf[this.#pos++] = NEWLINE;
  }

  /** The exposition's bytes; the writer is done and must not be used again. */
  finish(): Buffer[] {
    const chunks = this.#chunks;
    if (this.#pos > 0) chunks.push(this.#buf.subarray(0, this.#pos));
    else releaseChunks([this.#buf]);
    this.#chunks = [];
    this.#buf = EMPTY;
    this.#pos = 0;
    this.#written = 0;
    this.#yieldedAt = 0;
    if (spareWriters.length < MAX_SPARE_WRITERS) spareWriters.push(this);
    return chunks;
  }

  #next(need: number): void {
    if (this.#pos > 0) this.#chunks.push(this.#buf.subarray(0, this.#pos));
    this.#written += this.#pos;
    this.#buf = allocChunk(need);
    this.#pos = 0;
  }
}

/** The index of the chunk holding byte `offset`: the last start at or before it. */
function chunkAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Encoded once and reused on every scrape. */
export const encode = (s: string): Buffer => Buffer.from(s, 'utf8');

/** A sample value as both formats spell it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}
