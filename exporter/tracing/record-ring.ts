// A single-producer, single-consumer ring of variable-length records in a
// SharedArrayBuffer: the request thread writes, the telemetry worker reads,
// neither waits for the other and nothing is copied between them. The ring
// is preallocated and never grows: a record that does not fit is refused and
// the caller counts it as dropped.
//
// Layout: four Int32 control words, then `capacity` bytes of data (a power
// of two). `head` and `tail` count bytes written and read since the start
// (uint32, wrapping); only the producer moves head, only the consumer moves
// tail. A record never wraps around the end: when it would, the producer
// writes a skip marker and starts at offset 0.

const HEAD = 0;
const TAIL = 1;
/** Who is reading: 0 nobody, 1 the worker, 2 the request thread draining at exit. */
const READER = 2;
const CONTROL_BYTES = 16;
/** Marks the rest of the data area as unused; the record follows at offset 0. */
const SKIP = 0xffffffff;

export const READER_WORKER = 1;
export const READER_EXIT = 2;

/** Records start 8-byte aligned, so their fixed fields can be read through typed-array views. */
const align8 = (n: number) => (n + 7) & ~7;

export class RecordRing {
  readonly sab: SharedArrayBuffer;
  /** The data area, for writing and reading records in place. */
  readonly data: Buffer;
  readonly #control: Int32Array;
  readonly #mask: number;
  readonly capacity: number;
  /** Producer side: where the reserved record starts (head + any skip). */
  #reservedHead = 0;

  /** A new ring of `capacity` bytes (rounded up to a power of two, at least 64 KiB). */
  static create(capacity: number): RecordRing {
    const size = 2 ** Math.ceil(Math.log2(Math.max(capacity, 1 << 16)));
    return new RecordRing(new SharedArrayBuffer(CONTROL_BYTES + size));
  }

  /** The same ring seen from another thread. */
  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.#control = new Int32Array(sab, 0, CONTROL_BYTES / 4);
    this.capacity = sab.byteLength - CONTROL_BYTES;
    this.#mask = this.capacity - 1;
    this.data = Buffer.from(sab, CONTROL_BYTES, this.capacity);
  }

  /** Bytes waiting to be read. */
  get used(): number {
    return (Atomics.load(this.#control, HEAD) - Atomics.load(this.#control, TAIL)) >>> 0;
  }

  /**
   * Producer: the offset at which a record of at most `maxBytes` can be
   * written, or -1 when the ring has no room for it (the record is dropped).
   * Nothing is visible to the reader before commit().
   */
  reserve(maxBytes: number): number {
    const need = align8(maxBytes);
    const head = this.#control[HEAD]! >>> 0;
    const free = this.capacity - ((head - (Atomics.load(this.#control, TAIL) >>> 0)) >>> 0);
    const at = head & this.#mask;
    const toEnd = this.capacity - at;
    if (need <= toEnd) {
      if (need > free) return -1;
      this.#reservedHead = head;
      return at;
    }
    if (toEnd + need > free) return -1;
    this.data.writeUInt32LE(SKIP, at);
    this.#reservedHead = (head + toEnd) >>> 0;
    return 0;
  }

  /** Producer: publishes the record written at the reserved offset, `bytes` long. */
  commit(bytes: number): void {
    Atomics.store(this.#control, HEAD, (this.#reservedHead + align8(bytes)) | 0);
  }

  /**
   * Consumer: hands every committed record to `read(offset, length)` in
   * order, then frees their space. Returns how many were read. `reader`
   * says who reads; if the other reader holds the ring, nothing is read.
   */
  drain(read: (offset: number, length: number) => void, reader: number = READER_WORKER): number {
    if (Atomics.compareExchange(this.#control, READER, 0, reader) !== 0) return 0;
    let count = 0;
    try {
      const head = Atomics.load(this.#control, HEAD) >>> 0;
      let tail = this.#control[TAIL]! >>> 0;
      while (tail !== head) {
        const at = tail & this.#mask;
        const length = this.data.readUInt32LE(at);
        if (length === SKIP) {
          tail = (tail + this.capacity - at) >>> 0;
          continue;
        }
        read(at, length);
        count++;
        tail = (tail + align8(length)) >>> 0;
        // Space is freed record by record, so the producer can reuse it during a long drain.
        Atomics.store(this.#control, TAIL, tail | 0);
      }
    } finally {
      Atomics.store(this.#control, READER, 0);
      Atomics.notify(this.#control, READER);
    }
    return count;
  }

  /** Waits (blocking, at most `timeoutMs`) until the other reader lets go: used only at process exit. */
  waitForReader(timeoutMs: number): void {
    const holder = Atomics.load(this.#control, READER);
    if (holder !== 0) Atomics.wait(this.#control, READER, holder, timeoutMs);
  }
}
