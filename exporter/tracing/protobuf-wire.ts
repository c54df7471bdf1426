// Protobuf wire primitives over a byte array: each writes at `p` and
// returns the position after what it wrote, so a caller that knows its
// buffer is large enough keeps the position in a local variable. The
// growing writer (record-protobuf.ts) and the encoder of spans in the ring
// (span-in-ring.ts) both write through these, and the request lines rendered
// in the ring (line-in-ring.ts) copy bytes and ASCII with them.
import { hrTime } from './record-span.ts';

export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** Bytes of a uint32 as a varint. */
export const varintSize = (v: number): number => (v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : v < 1 << 21 ? 3 : v < 1 << 28 ? 4 : 5);

/** A uint32 as a varint. */
export function putVarint(buf: Uint8Array, p: number, value: number): number {
  let v = value >>> 0;
  while (v > 127) {
    buf[p++] = (v & 127) | 128;
    v >>>= 7;
  }
  buf[p++] = v;
  return p;
}

export function putFixed32(buf: Uint8Array, p: number, value: number): number {
  buf[p] = value;
  buf[p + 1] = value >>> 8;
  buf[p + 2] = value >>> 16;
  buf[p + 3] = value >>> 24;
  return p + 4;
}

/** Epoch milliseconds as fixed64 nanoseconds, rounded as the SDK's HrTime (whole seconds, then nanoseconds). */
export function putTimeNanos(buf: Uint8Array, p: number, ms: number): number {
  const [seconds, nanos] = hrTime(ms);
  // seconds·1e9 + nanos exceeds 2^53: split the seconds in 16-bit halves so every product is exact.
  const fromLow = (seconds & 0xffff) * 1e9 + nanos;
  const fromHigh = Math.floor(seconds / 65536) * 1e9;
  const low = (fromLow % 4294967296) + (fromHigh % 65536) * 65536;
  const high = Math.floor(fromLow / 4294967296) + Math.floor(fromHigh / 65536) + Math.floor(low / 4294967296);
  return putFixed32(buf, putFixed32(buf, p, low >>> 0), high >>> 0);
}

/** `n` bytes of `src` from `from`, as they are. A loop: the pieces of a span are a few dozen bytes, where a native copy's call costs more. */
export function putBytes(buf: Uint8Array, p: number, src: Uint8Array, from: number, n: number): number {
  for (let i = from, end = from + n; i < end; i++) buf[p++] = src[i]!;
  return p;
}

/** The characters of a string known to be ASCII. */
export function putAscii(buf: Uint8Array, p: number, s: string): number {
  for (let i = 0, n = s.length; i < n; i++) buf[p++] = s.charCodeAt(i);
  return p;
}

/** `chars` hex digits of `src` from `from` (an id in the ring) as `chars / 2` bytes. */
export function putHex(buf: Uint8Array, p: number, src: Uint8Array, from: number, chars: number): number {
  for (let i = from, end = from + chars; i < end; i += 2) buf[p++] = (NIBBLE[src[i]! & 127]! << 4) | NIBBLE[src[i + 1]! & 127]!;
  return p;
}

/** The value of a hex digit's character code (ids are valid hex: the request thread made or checked them). */
export const NIBBLE = new Uint8Array(128);
for (let c = 0; c < 128; c++) NIBBLE[c] = c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : c >= 97 && c <= 102 ? c - 87 : 0;
