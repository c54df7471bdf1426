// A server of its own for /metrics, /healthz and /readyz, so the metrics
// need not be reachable on the app's public port. Paths match as on the app
// port (a trailing slash is the same path, as Express's default routing has
// it); only GET and HEAD are served, anything else is 405 with `Allow`.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Health } from './health.ts';
import { createHttpServer, type HttpServerSettings, listen } from './http-server.ts';
import { type Logger, stderrLogger } from './logger.ts';
import type { MetricsHandler } from './metrics-endpoint.ts';

export interface MetricsServerOptions extends HttpServerSettings {
  readonly logger: Logger;
  readonly registry?: Registry;
}

export function listenMetricsServer(port: number, host: string, metrics: MetricsHandler, health: Health, options: MetricsServerOptions = { logger: stderrLogger }): Promise<Server> {
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => unknown> = {
    '/metrics': metrics,
    '/healthz': health.liveness,
    '/readyz': health.readiness,
  };
  const server = createHttpServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path];
    if (route === undefined) return json(res, 404, { error: 'not_found', message: 'this port serves /metrics, /healthz and /readyz' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method_not_allowed', message: 'use GET or HEAD' }, { allow: 'GET, HEAD' });
    void route(req, res);
  }, options);
  return listen(server, port, host);
}

function json(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
