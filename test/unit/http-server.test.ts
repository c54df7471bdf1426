// The server helper: production timeouts, settings checked with a clear
// error, and requests Node's parser rejects counted, logged once per window
// and answered the way Node answers them.
import { connect } from 'node:net';
import express from 'express';
import { describe, expect, test } from 'vitest';
import { createExporter } from '../../exporter/exporter.ts';
import { resolveServerSettings, ServerSettingsError } from '../../exporter/http-server.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import { listening } from '../support/servers.ts';

/** Sends raw bytes and resolves with the status line (or '' when the server closed without answering). */
function raw(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('close', () => resolve(reply.split('\r\n')[0] ?? ''));
    socket.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' ? resolve(reply.split('\r\n')[0] ?? '') : reject(err)));
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
});
