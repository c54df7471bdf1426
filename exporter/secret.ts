// Comparing credentials without leaking them through timing.
import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of hashes, so neither length nor content leaks through timing. */
export function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}
