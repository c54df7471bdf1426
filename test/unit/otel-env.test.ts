// OTEL_* variables as the OpenTelemetry specification says an SDK reads them:
// an invalid value is one warning naming the variable and the default used,
// and the default applies; an empty value is an unset one; an exporter the kit
// does not ship is a configuration error, and the demo exits 2 with it
// listed beside its other problems, not with a stack trace.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { SamplingDecision, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace';
import { describe, expect, test } from 'vitest';
import { readOtelEnv, TracingConfigError } from '../../exporter/tracing/otel-env.ts';

const MAIN = fileURLToPath(new URL('../../examples/demo-shop/main.ts', import.meta.url));

function read(env: Record<string, string>) {
  const warnings: string[] = [];
  const settings = readOtelEnv(env, (variable, message) => warnings.push(`${variable}: ${message}`));
  return { settings, warnings };
}

const TRACE_ID = 'ffffffff000000000000000000000000'; // its 32-bit parts XOR to 0xffffffff: sampled by no ratio below 1
const sampledParent = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '0123456789abcdef', traceFlags: TraceFlags.SAMPLED, isRemote: true });
const decide = (env: Record<string, string>, parent = ROOT_CONTEXT) => read(env).settings.sampler.shouldSample(parent, TRACE_ID, 'GET /', SpanKind.SERVER, {}, []).decision;

describe('OTEL_TRACES_SAMPLER_ARG', () => {
  test.each(['abc', '5', '-1', '1.5', '0x1', 'NaN'])('%s: one warning naming the variable and 1.0, and every trace sampled', (arg) => {
    const { warnings } = read({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg });
    expect(warnings).toEqual([`OTEL_TRACES_SAMPLER_ARG: ${JSON.stringify(arg)} is not a number from 0 to 1; using the default 1.0 (every trace sampled)`]);
    expect(decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg })).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  test('valid values apply, and an empty one is unset (no warning)', () => {
    expect(read({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }).warnings).toEqual([]);
    expect(decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' })).toBe(SamplingDecision.NOT_RECORD);
    expect(read({ OTEL_TRACES_SAMPLER_ARG: '' }).warnings).toEqual([]);
  });
});

describe('samplers', () => {
  test('an unknown sampler is a warning and parentbased_always_on', () => {
    const { warnings } = read({ OTEL_TRACES_SAMPLER: 'sometimes' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^OTEL_TRACES_SAMPLER: "sometimes" is not one of .*; using the default parentbased_always_on$/);
    expect(decide({ OTEL_TRACES_SAMPLER: 'sometimes' })).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  test('a ratio of 1 or 0 decides as the SDK ratio sampler does, for every valid trace id', () => {
    const ids = [TRACE_ID, 'ffffffffffffffffffffffffffffffff', '00000000000000000000000000000001', ...Array.from({ length: 2000 }, () => randomBytes(16).toString('hex'))];
    for (const [arg, expected] of [['1', new TraceIdRatioBasedSampler(1)], ['0', new TraceIdRatioBasedSampler(0)]] as const) {
      for (const sampler of [read({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: arg }).settings.sampler, read({ OTEL_TRACES_SAMPLER_ARG: arg }).settings.sampler]) {
        const decisions = ids.map((id) => sampler.shouldSample(ROOT_CONTEXT, id, 'GET /', SpanKind.SERVER, {}, []).decision);
        expect(decisions).toEqual(ids.map((id) => expected.shouldSample(ROOT_CONTEXT, id).decision));
      }
    }
  });

  test('at a public edge, traceidratio ignores the caller\'s sampled flag; the parent-based default follows it', () => {
    expect(decide({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }, sampledParent)).toBe(SamplingDecision.NOT_RECORD);
    expect(decide({ OTEL_TRACES_SAMPLER_ARG: '0.1' }, sampledParent)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});

test('batch and limit integers: invalid ones are warnings and left to the defaults', () => {
  const { settings, warnings } = read({ OTEL_BSP_MAX_QUEUE_SIZE: '0', OTEL_BSP_SCHEDULE_DELAY: '1s', OTEL_BSP_EXPORT_TIMEOUT: '500', OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '-5', OTEL_SDK_DISABLED: 'yes' });
  expect(settings.bsp).toEqual({ exportTimeoutMillis: 500 });
  expect(settings.attributeValueLengthLimit).toBeUndefined();
  expect(settings.enabled).toBe(true);
  expect(warnings.map((w) => w.split(':')[0]).sort()).toEqual(['OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_BSP_SCHEDULE_DELAY', 'OTEL_SDK_DISABLED']);
});

test('OTEL_TRACES_EXPORTER other than otlp or none is a TracingConfigError; none and OTEL_SDK_DISABLED turn tracing off', () => {
  expect(() => read({ OTEL_TRACES_EXPORTER: 'bogus' })).toThrow(TracingConfigError);
  expect(() => read({ OTEL_TRACES_EXPORTER: 'bogus' })).toThrow('OTEL_TRACES_EXPORTER="bogus": must be one of otlp, none');
  expect(read({ OTEL_TRACES_EXPORTER: 'none' }).settings.enabled).toBe(false);
  expect(read({ OTEL_TRACES_EXPORTER: 'bogus', OTEL_SDK_DISABLED: 'true' }).settings.enabled).toBe(false);
});

test('the demo with OTEL_TRACES_EXPORTER=bogus exits 2, naming it beside its other problems, without a stack trace', async () => {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, PORT: '80a', OTEL_TRACES_EXPORTER: 'bogus' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(2);
  expect(stderr).toContain('PORT="80a"');
  expect(stderr).toContain('OTEL_TRACES_EXPORTER="bogus": must be one of otlp, none');
  expect(stderr).not.toMatch(/\n\s+at /);
});
