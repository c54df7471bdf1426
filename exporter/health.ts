// Liveness and readiness endpoints with JSON bodies. Readiness turns false
// when shutdown starts, so load balancers drain the instance before it stops.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type HealthHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface Health {
  /** `/healthz`: 200 while the process can serve at all. */
  readonly liveness: HealthHandler;
  /** `/readyz`: 200 when ready, 503 while starting or shutting down. */
  readonly readiness: HealthHandler;
  setReady(ready: boolean, reason?: string): void;
  readonly ready: boolean;
}

export function createHealth(initiallyReady = true): Health {
  let ready = initiallyReady;
  let reason = initiallyReady ? 'ready' : 'starting';
  const send = (res: ServerResponse, status: number, body: object) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  return {
    liveness: (_req, res) => send(res, 200, { status: 'ok', uptime_seconds: Math.round(process.uptime()) }),
    readiness: (_req, res) => send(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not_ready', reason }),
    setReady(value, why) {
      ready = value;
      reason = why ?? (value ? 'ready' : 'not_ready');
    },
    get ready() {
      return ready;
    },
  };
}
