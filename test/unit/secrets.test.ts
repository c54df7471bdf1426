// No secret leaves the process. The demo runs with tracing to a real OTLP
// receiver and logs to stdout and a Logstash-like TCP input; requests carry
// secrets in every place a client can put one (query parameters by every
// name of the policy, percent-encoded names, matrix parameters, an
// absolute-form target, headers, JSON bodies, a malformed body echoed in an
// error). Then everything that left the process is read: stdout and stderr,
// the bytes the TCP input received, the spans the receiver decoded, and
// /metrics in both formats. None of the secrets is in any of them.
import { createServer, type Server, connect } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { type OtlpReceiver, startOtlpReceiver } from '../support/otlp-receiver.ts';
import { waitFor } from '../support/net.ts';

let receiver: OtlpReceiver;
let demo: DemoProcess;
let logstash: Server;
let shipped = '';

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  logstash = createServer((socket) => socket.on('data', (d: Buffer) => (shipped += d.toString())));
  await new Promise<void>((resolve) => logstash.listen(0, '127.0.0.1', resolve));
  demo = await startDemoProcess({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    LOGSTASH_HOST: '127.0.0.1',
    LOGSTASH_PORT: String((logstash.address() as { port: number }).port),
    LOG_LEVEL: 'debug',
  });
});
afterAll(async () => {
  if (demo?.child.exitCode === null) await demo.stop();
  await receiver?.stop();
  await new Promise((r) => logstash?.close(r));
});

/** Query parameter names every client library uses for credentials; each gets its own secret value. */
const QUERY_NAMES = [
  'token', 'access_token', 'refresh_token', 'id_token', 'password', 'passwd', 'pass', 'pwd', 'secret', 'client_secret', 'key', 'api_key', 'apikey',
  'api-key', 'jwt', 'auth', 'authorization', 'session', 'sessionid', 'signature', 'sig', 'code', 'credential', 'credentials', 'X-Amz-Signature',
  'Token', 'ACCESS_TOKEN', 'accessToken', 'user[password]', '%74oken', '%70%61%73%73word', 'api%5Fkey',
];

/** Raw HTTP/1.1 on a socket, for targets fetch would normalise (absolute-form, matrix parameters). */
function rawRequest(url: string, requestLine: string, headers: string[] = []): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(`${requestLine}\r\nHost: ${hostname}:${port}\r\n${headers.map((h) => `${h}\r\n`).join('')}Connection: close\r\n\r\n`));
    let reply = '';
    socket.on('data', (d: Buffer) => (reply += d.toString()));
    socket.on('close', () => resolve(reply.split('\r\n')[0]!));
    socket.on('error', reject);
  });
}

test('secrets in queries, paths, headers and bodies reach no log line, Logstash, span or /metrics', { timeout: 60_000 }, async () => {
  const secrets: string[] = [];
  const secret = (where: string) => {
    const value = `SEKRET${String(secrets.length).padStart(3, '0')}x${where.replace(/[^A-Za-z0-9]/g, '')}`;
    secrets.push(value);
    return value;
  };
  const base = demo.url;
  const answers: string[] = [];

  // Query parameters, each name alone and all in one request, with either separator.
  for (const name of QUERY_NAMES) answers.push(String((await fetch(`${base}/api/v1/products?page=2&${name}=${secret(`q-${name}`)}`)).status));
  answers.push(String((await fetch(`${base}/api/v1/products?${QUERY_NAMES.map((n) => `${n}=${secret(`all-${n}`)}`).join('&')}`)).status));
  answers.push(await rawRequest(base, `GET /api/v1/products?category=books;token=${secret('semicolon')} HTTP/1.1`));
  // Matrix (path) parameters, on a matched and an unmatched path.
  answers.push(await rawRequest(base, `GET /api/v1/products;jsessionid=${secret('matrix-1')}/3 HTTP/1.1`));
  answers.push(await rawRequest(base, `GET /api/v1/products/3;token=${secret('matrix-2')};color=red HTTP/1.1`));
  // Absolute-form targets (what a proxy sends), with user info too.
  answers.push(await rawRequest(base, `GET http://shop.example/api/v1/products?access_token=${secret('absolute')} HTTP/1.1`));
  answers.push(await rawRequest(base, `GET http://ada:${secret('userinfo')}@shop.example/api/v1/status?x=1 HTTP/1.1`));
  // Headers, in the schemes' any case.
  answers.push(
    String(
      (
        await fetch(`${base}/api/v1/status`, {
          headers: { authorization: `bearer ${secret('bearer')}`, cookie: `session=${secret('cookie')}`, 'x-api-key': secret('x-api-key'), 'proxy-authorization': `Basic ${secret('proxy')}` },
        })
      ).status,
    ),
  );
  answers.push(String((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${secret('metrics-auth')}` } })).status));
  // JSON bodies with secrets, accepted and rejected.
  const post = async (path: string, body: string) =>
    String((await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status);
  answers.push(await post('/api/v1/users', JSON.stringify({ email: 'ada@example.com', password: secret('signup-password'), plan: 'free' })));
  answers.push(await post('/api/v1/sessions', JSON.stringify({ user_id: 'u1', token: secret('session-token') })));
  answers.push(await post('/api/v1/checkout', JSON.stringify({ user_id: 'u1', card: { number: '4111', cvc: '123' }, api_key: secret('checkout-key') })));
  // A malformed body: the parser's error quotes it; the answer goes to the client, never to telemetry.
  answers.push(await post('/api/v1/checkout', `password=${secret('malformed-1')}&token=${secret('malformed-2')}`));
  // A failing route with a secret in its query: the error path logs the request.
  answers.push(String((await fetch(`${base}/api/v1/fail?client_secret=${secret('fail')}`)).status));

  // Everything flushed: the spans of every request at the receiver, the lines at the TCP input.
  await receiver.waitForSpans((spans) => spans.filter((s) => s.kind === 2).length >= answers.length - 1, 20_000, 'a server span per request');
  const text = await (await fetch(demo.metricsUrl)).text();
  const openMetrics = await (await fetch(demo.metricsUrl, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text();
  await waitFor(() => shipped.split('\n').length > answers.length, 10_000, 'log lines at the Logstash input');
  const code = await demo.stop();
  expect(code).toBe(0);

  const outputs: Record<string, string> = {
    stdout: JSON.stringify(demo.logs()),
    stderr: demo.stderr(),
    logstash: shipped,
    spans: JSON.stringify(receiver.spans),
    metrics: text,
    openmetrics: openMetrics,
  };
  const leaks = Object.entries(outputs).flatMap(([where, content]) => secrets.filter((s) => content.includes(s)).map((s) => `${s} in ${where}`));
  console.log(`secrets drill: ${secrets.length} secret values in ${answers.length} requests (${QUERY_NAMES.length} query names, matrix, absolute-form, user info, headers, bodies); answers ${[...new Set(answers)].join(', ')}; ${leaks.length} leaks; read ${Object.entries(outputs).map(([k, v]) => `${k} ${v.length} B`).join(', ')}`);
  expect(leaks).toEqual([]);
  // The censored requests are still there, readable: the redaction hides values, not requests.
  expect(outputs.spans).toContain('"url.query":"page=2&token=[REDACTED]"');
  expect(outputs.stdout).toContain('access_token=[REDACTED]');
  expect(outputs.logstash).toContain(';jsessionid=[REDACTED]');
});
