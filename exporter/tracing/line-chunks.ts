// The worker hands request lines back to the request thread in strings of at
// most CHUNK_CHARS (whole lines, in order). A larger string is a large object
// in V8: copying it into the request thread's heap maps fresh pages for every
// message and faults them in, and that copy was 2.9% of the request thread's
// CPU at 16k requests/s (one 140 KB string per 20 ms poll). In 32 KB strings
// it was 0.16% (perf, request lines only).

/** Under V8's large-object threshold (128 KiB) for any mix of one- and two-byte strings. */
export const CHUNK_CHARS = 32 * 1024;

/**
 * `lines` joined into strings of at most `max` characters; a longer line is
 * a string alone. Each chunk is made by one Array#join, which writes a flat
 * string in one pass: appended line by line, a chunk was a rope of ropes
 * that postMessage then flattened, 600–1,000 ns per line against 400 for
 * join and postMessage together (a microbenchmark of 400-line batches).
 */
export function joinInChunks(lines: readonly string[], max = CHUNK_CHARS): string[] {
  const chunks: string[] = [];
  let start = 0;
  let chars = 0;
  for (let i = 0; i < lines.length; i++) {
    const n = lines[i]!.length;
    if (chars !== 0 && chars + n > max) {
      chunks.push(lines.slice(start, i).join(''));
      start = i;
      chars = 0;
    }
    chars += n;
  }
  if (chars !== 0) chunks.push(lines.slice(start).join(''));
  return chunks;
}
