// The kit's ratio sampler against the SDK's TraceIdRatioBasedSampler: the
// same decision for every trace id, valid or not, at every ratio.
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { type Sampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { expect, test } from 'vitest';
import { TraceIdRatioSampler } from '../../exporter/tracing/trace-id-ratio-sampler.ts';
import { seededRandom } from '../support/seeded-random.ts';

const random = seededRandom(19);
const hex = (n: number, digits: string) => Array.from({ length: n }, () => digits[Math.floor(random() * digits.length)]).join('');
const LOWER = '0123456789abcdef';
const ANY_CASE = '0123456789abcdefABCDEF';

const valid = [...Array.from({ length: 5000 }, () => hex(32, LOWER)), ...Array.from({ length: 2000 }, () => hex(32, ANY_CASE)), 'ffffffff000000000000000000000000', '00000000000000000000000000000001', 'F'.repeat(32)];
// One character off (a letter after f, a separator, non-ASCII, a digit's neighbours), a length off, all zeros, not a string.
const invalid: unknown[] = [
  ...['g', 'G', '/', ':', '@', '`', ' ', '-', 'é', '\u0000', '\ud800'].map((c) => `${hex(16, LOWER)}${c}${hex(15, LOWER)}`),
  hex(31, LOWER),
  hex(33, LOWER),
  '',
  '0'.repeat(32),
  undefined,
  42,
];

test.each([0, 1e-9, 0.001, 0.1, 0.25, 0.5, 0.999, 1])('ratio %s: the SDK sampler\'s decision for every id, valid or not', (ratio) => {
  const ours = new TraceIdRatioSampler(ratio);
  const sdk = new TraceIdRatioBasedSampler(ratio);
  const decide = (s: Sampler, id: unknown) => s.shouldSample(ROOT_CONTEXT, id as string, 'GET', SpanKind.SERVER, {}, []).decision;
  for (const id of [...valid, ...invalid]) expect(decide(ours, id), String(id)).toBe(decide(sdk, id));
  expect(ours.toString()).toBe(sdk.toString());
});

test('the decisions are not all alike: at 0.25 about a quarter of random ids are sampled', () => {
  const sampler = new TraceIdRatioSampler(0.25);
  const sampled = valid.filter((id) => sampler.shouldSample(ROOT_CONTEXT, id).decision !== 0).length / valid.length;
  expect(sampled).toBeGreaterThan(0.22);
  expect(sampled).toBeLessThan(0.28);
});

test.each([Number.NaN, -1, 2, Infinity])('ratio %s is clamped as the SDK clamps it', (ratio) => {
  const ours = new TraceIdRatioSampler(ratio);
  const sdk = new TraceIdRatioBasedSampler(ratio);
  expect(ours.toString()).toBe(sdk.toString());
  for (const id of valid.slice(0, 500)) expect(ours.shouldSample(ROOT_CONTEXT, id).decision).toBe(sdk.shouldSample(ROOT_CONTEXT, id).decision);
});
