// Talking to the demo in cluster mode: requests on fresh connections (so the
// primary may hand each to another worker), traced requests that say which
// worker served them, and the exemplars of an OpenMetrics exposition.
import { request } from 'node:http';
import { traceparent } from './otlp-receiver.ts';

export const OPENMETRICS_ACCEPT = 'application/openmetrics-text; version=1.0.0';

/** A request on a fresh connection (no keep-alive), so the primary may hand each one to another worker. */
export function fresh(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false, headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** GET /api/v1/status with a sampled traceparent: its trace id, and the pid of the worker that answered. */
export async function tracedStatus(appUrl: string): Promise<{ traceId: string; pid: number }> {
  const tp = traceparent();
  const res = await fresh(`${appUrl}/api/v1/status`, 'GET', undefined, { traceparent: tp.header });
  if (res.status !== 200) throw new Error(`/api/v1/status answered ${res.status}: ${res.body}`);
  return { traceId: tp.traceId, pid: (JSON.parse(res.body) as { pid: number }).pid };
}

export interface ExemplarLine {
  /** The sample's name and labels, e.g. `x_bucket{a="b",le="1"}`. */
  readonly series: string;
  readonly value: number;
  readonly traceId: string;
  readonly spanId: string;
  readonly exemplarValue: number;
  /** Unix seconds. */
  readonly timestamp: number;
}

/** Every sample line of an OpenMetrics exposition that carries a trace_id/span_id exemplar. */
export function exemplarLines(openmetrics: string): ExemplarLine[] {
  const out: ExemplarLine[] = [];
  for (const line of openmetrics.split('\n')) {
    if (line.startsWith('#')) continue;
    const at = line.indexOf(' # {');
    if (at < 0) continue;
    const sample = line.slice(0, at);
    const space = sample.lastIndexOf(' ');
    const m = /^\{(.*)\} (\S+) (\S+)$/.exec(line.slice(at + 3));
    const traceId = /trace_id="([^"]*)"/.exec(m?.[1] ?? '')?.[1];
    const spanId = /span_id="([^"]*)"/.exec(m?.[1] ?? '')?.[1];
    if (m === null || traceId === undefined || spanId === undefined) throw new Error(`an exemplar without trace_id and span_id: ${line}`);
    out.push({ series: sample.slice(0, space), value: Number(sample.slice(space + 1)), traceId, spanId, exemplarValue: Number(m[2]), timestamp: Number(m[3]) });
  }
  return out;
}
