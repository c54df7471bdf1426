// The request line of a record still in the ring, written as UTF-8 straight
// into the worker's line chunks (line-chunks.ts): the bytes accessLine
// (access-line.ts) writes for the same record, with the record's ASCII
// strings copied from the ring and escaped as JSON.stringify escapes them,
// rather than decoded, built into a string and encoded again. A record with
// any other character is rendered by recordLine.
import { splitTarget } from '../redaction.ts';
import type { LineChunks } from '../tracing/line-chunks.ts';
import { putAscii, putBytes } from '../tracing/protobuf-wire.ts';
import { AsciiRecord, FIELD_CLIENT_ADDRESS, FIELD_HTTP_VERSION, FIELD_LOG_TARGET, FIELD_ROUTE, FIELD_TARGET, FIELD_USER_AGENT, HAS_IDS, readAsciiRecord } from '../tracing/request-record.ts';
import { levelOf } from './access-line.ts';
import { putIsoAt } from './timestamp.ts';

const QUOTE = 34;
const BACKSLASH = 92;
const HEX = Buffer.from('0123456789abcdef');
/** JSON.stringify's short escapes of control characters. */
const SHORT_ESCAPES: Record<number, number> = { 8: 98, 9: 116, 10: 110, 12: 102, 13: 114 };
/** Escaping makes at most six bytes of one ASCII character (`\u001f`), and of one UTF-16 unit. */
const ESCAPED = 6;

function putEscape(buf: Uint8Array, p: number, c: number): number {
  buf[p++] = BACKSLASH;
  if (c === QUOTE || c === BACKSLASH) buf[p++] = c;
  else if (SHORT_ESCAPES[c] !== undefined) buf[p++] = SHORT_ESCAPES[c];
  else {
    buf[p++] = 117; // u
    buf[p++] = 48;
    buf[p++] = 48;
    buf[p++] = HEX[c >> 4]!;
    buf[p++] = HEX[c & 15]!;
  }
  return p;
}

/** ASCII bytes as the inside of a JSON string. */
function putJsonBytes(buf: Uint8Array, p: number, src: Uint8Array, from: number, n: number): number {
  for (let i = from, end = from + n; i < end; i++) {
    const c = src[i]!;
    if (c >= 32 && c !== QUOTE && c !== BACKSLASH) buf[p++] = c;
    else p = putEscape(buf, p, c);
  }
  return p;
}

/** A string as the inside of a JSON string (censoring may have changed it: it is not read from the ring). */
function putJsonChars(buf: Buffer, p: number, s: string): number {
  const start = p;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 127) return start + buf.write(JSON.stringify(s).slice(1, -1), start, 'utf8');
    if (c >= 32 && c !== QUOTE && c !== BACKSLASH) buf[p++] = c;
    else p = putEscape(buf, p, c);
  }
  return p;
}

/** A non-negative safe integer's digits, or any number as String() writes it. */
function putNumber(buf: Uint8Array, p: number, n: number): number {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER && Number.isInteger(n))) return putAscii(buf, p, String(n));
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  const end = p + digits;
  for (let i = end - 1; i >= p; i--) {
    buf[i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

const text = (s: string) => Buffer.from(s, 'latin1');
// The line's fixed text between its values, in accessLine's order.
const LEVEL = text('{"log.level":"');
const TIMESTAMP = text('","@timestamp":"');
const BASE = text('",');
const TRACE = text(',"trace":{"id":"');
const SPAN = text('"},"span":{"id":"');
/** Ends a string that ends an object. */
const CLOSE = text('"}');
const DURATION = text(',"event":{"duration":');
const METHOD = text(',"dataset":"http.access"},"http":{"request":{"method":"');
const STATUS = text('"},"response":{"status_code":');
const ROUTE = text('},"route":"');
const VERSION_AFTER_ROUTE = text('","version":"');
const VERSION = text('},"version":"');
const PATH = text('"},"url":{"path":"');
const QUERY = text('","query":"');
const USER_AGENT = text(',"user_agent":{"original":"');
const CLIENT = text(',"client":{"address":"');
const MESSAGE = text(',"message":"');
const END = text('"}\n');
/** A constant piece of the line: most are a few bytes, which a loop copies faster than a native set(); the base fields are longer. */
const put = (buf: Uint8Array, p: number, bytes: Uint8Array) => (bytes.length < 64 ? putBytes(buf, p, bytes, 0, bytes.length) : (buf.set(bytes, p), p + bytes.length));
/** An object of one string field (`opening` up to the value's quote), its value `n` ASCII bytes of `src` from `from`. */
const putStringObject = (buf: Uint8Array, p: number, opening: Uint8Array, src: Uint8Array, from: number, n: number) => put(buf, putJsonBytes(buf, put(buf, p, opening), src, from, n), CLOSE);

/** The record being rendered (one at a time). */
const record = new AsciiRecord();

/**
 * Adds the request line of the record at `at` to `out`; false, adding
 * nothing, when the record is not all ASCII. `baseFields` is the logger's
 * base fields as UTF-8.
 */
export function addLineInRing(b: Buffer, at: number, baseFields: Uint8Array, out: LineChunks): boolean {
  const r = record;
  if (!readAsciiRecord(b, at, r)) return false;
  const { starts, lengths, status } = r;
  const routeLength = lengths[FIELD_ROUTE]!;
  const versionLength = lengths[FIELD_HTTP_VERSION]!;
  const userAgentLength = lengths[FIELD_USER_AGENT]!;
  const clientLength = lengths[FIELD_CLIENT_ADDRESS]!;
  // The line's path is the target when the request ended (originalUrl), when it differs from the span's.
  const { path, query } = splitTarget(r.string(b, lengths[FIELD_LOG_TARGET]! >= 0 ? FIELD_LOG_TARGET : FIELD_TARGET)!);
  const bound = 400 + baseFields.length + ESCAPED * (2 * path.length + (query?.length ?? 0) + routeLength + versionLength + userAgentLength + clientLength);
  let p = out.reserve(bound);
  const buf = out.buf;
  p = put(buf, p, LEVEL);
  p = putAscii(buf, p, levelOf(status));
  p = put(buf, p, TIMESTAMP);
  p = putIsoAt(buf, p, r.endMs);
  p = put(buf, p, BASE);
  p = put(buf, p, baseFields);
  if ((r.flags & HAS_IDS) !== 0) {
    const ids = r.idsAt;
    p = put(buf, p, TRACE);
    p = putBytes(buf, p, b, ids, 32);
    p = put(buf, p, SPAN);
    p = putBytes(buf, p, b, ids + 32, 16);
    p = put(buf, p, CLOSE);
  }
  p = put(buf, p, DURATION);
  p = putNumber(buf, p, Math.round((r.endMs - r.startMs) * 1e6));
  p = put(buf, p, METHOD);
  p = putAscii(buf, p, r.method);
  p = put(buf, p, STATUS);
  p = putNumber(buf, p, status);
  if (routeLength >= 0) {
    p = put(buf, p, ROUTE);
    p = putJsonBytes(buf, p, b, starts[FIELD_ROUTE]!, routeLength);
    p = put(buf, p, VERSION_AFTER_ROUTE);
  } else p = put(buf, p, VERSION);
  p = putJsonBytes(buf, p, b, starts[FIELD_HTTP_VERSION]!, versionLength);
  p = put(buf, p, PATH);
  p = putJsonChars(buf, p, path);
  if (query !== undefined) {
    p = put(buf, p, QUERY);
    p = putJsonChars(buf, p, query);
  }
  p = put(buf, p, CLOSE);
  if (userAgentLength >= 0) p = putStringObject(buf, p, USER_AGENT, b, starts[FIELD_USER_AGENT]!, userAgentLength);
  if (clientLength >= 0) p = putStringObject(buf, p, CLIENT, b, starts[FIELD_CLIENT_ADDRESS]!, clientLength);
  p = put(buf, p, MESSAGE);
  p = putAscii(buf, p, r.method);
  buf[p++] = 32;
  p = putJsonChars(buf, p, path);
  buf[p++] = 32;
  p = putNumber(buf, p, status);
  p = put(buf, p, END);
  out.commit(p);
  return true;
}
