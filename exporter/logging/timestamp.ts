// `@timestamp` for log lines. Formatting a date costs more than the rest of a
// short line, so lines logged within the same millisecond share one string,
// and lines written as bytes (line-in-ring.ts) format a date once a second
// and write the milliseconds' digits themselves.
import { putAscii, putBytes } from '../tracing/protobuf-wire.ts';

let lastMillis = -1;
let lastIso = '';

/** The current time as ISO 8601 with milliseconds, e.g. `2026-11-22T10:00:00.000Z`. */
export function isoNow(): string {
  return isoAt(Date.now());
}

/** A time (epoch milliseconds, fractions dropped) as ISO 8601 with milliseconds; the same millisecond formats once. */
export function isoAt(epochMs: number): string {
  const ms = Math.floor(epochMs);
  if (ms !== lastMillis) {
    lastMillis = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** `2026-11-22T10:00:00.` of the second formatted last, as ASCII bytes. */
const secondText = new Uint8Array(20);
let lastSecond = NaN;
const ISO_LENGTH = 24;

/**
 * isoAt(epochMs)'s 24 characters written as ASCII at `p`: the date is
 * formatted once per second, the milliseconds are three digits. Years
 * beyond 9999 (which toISOString writes differently) are formatted whole.
 */
export function putIsoAt(buf: Uint8Array, p: number, epochMs: number): number {
  const ms = Math.floor(epochMs);
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString();
    if (iso.length !== ISO_LENGTH) return putAscii(buf, p, isoAt(ms));
    putAscii(secondText, 0, iso.slice(0, secondText.length));
    lastSecond = second;
  }
  p = putBytes(buf, p, secondText, 0, secondText.length);
  const milli = ms - second * 1000;
  buf[p++] = 48 + Math.floor(milli / 100);
  buf[p++] = 48 + (Math.floor(milli / 10) % 10);
  buf[p++] = 48 + (milli % 10);
  buf[p++] = 90; // Z
  return p;
}
