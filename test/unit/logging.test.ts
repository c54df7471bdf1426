// Logs as Elastic Common Schema JSON lines: fields Logstash and Kibana rely
// on, trace ids of the active span, secrets censored, and shipping to a TCP
// json_lines input that never holds a request up, whether Logstash is down
// or stops reading.
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createExporter } from '../../exporter/exporter.ts';
import { createLogger } from '../../exporter/logging/ecs-logger.ts';
import { LogstashStream } from '../../exporter/logging/logstash-stream.ts';
import { logRequest, type RequestLogger } from '../../exporter/logging/request-log.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import { startDemoProcess } from '../support/demo-process.ts';
import { flood } from '../support/load.ts';
import { freePort, waitFor } from '../support/net.ts';
import { listening } from '../support/servers.ts';

/** A destination that keeps every line pino writes. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter((l) => l !== ''));
      done();
    },
  });
  return { lines, stream, records: () => lines.map((l) => JSON.parse(l) as Record<string, any>) };
}

beforeAll(() => {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(new TracerProvider());
});

describe('ECS lines', () => {
  test('carry @timestamp, log.level, message, ecs.version, service, process and host fields', async () => {
    const out = capture();
    const { logger, close } = createLogger({ serviceName: 'checkout', serviceVersion: '1.2.3', environment: 'production', destination: out.stream });
    logger.warn({ order: { id: 'o-1' } }, 'payment slow');
    await close();
    const [line] = out.records();
    expect(Object.keys(line!).slice(0, 2)).toEqual(['log.level', '@timestamp']);
    expect(line).toMatchObject({
      'log.level': 'warn',
      message: 'payment slow',
      ecs: { version: '8.11.0' },
      service: { name: 'checkout', version: '1.2.3', environment: 'production' },
      process: { pid: process.pid },
      host: { hostname: expect.any(String) },
      order: { id: 'o-1' },
    });
    expect(new Date(line!['@timestamp']).toISOString()).toBe(line!['@timestamp']);
  });

  test('errors become error.type, error.message and error.stack_trace', async () => {
    const out = capture();
    const { logger, close } = createLogger({ serviceName: 's', destination: out.stream });
    logger.error({ error: new RangeError('quantity out of range') }, 'checkout failed');
    logger.error(new TypeError('bad body'));
    await close();
    const [a, b] = out.records();
    expect(a!.error).toMatchObject({ type: 'RangeError', message: 'quantity out of range', stack_trace: expect.stringContaining('RangeError: quantity out of range') });
    expect(b!.error).toMatchObject({ type: 'TypeError', message: 'bad body' });
  });

  test('a line logged inside a span carries its trace.id and span.id; outside, none', async () => {
    const out = capture();
    const { logger, close } = createLogger({ serviceName: 's', destination: out.stream });
    const span = trace.getTracer('t').startSpan('work');
    await context.with(trace.setSpan(context.active(), span), async () => {
      await new Promise((r) => setTimeout(r, 5)); // across an await, as in a request handler
      logger.info('inside');
    });
    logger.info('outside');
    span.end();
    await close();
    const [inside, outside] = out.records();
    expect(inside).toMatchObject({ trace: { id: span.spanContext().traceId }, span: { id: span.spanContext().spanId } });
    expect(outside!.trace).toBeUndefined();
  });

  test('authorization, cookies, tokens and passwords are censored wherever the usual shapes put them', async () => {
    const out = capture();
    const { logger, close } = createLogger({ serviceName: 's', destination: out.stream });
    logger.info({ req: { headers: { authorization: 'Bearer s3cr3t-bearer', cookie: 'sid=s3cr3t-cookie', accept: 'text/html' } } }, 'incoming');
    logger.info({ user: { password: 's3cr3t-password' }, token: 's3cr3t-token', http: { request: { headers: { authorization: 'Basic s3cr3t-basic' } } } }, 'login');
    await close();
    const text = out.lines.join('\n');
    expect(text).not.toMatch(/s3cr3t/);
    const [incoming, login] = out.records();
    expect(incoming!.req.headers).toEqual({ authorization: '[REDACTED]', cookie: '[REDACTED]', accept: 'text/html' });
    expect(login).toMatchObject({ user: { password: '[REDACTED]' }, token: '[REDACTED]', http: { request: { headers: { authorization: '[REDACTED]' } } } });
  });
});

describe('the request log line', () => {
  test.each([
    ['through pino (logRequests: true)', false],
    ['through createLogger().accessLogger (its own template)', true],
  ])('%s: one line per request with http.*, url.*, event.duration, user_agent; query secrets redacted; no header values', async (_name, fast) => {
    const out = capture();
    const { logger, accessLogger, close } = createLogger({ serviceName: 'shop', destination: out.stream });
    const exporter = createExporter({ logger, logRequests: fast ? accessLogger : true, traces: true, processMetrics: false, hostMetrics: false });
    const app = express();
    app.use(exporter.middleware);
    const orders = express.Router();
    orders.get('/:id', (_req, res) => void res.json({ ok: true }));
    app.use('/orders', orders);
    app.get('/boom', () => {
      throw new Error('boom');
    });
    const { base: url } = await listening(createHttpServer(app).listen(0, '127.0.0.1'));
    await (await fetch(`${url}/orders/42?access_token=s3cr3t-q&page=2`, { headers: { authorization: 'Bearer s3cr3t-h', cookie: 'sid=s3cr3t-c', 'user-agent': 'probe/1.0' } })).text();
    await (await fetch(`${url}/boom`)).text();
    await (await fetch(`${url}/nowhere`)).text();
    await close();

    expect(out.lines.join('\n')).not.toMatch(/s3cr3t/);
    const [ok, failed, missing] = out.records().filter((r) => r.event?.dataset === 'http.access');
    expect(ok).toMatchObject({
      'log.level': 'info',
      message: 'GET /orders/42 200',
      http: { request: { method: 'GET' }, response: { status_code: 200 }, route: '/orders/:id', version: '1.1' },
      url: { path: '/orders/42', query: 'access_token=[REDACTED]&page=2' },
      user_agent: { original: 'probe/1.0' },
      client: { address: '127.0.0.1' },
      trace: { id: expect.stringMatching(/^[0-9a-f]{32}$/) },
      span: { id: expect.stringMatching(/^[0-9a-f]{16}$/) },
      event: { duration: expect.any(Number) },
    });
    expect(ok!.event.duration).toBeGreaterThan(0);
    expect(failed).toMatchObject({ 'log.level': 'error', http: { response: { status_code: 500 }, route: '/boom' } });
    expect(missing).toMatchObject({ 'log.level': 'warn', http: { response: { status_code: 404 } } });
    expect(missing!.http.route).toBeUndefined(); // unmatched: no route to name
  });

  test('the access logger writes the same document as the pino path, escaping included', async () => {
    const out = capture();
    const { logger, accessLogger, close } = createLogger({ serviceName: 'shop', serviceVersion: '2.0.0', environment: 'staging', destination: out.stream });
    const viaPino: RequestLogger = { info: (f, m) => logger.info(f, m), warn: (f, m) => logger.warn(f, m), error: (f, m) => logger.error(f, m) };
    const span = new TracerProvider().getTracer('t').startSpan('s');
    const requests = [
      { url: '/orders/42?password=hunter2&page=2', headers: { 'user-agent': 'curl/8 "quoted" \\ back\u0001slash é 漢' }, remoteAddress: '10.0.0.7' },
      { url: '/plain', headers: {}, remoteAddress: undefined },
      { url: '/we"ird\\path\n?x=1', headers: { 'user-agent': '' }, remoteAddress: '::1' },
    ];
    const cases: [number, string | undefined, typeof span | undefined][] = [
      [200, '/orders/:id', span],
      [404, undefined, undefined],
      [503, '/we"ird/:x', span],
    ];
    for (const [i, r] of requests.entries()) {
      const req = { url: r.url, originalUrl: r.url, httpVersion: '1.1', headers: r.headers, socket: { remoteAddress: r.remoteAddress } } as unknown as IncomingMessage;
      const [status, route, s] = cases[i]!;
      logRequest(viaPino, req, 'GET', route, status, 0.0123456, s);
      logRequest(accessLogger, req, 'GET', route, status, 0.0123456, s);
    }
    await close();
    const records = out.records();
    expect(records).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      const { '@timestamp': _a, ...pinoLine } = records[i]!;
      const { '@timestamp': _b, ...fastLine } = records[i + 1]!;
      expect(fastLine).toEqual(pinoLine);
    }
    expect(records.map((r) => r['log.level'])).toEqual(['info', 'info', 'warn', 'warn', 'error', 'error']);
    expect(records[1]).toMatchObject({ url: { query: 'password=[REDACTED]&page=2' }, trace: { id: span.spanContext().traceId } });
  });

  test('the access logger follows the logger level', async () => {
    const out = capture();
    const { accessLogger, close } = createLogger({ serviceName: 'shop', level: 'warn', destination: out.stream });
    const req = { url: '/x', httpVersion: '1.1', headers: {}, socket: {} } as unknown as IncomingMessage;
    logRequest(accessLogger, req, 'GET', '/x', 200, 0.001, undefined);
    logRequest(accessLogger, req, 'GET', '/x', 404, 0.001, undefined);
    await close();
    expect(out.records().map((r) => r.message)).toEqual(['GET /x 404']);
  });
});

/** A json_lines TCP input like Logstash's: records every line, or stops reading when paused. */
async function tcpInput(port = 0) {
  const lines: string[] = [];
  const sockets = new Set<Socket>();
  let paused = false;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (paused) socket.pause();
    let rest = '';
    socket.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop()!;
      lines.push(...parts);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    lines,
    pause: () => void (paused = true),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('shipping to Logstash over TCP (json_lines)', () => {
  test('lines arrive as ECS JSON objects, one per line, after the stdout line', async () => {
    const input = await tcpInput();
    const out = capture();
    const registry = new Registry();
    const { logger, close } = createLogger({ serviceName: 'shop', destination: out.stream, logstash: { host: '127.0.0.1', port: input.port }, registry });
    for (let i = 0; i < 100; i++) logger.info({ n: i }, 'line');
    await waitFor(async () => input.lines.length === 100, 5000, 'not all lines reached the TCP input');
    await close();
    const records = input.lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(records.map((r) => r.n)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(records[0]).toMatchObject({ 'log.level': 'info', message: 'line', service: { name: 'shop' }, ecs: { version: '8.11.0' } });
    expect(out.lines).toHaveLength(100);
    expect(await renderRegistry(registry, 'prometheus')).toMatch(/^log_records_shipped_total\{destination="logstash"\} 100$/m);
  });

  test('Logstash down: writes return at once, a bounded backlog waits, the rest is counted as dropped, and the backlog is delivered on reconnect', async () => {
    const port = await freePort();
    const registry = new Registry();
    const stream = new LogstashStream({ host: '127.0.0.1', port, maxBufferBytes: 10_000, registry, confirmAfterMs: 200 });
    const line = `${JSON.stringify({ message: 'x'.repeat(80) })}\n`; // 96 bytes
    for (let i = 0; i < 1000; i++) expect(stream.write(line)).toBe(true);
    const kept = Math.floor(10_000 / line.length);
    expect(stream.stats).toMatchObject({ produced: 1000, shipped: 0, droppedBufferFull: 0, droppedDisconnected: 1000 - kept, pending: kept });
    const input = await tcpInput(port);
    await waitFor(async () => input.lines.length === kept, 10_000, 'the backlog was not delivered after Logstash came up');
    // Shipped once the connection stayed open for the confirmation window after the write.
    await waitFor(async () => stream.stats.shipped === kept, 5000, 'the delivered backlog was not confirmed');
    expect(await renderRegistry(registry, 'prometheus')).toMatch(new RegExp(`^log_records_dropped_total\\{destination="logstash",reason="disconnected"\\} ${1000 - kept}$`, 'm'));
    await stream.close();
    await input.close();
  });

  test('Logstash stops reading: the socket buffer stays under the budget and the excess is counted as buffer_full', async () => {
    const input = await tcpInput();
    input.pause();
    const stream = new LogstashStream({ host: '127.0.0.1', port: input.port, maxBufferBytes: 256 * 1024, confirmAfterMs: 200 });
    let writes = 0;
    await waitFor(
      async () => {
        writes++;
        stream.write('{"warmup":true}\n');
        return stream.stats.shipped > 0;
      },
      5000,
      'never connected',
    );
    const line = `${JSON.stringify({ message: 'y'.repeat(1000) })}\n`;
    for (let i = 0; i < 20_000; i++) stream.write(line); // 20 MB against a 256 KiB budget
    const { shipped, droppedBufferFull, droppedDisconnected, pending } = stream.stats;
    expect(droppedBufferFull).toBeGreaterThan(15_000);
    expect(shipped + droppedBufferFull + droppedDisconnected + pending).toBe(writes + 20_000); // every line is shipped, counted or held
    await stream.close(100);
    const closed = stream.stats;
    expect(closed.shipped + closed.droppedBufferFull + closed.droppedDisconnected).toBe(writes + 20_000);
    await input.close();
  });
});

describe('the demo with a stalled Logstash', () => {
  let input: Awaited<ReturnType<typeof tcpInput>>;
  afterAll(async () => input?.close());

  test('serves every request and counts the dropped log lines on /metrics', { timeout: 60_000 }, async () => {
    input = await tcpInput();
    input.pause();
    const demo = await startDemoProcess({ LOGSTASH_HOST: '127.0.0.1', LOGSTASH_PORT: String(input.port), OTEL_SDK_DISABLED: 'true' });
    try {
      const outcomes = await flood(demo.url, 20_000, 20, (i) => `/api/v1/products/${(i % 20) + 1}?pad=${'p'.repeat(400)}`);
      expect(outcomes).toEqual({ 200: 20_000 });
      const text = await (await fetch(demo.metricsUrl)).text();
      const dropped = Number(/^log_records_dropped_total\{destination="logstash",reason="buffer_full"\} (\d+)$/m.exec(text)?.[1]);
      const shipped = Number(/^log_records_shipped_total\{destination="logstash"\} (\d+)$/m.exec(text)?.[1]);
      console.log(`stalled logstash: ${shipped} lines shipped (taken by the kernel, connection open 1 s after), ${dropped} dropped`);
      expect(dropped).toBeGreaterThan(0);
      // The rest is held for Logstash (written, not yet taken): at most the 8 MiB budget, and each line is over 500 bytes.
      expect((20_000 - shipped - dropped) * 500).toBeLessThanOrEqual(8 * 1024 * 1024);
    } finally {
      await demo.stop();
    }
  });
});
