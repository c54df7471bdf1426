// The kit's ratio sampler against the SDK's TraceIdRatioBasedSampler: the
// same decision for every trace id, valid or not, at every ratio.
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import { ParentBasedSampler, type Sampler, SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { expect, test } from 'vitest';
import { readOtelEnv } from '../../exporter/tracing/otel-env.ts';
import { rootRatioSampler, TraceIdRatioSampler } from '../../exporter/tracing/trace-id-ratio-sampler.ts';
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

test.each([1e-9, 0.001, 0.1, 0.25, 0.5, 0.999])('ratio %s: a decision from an id\'s 16 bytes is the SDK sampler\'s for their hex', (ratio) => {
  const ours = new TraceIdRatioSampler(ratio);
  const sdk = new TraceIdRatioBasedSampler(ratio);
  // Random bytes at an offset in a larger buffer, as the recorder's pool holds them, and the edge words.
  const pool = new Uint8Array(16 * 3000 + 5);
  for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(random() * 256);
  pool.set(Buffer.from('ffffffff000000000000000000000000', 'hex'), 5);
  pool.set(Buffer.from('00000000000000000000000000000001', 'hex'), 21);
  pool.set(new Uint8Array(16), 37); // all zero: invalid, never sampled
  for (let at = 5; at + 16 <= pool.length; at += 16) {
    const id = Buffer.from(pool.subarray(at, at + 16)).toString('hex');
    expect(ours.sampledBytes(pool, at), id).toBe(sdk.shouldSample(ROOT_CONTEXT, id).decision === SamplingDecision.RECORD_AND_SAMPLED);
  }
});

test('the recorder finds the root ratio sampler of the ratio samplers the kit builds from OTEL_TRACES_SAMPLER, and of no other', () => {
  const sampler = (env: Record<string, string>) => readOtelEnv(env, () => {}).sampler;
  const parentBased = sampler({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' });
  expect(rootRatioSampler(parentBased)?.toString()).toBe('TraceIdRatioBased{0.1}');
  expect(parentBased.toString()).toBe(new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(0.1) }).toString());
  expect(rootRatioSampler(sampler({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }))?.toString()).toBe('TraceIdRatioBased{0.1}');
  // Ratios of 1 and 0 are the always-on and always-off samplers, and the others decide without a ratio.
  const others: Record<string, string>[] = [{ OTEL_TRACES_SAMPLER_ARG: '1' }, { OTEL_TRACES_SAMPLER_ARG: '0' }, { OTEL_TRACES_SAMPLER: 'always_on' }, { OTEL_TRACES_SAMPLER: 'parentbased_always_off' }];
  for (const env of others) {
    expect(rootRatioSampler(sampler(env)), JSON.stringify(env)).toBeUndefined();
  }
});
