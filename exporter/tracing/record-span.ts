// The SERVER span of a request record (request-record.ts), part by part:
// the name, attributes, status and events server-span.ts gives the SDK
// pipeline's span, censored and cut as the SDK pipeline's are. The protobuf
// encoder (record-protobuf.ts) writes these parts straight to the wire; the
// JSON protocol hands the SDK's serializer a ReadableSpan made of them.
import { type Attributes, createTraceState, type HrTime, SpanKind, SpanStatusCode, type SpanStatus } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { censorAttributes, censorEventAttributes } from './redacting-processor.ts';
import { ENCRYPTED, HAS_PARENT, REMOTE_PARENT, type RequestRecord } from './request-record.ts';
import { requestAttributes, responseAttributes, serverSpanName } from './server-span.ts';

export interface RecordEvent {
  readonly name: string;
  /** Epoch milliseconds. */
  readonly timeMs: number;
  readonly attributes: Attributes;
}

export const recordSpanName = (r: RequestRecord): string => (r.route !== undefined ? serverSpanName(r.method, r.route) : (r.extras?.n ?? serverSpanName(r.method, undefined)));

/** The attributes in the SDK span's order: the request's, the app's additions, then what the response says (overwriting). */
export function recordAttributes(r: RequestRecord, valueLengthLimit: number): Attributes {
  const attributes = requestAttributes(r.method, r.target, r.host, (r.flags & ENCRYPTED) !== 0, r.httpVersion, r.methodOriginal, r.clientAddress, r.userAgent) as Record<string, unknown>;
  if (r.extras?.a !== undefined) Object.assign(attributes, r.extras.a);
  Object.assign(attributes, responseAttributes(r.route, r.status));
  censorAttributes(attributes);
  for (const key in attributes) {
    const value = attributes[key];
    if (typeof value === 'string' && value.length > valueLengthLimit) attributes[key] = value.slice(0, valueLengthLimit);
  }
  return attributes as Attributes;
}

/** As the SDK: an app's OK is final; a 5xx is an error without message; otherwise the app's status. */
export function recordStatus(r: RequestRecord): SpanStatus {
  const appStatus = r.extras?.s;
  if (appStatus?.c === SpanStatusCode.OK) return { code: SpanStatusCode.OK };
  if (r.status >= 500) return { code: SpanStatusCode.ERROR };
  if (appStatus === undefined) return { code: SpanStatusCode.UNSET };
  return { code: appStatus.c, ...(appStatus.m !== undefined && { message: appStatus.m }) };
}

export function recordEvents(r: RequestRecord): RecordEvent[] {
  const events = r.extras?.e;
  if (events === undefined) return [];
  return events.map((e) => {
    const attributes = e.a === undefined ? {} : { ...e.a };
    censorEventAttributes(attributes);
    return { name: e.n, timeMs: e.t, attributes: attributes as Attributes };
  });
}

/** The trace state as the SDK carries it: parsed (invalid entries dropped) and serialised again; undefined when empty. */
export const recordTraceState = (r: RequestRecord): string | undefined => (r.traceState === undefined ? undefined : createTraceState(r.traceState).serialize() || undefined);

/** Epoch milliseconds as the SDK's [seconds, nanoseconds]. */
export function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  return nanos >= 1e9 ? [seconds + 1, nanos - 1e9] : [seconds, nanos];
}

/** The record as the SDK's ReadableSpan, for the SDK's serializers. */
export function recordToReadableSpan(r: RequestRecord, resource: Resource, scope: { name: string }, valueLengthLimit: number): ReadableSpan {
  const traceState = r.traceState === undefined ? undefined : createTraceState(r.traceState);
  const spanContext = { traceId: r.traceId, spanId: r.spanId, traceFlags: r.traceFlags, ...(traceState !== undefined && { traceState }) };
  return {
    name: recordSpanName(r),
    kind: SpanKind.SERVER,
    spanContext: () => spanContext,
    parentSpanContext: (r.flags & HAS_PARENT) !== 0 ? { traceId: r.traceId, spanId: r.parentSpanId, traceFlags: r.traceFlags, isRemote: (r.flags & REMOTE_PARENT) !== 0 } : undefined,
    startTime: hrTime(r.startMs),
    endTime: hrTime(r.endMs),
    duration: hrTime(r.endMs - r.startMs),
    status: recordStatus(r),
    attributes: recordAttributes(r, valueLengthLimit),
    links: [],
    events: recordEvents(r).map((e) => ({ name: e.name, time: hrTime(e.timeMs), attributes: e.attributes, droppedAttributesCount: 0 })),
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}
