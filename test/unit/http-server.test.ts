// The server helper: production timeouts, settings checked with a clear
// error, and requests Node's parser rejects counted, logged once per window
// and answered the way Node answers them.
import { connect } from 'node:net';
import express from 'express';
import { Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { createExporter } from '../../exporter/exporter.ts';
import { createHttpServer, resolveServerSettings, ServerSettingsError } from '../../exporter/http-server.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import { listening } from '../support/servers.ts';

/**
 * Sends raw bytes and resolves with the status line (or '' when the server
 * closed without answering). With `dripMs`, then sends one more header byte
 * every `dripMs` until the server closes: a slowloris client that is never idle.
 */
function raw(port: number, bytes: string, dripMs?: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let drip: NodeJS.Timeout | undefined;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (dripMs !== undefined) drip = setInterval(() => socket.writable && socket.write('x'), dripMs);
    });
    let reply = '';
    const done = () => {
      clearInterval(drip);
      resolve(reply.split('\r\n')[0] ?? '');
    };
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('close', done);
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? done() : reject(err)));
  });
}

describe('createServer', () => {
  test('keeps idle connections above a 60 s load-balancer idle timeout, headers above that, requests 90 s', () => {
    const exporter = createExporter({ hostMetrics: false, processMetrics: false, logger: { warn() {} } });
    const server = exporter.createServer(express());
    expect({ keepAlive: server.keepAliveTimeout, headers: server.headersTimeout, request: server.requestTimeout }).toEqual({ keepAlive: 65_000, headers: 66_000, request: 90_000 });
    const capped = exporter.createServer(express(), { keepAliveTimeoutMs: 120_000, requestTimeoutMs: 0, maxConnections: 500 });
    expect({ keepAlive: capped.keepAliveTimeout, headers: capped.headersTimeout, request: capped.requestTimeout, max: capped.maxConnections }).toEqual({ keepAlive: 120_000, headers: 121_000, request: 0, max: 500 });
  });

  test('refuses settings that race each other, naming the field', () => {
    expect(() => resolveServerSettings({ keepAliveTimeoutMs: 65_000, headersTimeoutMs: 60_000 })).toThrow(/headersTimeoutMs \(60000\) must exceed keepAliveTimeoutMs/);
    expect(() => resolveServerSettings({ requestTimeoutMs: 10_000 })).toThrow(/requestTimeoutMs \(10000\) must be at least headersTimeoutMs/);
    expect(() => resolveServerSettings({ maxConnections: 0 })).toThrow(ServerSettingsError);
  });

  test('parser rejections: 431 and 400 answered, counted by status and reason, logged once per window', async () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const exporter = createExporter({ hostMetrics: false, processMetrics: false, logger: { warn: (fields, message) => void warnings.push({ fields, message }) } });
    const app = express();
    app.get('/', (_req, res) => void res.send('ok'));
    const { port } = await listening(exporter.createServer(app).listen(0, '127.0.0.1'));

    const huge = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect(await raw(port, huge)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect(await raw(port, 'GARBAGE\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n')).toBe('HTTP/1.1 400 Bad Request');
    expect(await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 200 OK');

    const text = await renderRegistry(exporter.registry, 'prometheus');
    expect(text).toMatch(/^http_server_rejected_requests_total\{http_response_status_code="431",error_type="header_too_large"\} 1$/m);
    expect(text).toMatch(/^http_server_rejected_requests_total\{http_response_status_code="400",error_type="bad_request"\} 2$/m);
    const rejected = warnings.filter((w) => w.message.startsWith('HTTP request rejected'));
    expect(rejected).toHaveLength(1); // the next two fall in the same minute
    expect(rejected[0]!.fields).toMatchObject({ error: { code: 'HPE_HEADER_OVERFLOW', type: 'header_too_large' }, http: { response: { status_code: 431 } } });
    expect(JSON.stringify(rejected[0])).not.toContain('aaaa'); // the raw packet is never logged
  });

  test('headers still dripping in after headersTimeoutMs: 408 answered, counted once per connection, logged once per window', { timeout: 30_000 }, async () => {
    const WINDOW_MS = 3000;
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const registry = new Registry();
    const app = express();
    app.get('/', (_req, res) => void res.send('ok'));
    // Timeouts in milliseconds and a fast checker, so the 408 comes within a second.
    const server = createHttpServer(app, {
      keepAliveTimeoutMs: 100,
      headersTimeoutMs: 300,
      requestTimeoutMs: 300,
      timeoutCheckIntervalMs: 50,
      registry,
      logIntervalMs: WINDOW_MS,
      logger: { warn: (fields, message) => void warnings.push({ fields, message }) },
    });
    const { port } = await listening(server.listen(0, '127.0.0.1'));
    const slowloris = async () => {
      const started = Date.now();
      const status = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ', 40);
      return { status, ms: Date.now() - started };
    };
    const rejected = () => warnings.filter((w) => w.message.startsWith('HTTP request rejected'));
    const count = async (status: string, type: string) => {
      const text = await renderRegistry(registry, 'prometheus');
      return Number(new RegExp(`^http_server_rejected_requests_total\\{http_response_status_code="${status}",error_type="${type}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    };

    // Two at once: both answered 408 once the header timer ran out, one log line for both.
    const firstTwo = await Promise.all([slowloris(), slowloris()]);
    const firstLineAt = Date.now();
    for (const { status, ms } of firstTwo) {
      expect(status).toBe('HTTP/1.1 408 Request Timeout');
      expect(ms).toBeGreaterThanOrEqual(300);
    }
    expect(await count('408', 'request_timeout')).toBe(2);
    expect(rejected()).toHaveLength(1);
    expect(rejected()[0]!.fields).toMatchObject({ error: { code: 'ERR_HTTP_REQUEST_TIMEOUT', type: 'request_timeout' }, http: { response: { status_code: 408 } }, rejected_since_last_line: 0 });

    // A well-formed request on the same server is untouched.
    expect(await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toBe('HTTP/1.1 200 OK');

    // The next window: a new line, saying how many went unlogged since the last one.
    await new Promise((r) => setTimeout(r, WINDOW_MS - (Date.now() - firstLineAt) + 50));
    expect((await slowloris()).status).toBe('HTTP/1.1 408 Request Timeout');
    expect(await count('408', 'request_timeout')).toBe(3);
    expect(rejected()).toHaveLength(2);
    expect(rejected()[1]!.fields).toMatchObject({ error: { code: 'ERR_HTTP_REQUEST_TIMEOUT' }, rejected_since_last_line: 1 });
    // The connection's end after a 408 is not a second rejection (the parser reports the cut-off headers too).
    expect(await count('400', 'bad_request')).toBe(0);
    expect(await count('none', 'connection_reset')).toBe(0);
  });
});
