// Request records (request-record.ts) straight to an OTLP/protobuf
// ExportTraceServiceRequest: the bytes the SDK's ProtobufTraceSerializer
// writes for the same spans (a test compares them byte for byte), without
// the SDK's per-span objects (ReadableSpan, HrTime pairs, id buffers) and
// its second pass to size the buffer. The resource and scope are encoded
// once per batch. Field numbers: opentelemetry/proto/trace/v1/trace.proto.
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { FIXED32, FIXED64, LEN, NIBBLE, putAscii, putBytes, putFixed32, putTimeNanos, putVarint, VARINT } from './protobuf-wire.ts';
import { HAS_PARENT, REMOTE_PARENT, type RequestRecord } from './request-record.ts';
import { recordAttributes, recordEvents, recordSpanName, recordStatus, recordTraceState } from './record-span.ts';

/** OTLP's SPAN_KIND_SERVER. */
export const KIND_SERVER = 2;
/** Span.flags: the context says whether the parent is remote, and whether it is. */
const FLAGS_HAS_IS_REMOTE = 0x100;
const FLAGS_IS_REMOTE = 0x200;

/** A server span's Span.flags, from a record's flags and trace flags: the trace flags and whether its parent is remote. */
export const spanFlags = (flags: number, traceFlags: number): number => (traceFlags & 0xff) | FLAGS_HAS_IS_REMOTE | ((flags & HAS_PARENT) !== 0 && (flags & REMOTE_PARENT) !== 0 ? FLAGS_IS_REMOTE : 0);
/** Strings up to this length are checked and copied in JavaScript; longer ones by Buffer's native UTF-8 writer. */
const SHORT_STRING = 64;

/** A growing buffer with protobuf's wire primitives. Nested messages reserve one length byte and move their bytes when the length needs more. */
class ProtobufWriter {
  buf: Buffer;
  pos = 0;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  tag(field: number, wire: number): void {
    this.varint32((field << 3) | wire);
  }

  varint32(value: number): void {
    this.ensure(5);
    this.pos = putVarint(this.buf, this.pos, value);
  }

  /** An int64 varint of a safe integer, negatives in two's complement (ten bytes). */
  varint64(value: number): void {
    if (value >= 0 && value <= 0xffffffff) return this.varint32(value);
    this.ensure(10);
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 4294967296) >>> 0;
    if (value < 0) {
      low = (~low + 1) >>> 0;
      high = (~high + (low === 0 ? 1 : 0)) >>> 0;
    }
    while (high > 0 || low > 127) {
      this.buf[this.pos++] = (low & 127) | 128;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    this.buf[this.pos++] = low;
  }

  fixed32(value: number): void {
    this.ensure(4);
    this.pos = putFixed32(this.buf, this.pos, value);
  }

  /** Epoch milliseconds as fixed64 nanoseconds (protobuf-wire.ts). */
  timeNanos(ms: number): void {
    this.ensure(8);
    this.pos = putTimeNanos(this.buf, this.pos, ms);
  }

  double(value: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  string(s: string): void {
    const n = s.length;
    if (n <= SHORT_STRING) {
      let ascii = true;
      for (let i = 0; i < n; i++) if (s.charCodeAt(i) > 127) { ascii = false; break; }
      if (ascii) {
        this.varint32(n);
        this.ensure(n);
        this.pos = putAscii(this.buf, this.pos, s);
        return;
      }
    }
    // Lone surrogates become U+FFFD in both, as with the SDK's TextEncoder.
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint32(bytes);
    this.ensure(bytes);
    this.pos += this.buf.write(s, this.pos, bytes, 'utf8');
  }

  /** Hex (a trace or span id) as bytes. */
  hexBytes(hex: string): void {
    const n = hex.length >> 1;
    this.varint32(n);
    this.ensure(n);
    const { buf } = this;
    let p = this.pos;
    for (let i = 0; i < hex.length; i += 2) buf[p++] = (NIBBLE[hex.charCodeAt(i) & 127]! << 4) | NIBBLE[hex.charCodeAt(i + 1) & 127]!;
    this.pos = p;
  }

  /** Bytes encoded before (an attribute key with its tag and length). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.pos = putBytes(this.buf, this.pos, bytes, 0, bytes.length);
  }

  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Starts a length-delimited message; returns where its length goes. */
  begin(field: number): number {
    this.tag(field, LEN);
    this.ensure(1);
    return this.pos++;
  }

  end(at: number): void {
    const length = this.pos - at - 1;
    if (length < 128) {
      this.buf[at] = length;
      return;
    }
    let size = 1;
    for (let v = length >>> 7; v > 0; v >>>= 7) size++;
    this.ensure(size - 1);
    this.buf.copyWithin(at + size, at + 1, this.pos);
    this.pos += size - 1;
    const end = this.pos;
    this.pos = at;
    this.varint32(length);
    this.pos = end;
  }
}

/** A KeyValue's key field (tag, length, UTF-8), per key: the kit's attribute names and an app's recur on every span. */
const keyFields = new Map<string, Uint8Array>();
/** Keys past this many are encoded each time: an app that makes keys from data must not grow the cache without bound. */
const MAX_CACHED_KEYS = 1024;

function writeKey(w: ProtobufWriter, key: string): void {
  const field = keyFields.get(key);
  if (field === undefined) {
    const start = w.pos;
    w.tag(1, LEN);
    w.string(key);
    if (keyFields.size < MAX_CACHED_KEYS) keyFields.set(key, new Uint8Array(w.buf.subarray(start, w.pos)));
    return;
  }
  w.raw(field);
}

function writeAttributes(w: ProtobufWriter, field: number, attributes: Attributes): void {
  for (const key in attributes) {
    if (!Object.hasOwn(attributes, key)) continue;
    const kv = w.begin(field);
    writeKey(w, key);
    const value = w.begin(2);
    writeAnyValue(w, attributes[key]);
    w.end(value);
    w.end(kv);
  }
}

/** An AnyValue's content, as the SDK writes attribute values (integers as int_value, other numbers as double_value). */
function writeAnyValue(w: ProtobufWriter, value: AttributeValue | undefined | null | object): void {
  if (typeof value === 'string') {
    w.tag(1, LEN);
    w.string(value);
  } else if (typeof value === 'boolean') {
    w.tag(2, VARINT);
    w.varint32(value ? 1 : 0);
  } else if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= -(2 ** 63) && value < 2 ** 63) {
      w.tag(3, VARINT);
      w.varint64(value);
    } else {
      w.tag(4, FIXED64);
      w.double(value);
    }
  } else if (value instanceof Uint8Array) {
    w.tag(7, LEN);
    w.bytes(value);
  } else if (Array.isArray(value)) {
    const array = w.begin(5);
    for (const item of value as unknown[]) {
      const at = w.begin(1);
      writeAnyValue(w, item as AttributeValue);
      w.end(at);
    }
    w.end(array);
  } else if (typeof value === 'object' && value !== null) {
    const list = w.begin(6);
    writeAttributes(w, 1, value as Attributes);
    w.end(list);
  }
}

function writeSpan(w: ProtobufWriter, r: RequestRecord, valueLengthLimit: number): void {
  const span = w.begin(2);
  w.tag(1, LEN);
  w.hexBytes(r.traceId);
  w.tag(2, LEN);
  w.hexBytes(r.spanId);
  const traceState = recordTraceState(r);
  if (traceState !== undefined) {
    w.tag(3, LEN);
    w.string(traceState);
  }
  const hasParent = (r.flags & HAS_PARENT) !== 0;
  if (hasParent) {
    w.tag(4, LEN);
    w.hexBytes(r.parentSpanId);
  }
  w.tag(5, LEN);
  w.string(recordSpanName(r));
  w.tag(6, VARINT);
  w.varint32(KIND_SERVER);
  w.tag(7, FIXED64);
  w.timeNanos(r.startMs);
  w.tag(8, FIXED64);
  w.timeNanos(r.endMs);
  writeAttributes(w, 9, recordAttributes(r, valueLengthLimit));
  w.tag(10, VARINT);
  w.varint32(0);
  if (r.extras?.e !== undefined) {
    for (const e of recordEvents(r)) {
      const event = w.begin(11);
      w.tag(1, FIXED64);
      w.timeNanos(e.timeMs);
      w.tag(2, LEN);
      w.string(e.name);
      writeAttributes(w, 3, e.attributes);
      w.tag(4, VARINT);
      w.varint32(0);
      w.end(event);
    }
  }
  w.tag(12, VARINT);
  w.varint32(0);
  w.tag(14, VARINT);
  w.varint32(0);
  const status = recordStatus(r);
  const statusAt = w.begin(15);
  if (status.message) {
    w.tag(2, LEN);
    w.string(status.message);
  }
  w.tag(3, VARINT);
  w.varint32(status.code);
  w.end(statusAt);
  w.tag(16, FIXED32);
  w.fixed32(spanFlags(r.flags, r.traceFlags));
  w.end(span);
}

/** Bytes a typical request span takes (about 440 for a short route), so a batch's buffer seldom grows. */
const SPAN_BYTES_ESTIMATE = 640;

/**
 * One ExportTraceServiceRequest of the records' SERVER spans, with one
 * resource and the kit's instrumentation scope (as the SDK groups the
 * middleware's spans). A record may come as its span already encoded
 * (span-in-ring.ts).
 */
export function encodeRecordSpans(records: readonly (RequestRecord | Uint8Array)[], resource: Attributes, scopeName: string, valueLengthLimit: number): Uint8Array {
  // As the SDK: no spans, an empty request.
  if (records.length === 0) return new Uint8Array(0);
  const w = new ProtobufWriter(1024 + records.length * SPAN_BYTES_ESTIMATE);
  const resourceSpans = w.begin(1);
  const resourceAt = w.begin(1);
  writeAttributes(w, 1, resource);
  w.tag(2, VARINT);
  w.varint32(0);
  w.end(resourceAt);
  const scopeSpans = w.begin(2);
  const scope = w.begin(1);
  w.tag(1, LEN);
  w.string(scopeName);
  w.end(scope);
  for (const r of records) {
    // A span encoded in the ring (span-in-ring.ts) is copied as it is.
    if (!(r instanceof Uint8Array)) writeSpan(w, r, valueLengthLimit);
    else {
      w.ensure(r.length);
      w.buf.set(r, w.pos);
      w.pos += r.length;
    }
  }
  w.end(scopeSpans);
  w.end(resourceSpans);
  return w.buf.subarray(0, w.pos);
}
