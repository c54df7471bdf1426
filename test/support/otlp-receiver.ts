// An OTLP/HTTP trace receiver for tests: decodes ExportTraceServiceRequest,
// in its JSON encoding (@opentelemetry/exporter-trace-otlp-http) or its
// protobuf one (-otlp-proto, read by otlp-protobuf.ts), into flat spans.
// It can misbehave on demand, the ways a collector
// does in production: answer 503, or accept and never answer (blackhole).
// It can stop and start again on the same port, like a restarted collector.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { decodeProtobufTraces } from './otlp-protobuf.ts';

export type ReceiverMode = 'ok' | 'error' | 'blackhole';

type AttributeValue = string | number | boolean | readonly AttributeValue[];

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  readonly kind: number;
  readonly attributes: Readonly<Record<string, AttributeValue>>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  readonly statusCode: number;
  readonly resource: Readonly<Record<string, AttributeValue>>;
  readonly scope: string;
  readonly statusMessage?: string;
  readonly flags?: number;
  readonly startTimeUnixNano?: string;
  readonly endTimeUnixNano?: string;
  readonly events?: readonly { readonly name: string; readonly attributes: Readonly<Record<string, AttributeValue>> }[];
}

export const SPAN_KIND = { internal: 1, server: 2, client: 3 } as const;
export const STATUS_ERROR = 2;

export interface OtlpReceiver {
  /** Base URL for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  readonly url: string;
  readonly port: number;
  readonly spans: readonly ReceivedSpan[];
  /** Headers of every accepted export request. */
  readonly headers: readonly Readonly<Record<string, string | string[] | undefined>>[];
  /** Export requests answered, by status. */
  readonly requests: { ok: number; error: number; blackholed: number; rejected: number };
  setMode(mode: ReceiverMode): void;
  waitForSpans(predicate: (spans: readonly ReceivedSpan[]) => boolean, timeoutMs: number, what: string): Promise<void>;
  /** Closes the port (connections included): the endpoint is down. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: AnyValue[] };
}
interface KeyValue {
  key: string;
  value: AnyValue;
}
interface ExportTraceServiceRequest {
  resourceSpans?: {
    resource?: { attributes?: KeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: KeyValue[];
        status?: { code?: number; message?: string };
        flags?: number;
        startTimeUnixNano?: string | number;
        endTimeUnixNano?: string | number;
        events?: { name: string; attributes?: KeyValue[] }[];
      }[];
    }[];
  }[];
}

function value(v: AnyValue): AttributeValue {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(value);
  throw new Error(`unsupported attribute value ${JSON.stringify(v)}`);
}

const attributes = (kvs: KeyValue[] | undefined) => Object.fromEntries((kvs ?? []).map((kv) => [kv.key, value(kv.value)]));

export function decodeTraces(body: ExportTraceServiceRequest): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        if (!/^[0-9a-f]{32}$/.test(s.traceId) || !/^[0-9a-f]{16}$/.test(s.spanId)) throw new Error(`span ids are not OTLP/JSON hex: ${s.traceId}/${s.spanId}`);
        out.push({
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId === undefined || s.parentSpanId === '' ? undefined : s.parentSpanId,
          name: s.name,
          kind: s.kind,
          attributes: attributes(s.attributes),
          statusCode: s.status?.code ?? 0,
          resource,
          scope: ss.scope?.name ?? '',
          ...(s.status?.message !== undefined && { statusMessage: s.status.message }),
          ...(s.flags !== undefined && { flags: s.flags }),
          ...(s.startTimeUnixNano !== undefined && { startTimeUnixNano: String(s.startTimeUnixNano) }),
          ...(s.endTimeUnixNano !== undefined && { endTimeUnixNano: String(s.endTimeUnixNano) }),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
        });
      }
    }
  }
  return out;
}

export async function startOtlpReceiver(port = 0): Promise<OtlpReceiver> {
  let mode: ReceiverMode = 'ok';
  const spans: ReceivedSpan[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const requests = { ok: 0, error: 0, blackholed: 0, rejected: 0 };
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (mode === 'blackhole') {
      requests.blackholed++;
      return; // read nothing, answer nothing
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (mode === 'error') {
        requests.error++;
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' }).end('{}');
        return;
      }
      const contentType = String(req.headers['content-type']);
      const protobuf = contentType.startsWith('application/x-protobuf');
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !(protobuf || contentType.startsWith('application/json'))) {
        requests.rejected++;
        res.writeHead(415).end();
        return;
      }
      try {
        const body = Buffer.concat(chunks);
        spans.push(...decodeTraces(protobuf ? decodeProtobufTraces(body) : (JSON.parse(body.toString('utf8')) as ExportTraceServiceRequest)));
        if (headers.length < 1000) headers.push(req.headers);
        requests.ok++;
        // An empty body is an empty ExportTraceServiceResponse in protobuf; '{}' is one in JSON.
        if (protobuf) res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch (err) {
        requests.rejected++;
        res.writeHead(400).end(String(err));
      }
    });
  };

  async function start(): Promise<void> {
    const s = createServer(handle);
    s.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    port = (s.address() as { port: number }).port;
    server = s;
  }
  await start();

  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    spans,
    headers,
    requests,
    setMode: (m) => void (mode = m),
    async waitForSpans(predicate, timeoutMs, what) {
      const until = Date.now() + timeoutMs;
      while (!predicate(spans)) {
        if (Date.now() > until) throw new Error(`OTLP receiver: ${what} within ${timeoutMs} ms (have ${spans.length} spans; requests ${JSON.stringify(requests)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s === undefined) return;
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start,
  };
}

/** A W3C traceparent with fresh ids and the sampled flag, so a test can find its request's spans. */
export function traceparent(): { header: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { header: `00-${traceId}-${parentId}-01`, traceId, parentId };
}
