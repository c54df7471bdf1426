// One request as the request thread records it: fixed fields at fixed
// offsets, then the strings (route, target, headers the conventions name,
// attributes the app set on the span) as length-prefixed UTF-8, written in
// place into the record ring. The telemetry worker decodes the same layout
// into a span and a log line. Control records (a logger's base fields, more
// secret names) travel in the same ring, so they reach the worker in order.
import { HTTP_METHODS } from '../../catalog/http.ts';
import type { RecordRing } from './record-ring.ts';

export const KIND_REQUEST = 1;
export const KIND_CONTROL = 2;

/** Record flags. */
export const SAMPLED_SPAN = 1;
export const LOG_LINE = 2;
export const HAS_IDS = 4;
export const HAS_PARENT = 8;
export const REMOTE_PARENT = 16;
export const ENCRYPTED = 32;

// Fixed part (8-byte aligned, read and written through typed-array views):
// u32 length | u8 kind, flags, method, traceFlags | u16 status, logger | u32 blob bytes | f64 start | f64 end |
// u32 × STRINGS lengths in UTF-16 units (ABSENT when undefined), then the blob: the ids and every string
// concatenated and written as UTF-8 in one call (one native call per record instead of one per field).
const W_LENGTH = 0;
const B_KIND = 4;
const B_FLAGS = 5;
const B_METHOD = 6;
const B_TRACE_FLAGS = 7;
const H_STATUS = 4;
const H_LOGGER = 5;
const W_BLOB = 3;
const D_START = 2;
const D_END = 3;
const W_STRINGS = 8;
const STRINGS = 10;
const FIXED = (W_STRINGS + STRINGS) * 4;
/** Length of an absent string. */
const ABSENT = 0xffffffff;
/** Longest string kept (characters): longer header values and targets are cut, so one request cannot take the ring. */
export const MAX_STRING = 16 * 1024;
/** Longest JSON of the attributes and events an app set on the span. */
export const MAX_EXTRAS = 64 * 1024;
const ID_CHARS = 32 + 16 + 16;

/** Typed views over a ring's data area, made once per ring. */
const views = new WeakMap<Buffer, { u8: Uint8Array; u16: Uint16Array; u32: Uint32Array; f64: Float64Array }>();
function viewsOf(b: Buffer) {
  let v = views.get(b);
  if (v === undefined) {
    const { buffer, byteOffset, byteLength } = b;
    v = { u8: b, u16: new Uint16Array(buffer, byteOffset, byteLength >> 1), u32: new Uint32Array(buffer, byteOffset, byteLength >> 2), f64: new Float64Array(buffer, byteOffset, byteLength >> 3) };
    views.set(b, v);
  }
  return v;
}

/** What the app added to the server span through the API, carried as JSON. */
export interface SpanExtras {
  /** Attributes set with setAttribute(s). */
  a?: Record<string, unknown>;
  /** Events: name, time (epoch ms), attributes. */
  e?: { n: string; t: number; a?: Record<string, unknown> }[];
  /** Status the app set: code and message. */
  s?: { c: number; m?: string };
  /** Name the app gave the span (updateName). */
  n?: string;
}

/** A request record as the worker reads it. */
export interface RequestRecord {
  readonly flags: number;
  readonly method: (typeof HTTP_METHODS)[number];
  readonly traceFlags: number;
  readonly status: number;
  readonly loggerId: number;
  /** Epoch milliseconds (fractional). */
  readonly startMs: number;
  readonly endMs: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly route: string | undefined;
  /** req.url when the request came in: the span's url.path and url.query. */
  readonly target: string;
  /** originalUrl when it ended: the log line's url.path. */
  readonly logTarget: string;
  readonly host: string | undefined;
  readonly userAgent: string | undefined;
  readonly clientAddress: string | undefined;
  readonly httpVersion: string;
  readonly methodOriginal: string | undefined;
  readonly traceState: string | undefined;
  readonly extras: SpanExtras | undefined;
}

const cut = (s: string | undefined, max: number) => (s === undefined || s.length <= max ? s : s.slice(0, max));
const len = (s: string | undefined) => (s === undefined ? ABSENT : s.length);

/**
 * Writes one request record; false when the ring is full (the caller counts
 * the drop). Positional arguments: this runs once per request and builds no
 * object. `logTarget` is undefined when it equals `target`; ids are all
 * three or none (the parent as 16 zeros when there is none).
 */
export function writeRequestRecord(
  ring: RecordRing,
  flags: number,
  method: number,
  traceFlags: number,
  status: number,
  loggerId: number,
  startMs: number,
  endMs: number,
  ids: string,
  route: string | undefined,
  target: string,
  logTarget: string | undefined,
  host: string | undefined,
  userAgent: string | undefined,
  clientAddress: string | undefined,
  httpVersion: string,
  methodOriginal: string | undefined,
  traceState: string | undefined,
  extras: string | undefined,
): boolean {
  if (target.length > MAX_STRING) target = target.slice(0, MAX_STRING);
  if (logTarget !== undefined && logTarget.length > MAX_STRING) logTarget = logTarget.slice(0, MAX_STRING);
  if (host !== undefined && host.length > MAX_STRING) host = host.slice(0, MAX_STRING);
  if (userAgent !== undefined && userAgent.length > MAX_STRING) userAgent = userAgent.slice(0, MAX_STRING);
  methodOriginal = cut(methodOriginal, MAX_STRING);
  if (extras !== undefined && extras.length > MAX_EXTRAS) extras = undefined;
  const blob = ids + (route ?? '') + target + (logTarget ?? '') + (host ?? '') + (userAgent ?? '') + (clientAddress ?? '') + httpVersion + (methodOriginal ?? '') + (traceState ?? '') + (extras ?? '');
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  const at = ring.reserve(FIXED + 3 * blob.length);
  if (at < 0) return false;
  const { u8, u16, u32, f64 } = viewsOf(ring.data);
  const w = at >> 2;
  const h = at >> 1;
  const d = at >> 3;
  u8[at + B_KIND] = KIND_REQUEST;
  u8[at + B_FLAGS] = flags;
  u8[at + B_METHOD] = method;
  u8[at + B_TRACE_FLAGS] = traceFlags;
  u16[h + H_STATUS] = status;
  u16[h + H_LOGGER] = loggerId;
  f64[d + D_START] = startMs;
  f64[d + D_END] = endMs;
  const l = w + W_STRINGS;
  u32[l] = len(route);
  u32[l + 1] = target.length;
  u32[l + 2] = len(logTarget);
  u32[l + 3] = len(host);
  u32[l + 4] = len(userAgent);
  u32[l + 5] = len(clientAddress);
  u32[l + 6] = httpVersion.length;
  u32[l + 7] = len(methodOriginal);
  u32[l + 8] = len(traceState);
  u32[l + 9] = len(extras);
  const bytes = blob.length === 0 ? 0 : ring.data.write(blob, at + FIXED, 'utf8');
  u32[w + W_BLOB] = bytes;
  u32[w + W_LENGTH] = FIXED + bytes;
  ring.commit(FIXED + bytes);
  return true;
}

/** Index of each string of a request record, in the order they are written. */
export const FIELD_ROUTE = 0;
export const FIELD_TARGET = 1;
export const FIELD_LOG_TARGET = 2;
export const FIELD_HOST = 3;
export const FIELD_USER_AGENT = 4;
export const FIELD_CLIENT_ADDRESS = 5;
export const FIELD_HTTP_VERSION = 6;
export const FIELD_METHOD_ORIGINAL = 7;
export const FIELD_TRACE_STATE = 8;
export const FIELD_EXTRAS = 9;

/**
 * An all-ASCII request record read where it lies in the ring
 * (readAsciiRecord): its fixed fields, and where each string starts and how
 * long it is (its UTF-8 bytes are its characters). Strings are decoded only
 * when asked for. One object is filled again for each record.
 */
export class AsciiRecord {
  flags = 0;
  method: (typeof HTTP_METHODS)[number] = 'GET';
  traceFlags = 0;
  status = 0;
  startMs = 0;
  endMs = 0;
  /** Where the ids (hex: trace, span, parent) start. */
  idsAt = 0;
  /** Where each string starts in the ring, by FIELD_*. */
  readonly starts = new Int32Array(STRINGS);
  /** Each string's length, by FIELD_*; -1 when it is absent. */
  readonly lengths = new Int32Array(STRINGS);

  /** Each field's last decoded string and its bytes: records repeat targets and hosts, and comparing a short string's bytes costs less than decoding it. */
  readonly #last: (string | undefined)[] = new Array(STRINGS).fill(undefined);
  readonly #lastBytes = new Uint8Array(STRINGS * MEMO_BYTES);

  /** The string `field` of the record read last from `b`, or undefined when absent. */
  string(b: Buffer, field: number): string | undefined {
    const n = this.lengths[field]!;
    if (n < 0) return undefined;
    const start = this.starts[field]!;
    if (n > MEMO_BYTES) return b.toString('latin1', start, start + n);
    const last = this.#last[field];
    const kept = this.#lastBytes;
    const k = field * MEMO_BYTES;
    if (last !== undefined && last.length === n) {
      let i = 0;
      while (i < n && b[start + i] === kept[k + i]) i++;
      if (i === n) return last;
    }
    for (let i = 0; i < n; i++) kept[k + i] = b[start + i]!;
    return (this.#last[field] = b.toString('latin1', start, start + n));
  }
}

/** Strings up to this many bytes are remembered by AsciiRecord.string. */
const MEMO_BYTES = 128;

/** Reads the request record at `at` into `into`; false, when the record is not all ASCII. */
export function readAsciiRecord(b: Buffer, at: number, into: AsciiRecord): boolean {
  const { u8, u16, u32, f64 } = viewsOf(b);
  const flags = u8[at + B_FLAGS]!;
  const l = (at >> 2) + W_STRINGS;
  const blobAt = at + FIXED;
  let o = blobAt + ((flags & HAS_IDS) !== 0 ? ID_CHARS : 0);
  const { starts, lengths } = into;
  for (let i = 0; i < STRINGS; i++) {
    starts[i] = o;
    const n = u32[l + i]!;
    if (n === ABSENT) lengths[i] = -1;
    else {
      lengths[i] = n;
      o += n;
    }
  }
  // Any character beyond ASCII takes more bytes than UTF-16 units (a lone surrogate 3 for 1, a pair 4 for 2).
  if (o - blobAt !== u32[(at >> 2) + W_BLOB]) return false;
  into.flags = flags;
  into.method = HTTP_METHODS[u8[at + B_METHOD]!]!;
  into.traceFlags = u8[at + B_TRACE_FLAGS]!;
  into.status = u16[(at >> 1) + H_STATUS]!;
  into.startMs = f64[(at >> 3) + D_START]!;
  into.endMs = f64[(at >> 3) + D_END]!;
  into.idsAt = blobAt;
  return true;
}

/** Writes a control record (a JSON value); false when the ring is full. */
export function writeControlRecord(ring: RecordRing, value: unknown): boolean {
  const text = JSON.stringify(value);
  const at = ring.reserve(FIXED + 3 * text.length);
  if (at < 0) return false;
  const { u8, u32 } = viewsOf(ring.data);
  u8[at + B_KIND] = KIND_CONTROL;
  const bytes = ring.data.write(text, at + FIXED, 'utf8');
  u32[(at >> 2) + W_BLOB] = bytes;
  u32[at >> 2] = FIXED + bytes;
  ring.commit(FIXED + bytes);
  return true;
}

/** The kind of the record at `at`. */
export const recordKind = (b: Buffer, at: number): number => b[at + B_KIND]!;
/** The flags of the request record at `at`. */
export const recordFlags = (b: Buffer, at: number): number => b[at + B_FLAGS]!;
/** The access logger of the request record at `at`. */
export const recordLogger = (b: Buffer, at: number): number => viewsOf(b).u16[(at >> 1) + H_LOGGER]!;

const blobOf = (b: Buffer, at: number) => b.toString('utf8', at + FIXED, at + FIXED + viewsOf(b).u32[(at >> 2) + W_BLOB]!);

/** Decodes a control record's JSON value. */
export function readControlRecord(b: Buffer, at: number): unknown {
  return JSON.parse(blobOf(b, at));
}

export function readRequestRecord(b: Buffer, at: number): RequestRecord {
  const { u8, u16, u32, f64 } = viewsOf(b);
  const flags = u8[at + B_FLAGS]!;
  const blob = blobOf(b, at);
  const ids = (flags & HAS_IDS) !== 0;
  let o = ids ? ID_CHARS : 0;
  const l = (at >> 2) + W_STRINGS;
  const next = (i: number): string | undefined => {
    const n = u32[l + i]!;
    if (n === ABSENT) return undefined;
    const s = blob.slice(o, o + n);
    o += n;
    return s;
  };
  const route = next(0);
  const target = next(1)!;
  const logTarget = next(2);
  const host = next(3);
  const userAgent = next(4);
  const clientAddress = next(5);
  const httpVersion = next(6)!;
  const methodOriginal = next(7);
  const traceState = next(8);
  const extras = next(9);
  return {
    flags,
    method: HTTP_METHODS[u8[at + B_METHOD]!]!,
    traceFlags: u8[at + B_TRACE_FLAGS]!,
    status: u16[(at >> 1) + H_STATUS]!,
    loggerId: u16[(at >> 1) + H_LOGGER]!,
    startMs: f64[(at >> 3) + D_START]!,
    endMs: f64[(at >> 3) + D_END]!,
    traceId: ids ? blob.slice(0, 32) : '',
    spanId: ids ? blob.slice(32, 48) : '',
    parentSpanId: (flags & HAS_PARENT) !== 0 ? blob.slice(48, 64) : '',
    route,
    target,
    logTarget: logTarget ?? target,
    host,
    userAgent,
    clientAddress,
    httpVersion,
    methodOriginal,
    traceState,
    extras: extras === undefined ? undefined : (JSON.parse(extras) as SpanExtras),
  };
}
