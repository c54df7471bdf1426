// The request line's string fields are written as JSON.stringify writes
// them; the common printable-ASCII case skips its call, so every other case
// must reach it.
import { expect, test } from 'vitest';
import { jsonString } from '../../exporter/logging/access-line.ts';
import { seededRandom } from '../support/seeded-random.ts';

const random = seededRandom(7);
// Printable ASCII, the characters JSON escapes, DEL, non-ASCII, a surrogate pair's halves (alone and paired).
const PIECES = ['a', 'Z', '0', ' ', '/', '?', '~', '"', '\\', '\u0000', '\n', '\t', '\u001f', '\u007f', 'é', 'ü', '€', '\u2028', '😀', '\ud83d', '\ude00', '\ufffd'];

test('every string is written as JSON.stringify writes it', () => {
  for (let i = 0; i < 20_000; i++) {
    const s = Array.from({ length: Math.floor(random() * 24) }, () => PIECES[Math.floor(random() * PIECES.length)]).join('');
    expect(jsonString(s), JSON.stringify(s)).toBe(JSON.stringify(s));
  }
});

test('printable ASCII is written as itself between quotes', () => {
  let ascii = '';
  for (let c = 0x20; c < 0x7f; c++) if (c !== 0x22 && c !== 0x5c) ascii += String.fromCharCode(c);
  expect(jsonString(ascii)).toBe(`"${ascii}"`);
  expect(jsonString('')).toBe('""');
});
