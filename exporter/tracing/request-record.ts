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

// Fixed part: length u32 | kind u8 | flags u8 | method u8 | traceFlags u8 | status u16 | logger u16 | pad u32 | start f64 | end f64 | ids (hex, latin1).
const O_KIND = 4;
const O_FLAGS = 5;
const O_METHOD = 6;
const O_TRACE_FLAGS = 7;
const O_STATUS = 8;
const O_LOGGER = 10;
const O_START = 16;
const O_END = 24;
const O_TRACE_ID = 32;
const O_SPAN_ID = 64;
const O_PARENT_ID = 80;
const FIXED = 96;
/** Length prefix of an absent string. */
const ABSENT = 0xffffffff;
const STRINGS = 10;
/** Longest string kept (characters): longer header values and targets are cut, so one request cannot take the ring. */
export const MAX_STRING = 16 * 1024;
/** Longest JSON of the attributes and events an app set on the span. */
export const MAX_EXTRAS = 64 * 1024;

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

/**
 * Writes one request record; false when the ring is full (the caller counts
 * the drop). Positional arguments: this runs once per request and builds no
 * object. `logTarget` is undefined when it equals `target`.
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
  traceId: string | undefined,
  spanId: string | undefined,
  parentSpanId: string | undefined,
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
  target = cut(target, MAX_STRING)!;
  logTarget = cut(logTarget, MAX_STRING);
  host = cut(host, MAX_STRING);
  userAgent = cut(userAgent, MAX_STRING);
  methodOriginal = cut(methodOriginal, MAX_STRING);
  if (extras !== undefined && extras.length > MAX_EXTRAS) extras = undefined;
  // UTF-8 takes at most 3 bytes per UTF-16 unit.
  const max =
    FIXED +
    4 * STRINGS +
    3 *
      ((route?.length ?? 0) + target.length + (logTarget?.length ?? 0) + (host?.length ?? 0) + (userAgent?.length ?? 0) + (clientAddress?.length ?? 0) + httpVersion.length + (methodOriginal?.length ?? 0) + (traceState?.length ?? 0) + (extras?.length ?? 0));
  const at = ring.reserve(max);
  if (at < 0) return false;
  const b = ring.data;
  b[at + O_KIND] = KIND_REQUEST;
  b[at + O_FLAGS] = flags;
  b[at + O_METHOD] = method;
  b[at + O_TRACE_FLAGS] = traceFlags;
  b.writeUInt16LE(status, at + O_STATUS);
  b.writeUInt16LE(loggerId, at + O_LOGGER);
  b.writeDoubleLE(startMs, at + O_START);
  b.writeDoubleLE(endMs, at + O_END);
  if (traceId !== undefined) {
    b.write(traceId, at + O_TRACE_ID, 32, 'latin1');
    b.write(spanId!, at + O_SPAN_ID, 16, 'latin1');
    if (parentSpanId !== undefined) b.write(parentSpanId, at + O_PARENT_ID, 16, 'latin1');
  }
  let o = at + FIXED;
  o = str(b, o, route);
  o = str(b, o, target);
  o = str(b, o, logTarget);
  o = str(b, o, host);
  o = str(b, o, userAgent);
  o = str(b, o, clientAddress);
  o = str(b, o, httpVersion);
  o = str(b, o, methodOriginal);
  o = str(b, o, traceState);
  o = str(b, o, extras);
  b.writeUInt32LE(o - at, at);
  ring.commit(o - at);
  return true;
}

function str(b: Buffer, o: number, s: string | undefined): number {
  if (s === undefined) {
    b.writeUInt32LE(ABSENT, o);
    return o + 4;
  }
  const n = s.length === 0 ? 0 : b.write(s, o + 4, 'utf8');
  b.writeUInt32LE(n, o);
  return o + 4 + n;
}

/** Writes a control record (a JSON value); false when the ring is full. */
export function writeControlRecord(ring: RecordRing, value: unknown): boolean {
  const text = JSON.stringify(value);
  const at = ring.reserve(FIXED + 4 + 3 * text.length);
  if (at < 0) return false;
  const b = ring.data;
  b[at + O_KIND] = KIND_CONTROL;
  const end = str(b, at + FIXED, text);
  b.writeUInt32LE(end - at, at);
  ring.commit(end - at);
  return true;
}

/** The kind of the record at `at`. */
export const recordKind = (b: Buffer, at: number): number => b[at + O_KIND]!;

/** Decodes a control record's JSON value. */
export function readControlRecord(b: Buffer, at: number): unknown {
  const [text] = readStrings(b, at + FIXED, 1);
  return JSON.parse(text!);
}

function readStrings(b: Buffer, o: number, count: number): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (let i = 0; i < count; i++) {
    const n = b.readUInt32LE(o);
    o += 4;
    if (n === ABSENT) out.push(undefined);
    else {
      out.push(n === 0 ? '' : b.toString('utf8', o, o + n));
      o += n;
    }
  }
  return out;
}

export function readRequestRecord(b: Buffer, at: number): RequestRecord {
  const flags = b[at + O_FLAGS]!;
  const [route, target, logTarget, host, userAgent, clientAddress, httpVersion, methodOriginal, traceState, extras] = readStrings(b, at + FIXED, STRINGS);
  const ids = (flags & HAS_IDS) !== 0;
  return {
    flags,
    method: HTTP_METHODS[b[at + O_METHOD]!]!,
    traceFlags: b[at + O_TRACE_FLAGS]!,
    status: b.readUInt16LE(at + O_STATUS),
    loggerId: b.readUInt16LE(at + O_LOGGER),
    startMs: b.readDoubleLE(at + O_START),
    endMs: b.readDoubleLE(at + O_END),
    traceId: ids ? b.toString('latin1', at + O_TRACE_ID, at + O_TRACE_ID + 32) : '',
    spanId: ids ? b.toString('latin1', at + O_SPAN_ID, at + O_SPAN_ID + 16) : '',
    parentSpanId: (flags & HAS_PARENT) !== 0 ? b.toString('latin1', at + O_PARENT_ID, at + O_PARENT_ID + 16) : '',
    route,
    target: target!,
    logTarget: logTarget ?? target!,
    host,
    userAgent,
    clientAddress,
    httpVersion: httpVersion!,
    methodOriginal,
    traceState,
    extras: extras === undefined ? undefined : (JSON.parse(extras) as SpanExtras),
  };
}
