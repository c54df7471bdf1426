// The request line of a recorded request (request-record.ts): what the
// telemetry worker writes for each record, and the request thread for the
// records still in the ring at exit. `@timestamp` is when the response
// closed, as the access logger writes it.
import type { RequestRecord } from '../tracing/request-record.ts';
import { HAS_IDS } from '../tracing/request-record.ts';
import { accessLine, levelOf } from './access-line.ts';
import { isoAt } from './timestamp.ts';

export function recordLine(r: RequestRecord, baseFields: string): string {
  const ids = (r.flags & HAS_IDS) !== 0;
  return accessLine(
    {
      level: levelOf(r.status),
      timestamp: isoAt(r.endMs),
      method: r.method,
      route: r.route,
      status: r.status,
      durationNanos: Math.round((r.endMs - r.startMs) * 1e6),
      httpVersion: r.httpVersion,
      target: r.logTarget,
      userAgent: r.userAgent,
      clientAddress: r.clientAddress,
      traceId: ids ? r.traceId : undefined,
      spanId: ids ? r.spanId : undefined,
    },
    baseFields,
  );
}
