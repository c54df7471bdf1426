// `@timestamp` for log lines. Formatting a date costs more than the rest of a
// short line, so lines logged within the same millisecond share one string.
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
