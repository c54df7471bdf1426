// A server of its own for /metrics, /healthz and /readyz, so the metrics
// need not be reachable on the app's public port.
import { createServer, type Server } from 'node:http';
import type { Health } from './health.ts';
import type { MetricsHandler } from './metrics-endpoint.ts';

export function listenMetricsServer(port: number, host: string, metrics: MetricsHandler, health: Health): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') void metrics(req, res);
    else if (path === '/healthz') health.liveness(req, res);
    else if (path === '/readyz') health.readiness(req, res);
    else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'not_found', message: 'this port serves /metrics, /healthz and /readyz' }));
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
