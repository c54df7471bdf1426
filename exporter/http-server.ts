// An HTTP server with production timeouts and a `clientError` hook.
//
// Node's defaults suit a laptop, not a server behind a load balancer: its
// 5 s keep-alive timeout is shorter than the balancer's idle timeout (AWS ALB
// 60 s, GCP 600 s, nginx upstream keepalive 60 s), so the server closes
// connections the balancer is about to reuse, and the client gets a 502; and a
// request may take 300 s. These defaults keep idle connections 65 s (above
// the common 60 s), give a client 66 s to send its headers (above
// keepAliveTimeout, so a reused idle connection never races the header timer),
// 90 s for a whole request (Node's default is 300 s), and optionally cap
// connections.
//
// Requests the parser rejects (bad request line, headers over
// --max-http-header-size, header or request timeout) never reach a route:
// without the hook they leave no metric and no log line. The hook counts
// them in http_server_rejected_requests_total{http_response_status_code,error_type},
// logs the first of each kind once per minute (with how many followed), and
// answers the socket as Node would (400/408/431 with Connection: close).
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { httpServerRejectedRequests, type REJECTION_STATUSES, type REJECTION_TYPES } from '../catalog/http-connections.ts';
import type { Logger } from './logger.ts';
import { CounterFamily } from './metric-family.ts';

export interface HttpServerSettings {
  /** Idle keep-alive connections are closed after this (default 65,000 ms: above a load balancer's 60 s idle timeout). */
  keepAliveTimeoutMs?: number;
  /** Time to receive a request's headers (default keepAliveTimeoutMs + 1,000; must exceed it). */
  headersTimeoutMs?: number;
  /** Time to receive a whole request (default 90,000 ms, at least headersTimeoutMs; 0 turns it off). */
  requestTimeoutMs?: number;
  /** Connections accepted at once; more are refused (default: no cap). */
  maxConnections?: number;
  /**
   * How often Node looks for requests past headersTimeoutMs/requestTimeoutMs
   * (default Node's 30,000 ms): a timeout fires up to this much late. Read
   * when the server starts listening.
   */
  timeoutCheckIntervalMs?: number;
}

export const DEFAULT_SERVER_SETTINGS = { keepAliveTimeoutMs: 65_000, requestTimeoutMs: 90_000, timeoutCheckIntervalMs: 30_000 } as const;

export class ServerSettingsError extends Error {
  override name = 'ServerSettingsError';
}

/** The settings with their defaults, validated: a wrong one names the field and the fix. */
export function resolveServerSettings(settings: HttpServerSettings = {}): Required<Omit<HttpServerSettings, 'maxConnections'>> & Pick<HttpServerSettings, 'maxConnections'> {
  const timeoutCheckIntervalMs = settings.timeoutCheckIntervalMs ?? DEFAULT_SERVER_SETTINGS.timeoutCheckIntervalMs;
  const keepAliveTimeoutMs = settings.keepAliveTimeoutMs ?? DEFAULT_SERVER_SETTINGS.keepAliveTimeoutMs;
  const headersTimeoutMs = settings.headersTimeoutMs ?? keepAliveTimeoutMs + 1000;
  const requestTimeoutMs = settings.requestTimeoutMs ?? DEFAULT_SERVER_SETTINGS.requestTimeoutMs;
  const check = (field: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min)) throw new ServerSettingsError(`server settings: ${field} = ${String(value)}: must be an integer of at least ${min}`);
  };
  check('keepAliveTimeoutMs', keepAliveTimeoutMs, 1);
  check('headersTimeoutMs', headersTimeoutMs, 1);
  check('requestTimeoutMs', requestTimeoutMs, 0);
  check('maxConnections', settings.maxConnections, 1);
  check('timeoutCheckIntervalMs', timeoutCheckIntervalMs, 1);
  if (headersTimeoutMs <= keepAliveTimeoutMs) {
    throw new ServerSettingsError(`server settings: headersTimeoutMs (${headersTimeoutMs}) must exceed keepAliveTimeoutMs (${keepAliveTimeoutMs}), or a client reusing an idle connection races the header timer; raise headersTimeoutMs`);
  }
  if (requestTimeoutMs !== 0 && requestTimeoutMs < headersTimeoutMs) {
    throw new ServerSettingsError(`server settings: requestTimeoutMs (${requestTimeoutMs}) must be at least headersTimeoutMs (${headersTimeoutMs}), or 0 to turn it off`);
  }
  return { keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs, timeoutCheckIntervalMs, ...(settings.maxConnections !== undefined && { maxConnections: settings.maxConnections }) };
}

/** Applies the timeouts to a server made elsewhere (Express's app.listen, a framework's server). */
export function applyServerSettings(server: Server, settings: HttpServerSettings = {}): Server {
  const s = resolveServerSettings(settings);
  server.keepAliveTimeout = s.keepAliveTimeoutMs;
  server.headersTimeout = s.headersTimeoutMs;
  server.requestTimeout = s.requestTimeoutMs;
  // Node starts its timeout checker with this value on 'listening' (http.createServer's connectionsCheckingInterval option).
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = s.timeoutCheckIntervalMs;
  if (s.maxConnections !== undefined) server.maxConnections = s.maxConnections;
  return server;
}

export interface ClientErrorOptions {
  registry?: Registry;
  logger: Logger;
  /** Minimum time between two log lines about rejected requests (default 60 s). */
  logIntervalMs?: number;
}

type RejectionType = (typeof REJECTION_TYPES)[number];
type RejectionStatus = (typeof REJECTION_STATUSES)[number];

/** Node's parser errors, as the answer Node itself would give and a bounded reason. */
function classify(err: NodeJS.ErrnoException): { status: RejectionStatus; type: RejectionType } {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return { status: 'none', type: 'connection_reset' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: '431', type: 'header_too_large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'HPE_HEADERS_TIMEOUT':
      return { status: '408', type: 'request_timeout' };
    default:
      return err.code?.startsWith('HPE_') ? { status: '400', type: 'bad_request' } : { status: '400', type: 'other' };
  }
}

/** One counter per registry, shared by every server watched (the app's and the metrics port's). */
const families = new WeakMap<Registry, CounterFamily>();
function rejectedRequests(options: ClientErrorOptions): CounterFamily {
  const { registry } = options;
  let family = registry === undefined ? undefined : families.get(registry);
  if (family === undefined) {
    family = new CounterFamily(httpServerRejectedRequests, { logger: options.logger });
    if (registry !== undefined) families.set(registry, family.register(registry));
  }
  return family;
}

/** Counts, logs (rate-limited) and answers what the parser rejects. */
export function watchClientErrors(server: Server, options: ClientErrorOptions): void {
  const family = rejectedRequests(options);
  const interval = options.logIntervalMs ?? 60_000;
  let lastLog = -Infinity;
  let unlogged = 0;
  // Sockets already answered: when one closes with its request unfinished the
  // parser reports that too (HPE_INVALID_EOF_STATE after a 408), which is the
  // same rejected request, not a second one.
  const answered = new WeakSet<Socket>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (answered.has(socket)) return void socket.destroy();
    answered.add(socket);
    const { status, type } = classify(err);
    family.labels({ http_response_status_code: status, error_type: type }).inc();
    const now = Date.now();
    if (now - lastLog >= interval) {
      // The code and reason only: the raw packet may hold credentials.
      options.logger.warn(
        { event: { dataset: 'http.rejected' }, error: { code: err.code ?? 'unknown', type }, http: { response: { status_code: status === 'none' ? undefined : Number(status) } }, client: { address: socket.remoteAddress }, rejected_since_last_line: unlogged },
        `HTTP request rejected before routing (${type}); further ones are counted in ${httpServerRejectedRequests.name} and logged at most once a minute`,
      );
      lastLog = now;
      unlogged = 0;
    } else unlogged++;
    // As Node's own handler: answer only a socket that can still take a response and has none started.
    const started = (socket as { _httpMessage?: ServerResponse | null })._httpMessage?.headersSent === true;
    if (status === 'none' || !socket.writable || started) return void socket.destroy();
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[Number(status)]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
}

export interface CreateHttpServerOptions extends HttpServerSettings, ClientErrorOptions {}

/** `http.createServer` with production timeouts and the clientError hook. */
export function createHttpServer(handler: RequestListener<typeof IncomingMessage, typeof ServerResponse>, options: CreateHttpServerOptions): Server {
  const server = applyServerSettings(createServer(handler), options);
  watchClientErrors(server, options);
  return server;
}

/** Listens, turning a bind failure into an error naming the address and the cause. */
export function listen(server: Server, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(Object.assign(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }), { code: err.code }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
