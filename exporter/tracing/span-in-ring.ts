// The common request's span, encoded to OTLP protobuf while its record is
// still in the ring: the bytes writeSpan (record-protobuf.ts) writes for it,
// with the record's strings copied from their UTF-8 in the ring rather than
// decoded, read back char by char and encoded again, and every length known
// before it is written, so nothing is moved. Common means all ASCII, no
// trace state, no attributes, events, status or name the app set, a known
// method, values within the length limit and a port that is a plain
// number; any other record is encoded from its strings at export.
import { SpanStatusCode } from '@opentelemetry/api';
import { splitTarget, type TargetParts } from '../redaction.ts';
import { FIXED32, FIXED64, LEN, putAscii, putBytes, putFixed32, putHex, putTimeNanos, putVarint, VARINT, varintSize } from './protobuf-wire.ts';
import { censorAttribute } from './redacting-processor.ts';
import { KIND_SERVER, spanFlags } from './record-protobuf.ts';
import { AsciiRecord, ENCRYPTED, FIELD_CLIENT_ADDRESS, FIELD_EXTRAS, FIELD_HOST, FIELD_HTTP_VERSION, FIELD_METHOD_ORIGINAL, FIELD_ROUTE, FIELD_TARGET, FIELD_TRACE_STATE, FIELD_USER_AGENT, HAS_PARENT, readAsciiRecord } from './request-record.ts';
import { serverSpanName } from './server-span.ts';

const tag = (field: number, wire: number) => (field << 3) | wire;
/** A KeyValue's key field (tag, length, ASCII name). */
const keyField = (key: string) => Buffer.from([tag(1, LEN), key.length, ...Buffer.from(key, 'latin1')]);
const KEY_METHOD = keyField('http.request.method');
const KEY_PATH = keyField('url.path');
const KEY_SCHEME = keyField('url.scheme');
const KEY_ADDRESS = keyField('server.address');
const KEY_VERSION = keyField('network.protocol.version');
const KEY_QUERY = keyField('url.query');
const KEY_PORT = keyField('server.port');
const KEY_CLIENT = keyField('client.address');
const KEY_USER_AGENT = keyField('user_agent.original');
const KEY_STATUS = keyField('http.response.status_code');
const KEY_ROUTE = keyField('http.route');
const KEY_ERROR_TYPE = keyField('error.type');
/** Longest key field and the rest of a KeyValue's framing: the bound of a KeyValue is this plus its value. */
const KEY_VALUE_FRAMING = 64;
const ATTRIBUTES = 12;

/** An attribute (Span field 9) up to its string value of `n` bytes, which the caller writes next. */
function putStringAttributeHead(buf: Uint8Array, p: number, key: Uint8Array, n: number): number {
  const value = 1 + varintSize(n) + n;
  buf[p++] = tag(9, LEN);
  p = putVarint(buf, p, key.length + 1 + varintSize(value) + value);
  p = putBytes(buf, p, key, 0, key.length);
  buf[p++] = tag(2, LEN);
  p = putVarint(buf, p, value);
  buf[p++] = tag(1, LEN);
  return putVarint(buf, p, n);
}

/** An attribute whose value is `n` bytes of UTF-8 in `src` from `from`. */
const putStringAttribute = (buf: Uint8Array, p: number, key: Uint8Array, src: Uint8Array, from: number, n: number) => putBytes(buf, putStringAttributeHead(buf, p, key, n), src, from, n);

/** An attribute whose value is an ASCII string. */
const putAsciiAttribute = (buf: Uint8Array, p: number, key: Uint8Array, s: string) => putAscii(buf, putStringAttributeHead(buf, p, key, s.length), s);

/** The same with a non-negative integer value below 2^31 (AnyValue.int_value). */
function putIntAttribute(buf: Uint8Array, p: number, key: Uint8Array, v: number): number {
  const value = 1 + varintSize(v);
  buf[p++] = tag(9, LEN);
  p = putVarint(buf, p, key.length + 2 + value);
  p = putBytes(buf, p, key, 0, key.length);
  buf[p++] = tag(2, LEN);
  buf[p++] = value;
  buf[p++] = tag(3, VARINT);
  return putVarint(buf, p, v);
}

const isAscii = (s: string) => {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return false;
  return true;
};

/** The last target's url.path and url.query, censored as attributes; splitTarget returns the same parts for the same target in a row. */
let lastParts: TargetParts | undefined;
let lastUrl = { urlPath: '', urlQuery: undefined as string | undefined };
function urlAttributes(parts: TargetParts): { urlPath: string; urlQuery: string | undefined } {
  if (parts !== lastParts) {
    lastUrl = { urlPath: censorAttribute('url.path', parts.path), urlQuery: parts.query === undefined ? undefined : censorAttribute('url.query', parts.query) };
    lastParts = parts;
  }
  return lastUrl;
}

/** The record being encoded (one at a time). */
const record = new AsciiRecord();
/** Spans are written one after another into slabs of this size, each shared by the spans in it until they are all exported. */
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let used = 0;

/**
 * The span of the request record at `at` as ScopeSpans field 2, or
 * undefined when it is not a common request (see above) and must be
 * encoded from its decoded strings (record-protobuf.ts).
 */
export function encodeSpanInRing(b: Buffer, at: number, valueLengthLimit: number): Uint8Array | undefined {
  const r = record;
  if (!readAsciiRecord(b, at, r)) return undefined;
  const { starts, lengths } = r;
  if (lengths[FIELD_EXTRAS]! >= 0 || lengths[FIELD_TRACE_STATE]! >= 0 || lengths[FIELD_METHOD_ORIGINAL]! >= 0 || r.method === '_OTHER') return undefined;
  const host = r.string(b, FIELD_HOST);
  const routeLength = lengths[FIELD_ROUTE]!;
  const versionLength = lengths[FIELD_HTTP_VERSION]!;
  const clientLength = lengths[FIELD_CLIENT_ADDRESS]!;
  const userAgentLength = lengths[FIELD_USER_AGENT]!;
  const { status } = r;
  const colon = host === undefined ? -1 : host.lastIndexOf(':');
  const hasPort = host !== undefined && colon > host.lastIndexOf(']');
  const addressLength = host === undefined ? 0 : hasPort ? colon : host.length;
  let port = 0;
  if (hasPort) {
    // Number() of anything but plain digits (empty, spaces, hex, huge) is left to the string path.
    for (let i = colon + 1; i < host.length; i++) {
      const digit = host.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return undefined;
      port = port * 10 + digit;
    }
    if (colon + 1 === host.length || port > 0x7fffffff) return undefined;
  }
  const { urlPath, urlQuery } = urlAttributes(splitTarget(r.string(b, FIELD_TARGET)!));
  // The limit cuts values: left to the string path, as is censored text that is not ASCII.
  if (Math.max(urlPath.length, urlQuery?.length ?? 0, addressLength, versionLength, clientLength, userAgentLength, routeLength) > valueLengthLimit) return undefined;
  if (!isAscii(urlPath) || (urlQuery !== undefined && !isAscii(urlQuery))) return undefined;

  const method = serverSpanName(r.method, undefined);
  const bound = 256 + ATTRIBUTES * KEY_VALUE_FRAMING + urlPath.length + (urlQuery?.length ?? 0) + addressLength + versionLength + clientLength + userAgentLength + 2 * routeLength;
  if (used + bound > slab.length) {
    slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bound));
    used = 0;
  }
  const buf = slab;
  const start = used;
  // The span's length takes two bytes for 128 to 16,383 bytes (any common span); moved below if not.
  let p = start + 3;
  const ids = r.idsAt;
  buf[p++] = tag(1, LEN);
  buf[p++] = 16;
  p = putHex(buf, p, b, ids, 32);
  buf[p++] = tag(2, LEN);
  buf[p++] = 8;
  p = putHex(buf, p, b, ids + 32, 16);
  if ((r.flags & HAS_PARENT) !== 0) {
    buf[p++] = tag(4, LEN);
    buf[p++] = 8;
    p = putHex(buf, p, b, ids + 48, 16);
  }
  buf[p++] = tag(5, LEN);
  p = putVarint(buf, p, method.length + (routeLength < 0 ? 0 : 1 + routeLength));
  p = putAscii(buf, p, method);
  if (routeLength >= 0) {
    buf[p++] = 32;
    p = putBytes(buf, p, b, starts[FIELD_ROUTE]!, routeLength);
  }
  buf[p++] = tag(6, VARINT);
  buf[p++] = KIND_SERVER;
  buf[p++] = tag(7, FIXED64);
  p = putTimeNanos(buf, p, r.startMs);
  buf[p++] = tag(8, FIXED64);
  p = putTimeNanos(buf, p, r.endMs);
  // The attributes in requestAttributes' then responseAttributes' order (server-span.ts).
  p = putAsciiAttribute(buf, p, KEY_METHOD, r.method);
  p = putAsciiAttribute(buf, p, KEY_PATH, urlPath);
  p = putAsciiAttribute(buf, p, KEY_SCHEME, (r.flags & ENCRYPTED) !== 0 ? 'https' : 'http');
  p = putStringAttribute(buf, p, KEY_ADDRESS, b, starts[FIELD_HOST]!, addressLength);
  p = putStringAttribute(buf, p, KEY_VERSION, b, starts[FIELD_HTTP_VERSION]!, versionLength);
  if (urlQuery !== undefined) p = putAsciiAttribute(buf, p, KEY_QUERY, urlQuery);
  if (hasPort) p = putIntAttribute(buf, p, KEY_PORT, port);
  if (clientLength >= 0) p = putStringAttribute(buf, p, KEY_CLIENT, b, starts[FIELD_CLIENT_ADDRESS]!, clientLength);
  if (userAgentLength >= 0) p = putStringAttribute(buf, p, KEY_USER_AGENT, b, starts[FIELD_USER_AGENT]!, userAgentLength);
  p = putIntAttribute(buf, p, KEY_STATUS, status);
  if (routeLength >= 0) p = putStringAttribute(buf, p, KEY_ROUTE, b, starts[FIELD_ROUTE]!, routeLength);
  if (status >= 500) p = putAsciiAttribute(buf, p, KEY_ERROR_TYPE, String(status));
  // No dropped attributes, events or links; the status (ERROR on 5xx, else UNSET) without a message; the flags.
  buf[p++] = tag(10, VARINT);
  buf[p++] = 0;
  buf[p++] = tag(12, VARINT);
  buf[p++] = 0;
  buf[p++] = tag(14, VARINT);
  buf[p++] = 0;
  buf[p++] = tag(15, LEN);
  buf[p++] = 2;
  buf[p++] = tag(3, VARINT);
  buf[p++] = status >= 500 ? SpanStatusCode.ERROR : SpanStatusCode.UNSET;
  // Field 16's tag takes two bytes.
  p = putVarint(buf, p, tag(16, FIXED32));
  p = putFixed32(buf, p, spanFlags(r.flags, r.traceFlags));

  const length = p - start - 3;
  const size = varintSize(length);
  if (size !== 2) {
    // Shorter or longer than two bytes: move the span next to its length.
    buf.copyWithin(start + 1 + size, start + 3, p);
    p = start + 1 + size + length;
  }
  buf[start] = tag(2, LEN);
  putVarint(buf, start + 1, length);
  used = p;
  return buf.subarray(start, p);
}
