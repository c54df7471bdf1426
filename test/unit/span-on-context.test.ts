import { context, createContextKey, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SpanOnContext } from '../../exporter/tracing/span-on-context.ts';
import { withSpan } from '../../exporter/tracing/server-span.ts';

const manager = new AsyncLocalStorageContextManager();
beforeAll(() => void context.setGlobalContextManager(manager.enable()));
afterAll(() => {
  manager.disable();
  context.disable();
});

const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });
const other = trace.wrapSpanContext({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
const KEY = createContextKey('app value');

test('the span is what trace.getSpan finds, and the parent keeps its values', () => {
  const parent = ROOT_CONTEXT.setValue(KEY, 'kept');
  const ctx = new SpanOnContext(parent, span);
  expect(trace.getSpan(ctx)).toBe(span);
  expect(ctx.getValue(KEY)).toBe('kept');
  expect(trace.getSpan(parent)).toBeUndefined();
});

test('setting or deleting a value gives a regular context that still carries the span; the parent is untouched', () => {
  const parent = ROOT_CONTEXT.setValue(KEY, 'kept');
  const ctx = new SpanOnContext(parent, span);
  const added = ctx.setValue(createContextKey('later'), 1);
  expect(trace.getSpan(added)).toBe(span);
  expect(added.getValue(KEY)).toBe('kept');
  const deleted = ctx.deleteValue(KEY);
  expect(deleted.getValue(KEY)).toBeUndefined();
  expect(trace.getSpan(deleted)).toBe(span);
  expect(trace.getSpan(trace.setSpan(ctx, other))).toBe(other);
  expect(ctx.getValue(KEY)).toBe('kept');
  expect(trace.getSpan(ctx)).toBe(span);
});

test('withSpan makes the span active through awaits and timers, and restores the outer context after', async () => {
  const seen = await withSpan(span, async () => {
    const first = trace.getActiveSpan();
    await new Promise((r) => setTimeout(r, 1));
    return [first, trace.getActiveSpan(), context.active().getValue(KEY)];
  });
  expect(seen).toEqual([span, span, undefined]);
  expect(trace.getActiveSpan()).toBeUndefined();
});
