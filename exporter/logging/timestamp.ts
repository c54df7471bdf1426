// `@timestamp` for log lines. Formatting a date costs more than the rest of a
// short line, so lines logged within the same millisecond share one string.
let lastMillis = -1;
let lastIso = '';

/** The current time as ISO 8601 with milliseconds, e.g. `2026-11-22T10:00:00.000Z`. */
export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMillis) {
    lastMillis = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
