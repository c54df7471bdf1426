// `@timestamp` as the request lines rendered in the ring write it
// (putIsoAt): the date formatted once a second, the milliseconds written as
// digits. It must be toISOString's text for every time, whatever the last
// one was.
import { describe, expect, it } from 'vitest';
import { isoAt, putIsoAt } from '../../exporter/logging/timestamp.ts';
import { seededRandom } from '../support/seeded-random.ts';

const written = (ms: number) => {
  const buf = Buffer.alloc(40, 0x20);
  const end = putIsoAt(buf, 3, ms);
  return buf.toString('latin1', 3, end);
};

describe('putIsoAt', () => {
  it('writes what toISOString writes, in any order of times', () => {
    const random = seededRandom(5);
    const times: number[] = [];
    // Runs of consecutive milliseconds across second, minute, day and year boundaries, and jumps back and forth.
    for (const edge of [Date.UTC(2026, 11, 31, 23, 59, 59, 990), Date.UTC(2024, 1, 29, 0, 0, 0, 0), Date.UTC(1970, 0, 1), Date.UTC(2000, 0, 1) - 5]) for (let i = 0; i < 20; i++) times.push(edge + i + random() * 0.999);
    for (let i = 0; i < 5000; i++) times.push(random() < 0.5 ? 1.7e12 + random() * 1e10 : times[times.length - 1]! + random() * 1500);
    // Years outside four digits (toISOString writes six and a sign), before 1970, and year 0.
    times.push(Date.UTC(10000, 0, 1, 0, 0, 1, 7), -1, -999.5, Date.UTC(-1, 5, 5), new Date('0000-01-01T00:00:00.001Z').getTime(), 8.64e15);
    for (const t of times) expect(written(t), String(t)).toBe(new Date(Math.floor(t)).toISOString());
  });

  it('agrees with isoAt, which the string path uses', () => {
    for (const t of [1.7e12, 1.7e12 + 0.4, 1.7e12 + 999.9, 1.7e12 + 1000]) expect(written(t)).toBe(isoAt(t));
  });
});
