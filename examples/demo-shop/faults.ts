// Fault injection for the demo: a share of /api requests fail with 500 and
// every /api request can be slowed down, so dashboards and alerts can be
// watched reacting. Changed at run time through /admin/fault or signals.
import type { IncomingMessage } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sameSecret } from '../../exporter/secret.ts';

export interface FaultState {
  /** Share of requests answered with an injected 500, 0..1. */
  readonly error_ratio: number;
  /** Delay added before the route handler runs, in milliseconds. */
  readonly latency_ms: number;
}

export const NO_FAULT: FaultState = Object.freeze({ error_ratio: 0, latency_ms: 0 });
export const MAX_LATENCY_MS = 60_000;

/** An error the fault switch injected; the app's error handler answers it with 500. */
export class InjectedFault extends Error {
  override name = 'InjectedFault';
}

/** `local` is false for a state that came from another process (cluster broadcast). */
type Listener = (state: FaultState, local: boolean) => void;

export class FaultSwitch {
  #state: FaultState;
  readonly #listeners: Listener[] = [];

  constructor(initial: FaultState = NO_FAULT) {
    this.#state = Object.freeze({ ...initial });
  }

  get state(): FaultState {
    return this.#state;
  }

  set(state: FaultState, local = true): void {
    this.#state = Object.freeze({ error_ratio: state.error_ratio, latency_ms: state.latency_ms });
    for (const l of this.#listeners) l(this.#state, local);
  }

  onChange(listener: Listener): void {
    this.#listeners.push(listener);
  }

  /**
   * Route-level middleware: put it in each route's handler list (not in front
   * of the router), so an injected failure is recorded under the route's
   * template rather than as an unmatched request.
   */
  readonly middleware = (_req: Request, res: Response, next: NextFunction): void => {
    const { error_ratio, latency_ms } = this.#state;
    const fail = error_ratio > 0 && Math.random() < error_ratio;
    if (latency_ms === 0) return next(fail ? new InjectedFault('injected fault') : undefined);
    const timer = setTimeout(() => next(fail ? new InjectedFault('injected fault') : undefined), latency_ms);
    // A client that gave up needs no answer; don't hold a timer for it.
    res.once('close', () => clearTimeout(timer));
  };
}

/** Checks a PUT /admin/fault body; returns the new state or every problem found. */
export function parseFaultBody(body: unknown): FaultState | string[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return ['send a JSON object such as {"error_ratio":0.5,"latency_ms":200} with content-type application/json'];
  }
  const problems: string[] = [];
  const fields = body as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (key !== 'error_ratio' && key !== 'latency_ms') problems.push(`${key}: unknown field; allowed fields are error_ratio and latency_ms`);
  }
  const { error_ratio = 0, latency_ms = 0 } = fields;
  if (typeof error_ratio !== 'number' || !(error_ratio >= 0 && error_ratio <= 1)) {
    problems.push(`error_ratio=${JSON.stringify(error_ratio)}: must be a number from 0 to 1`);
  }
  if (typeof latency_ms !== 'number' || !Number.isInteger(latency_ms) || latency_ms < 0 || latency_ms > MAX_LATENCY_MS) {
    problems.push(`latency_ms=${JSON.stringify(latency_ms)}: must be an integer from 0 to ${MAX_LATENCY_MS}`);
  }
  if (problems.length > 0) return problems;
  return { error_ratio: error_ratio as number, latency_ms: latency_ms as number };
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export function isLoopback(req: IncomingMessage): boolean {
  return LOOPBACK.test(req.socket.remoteAddress ?? '');
}

/**
 * GET/PUT/DELETE /fault, to be mounted under /admin. With a token, callers
 * must send it as a bearer token; without one, only loopback clients get in
 * (kubectl port-forward and exec arrive from loopback).
 */
export function faultAdminRouter(faults: FaultSwitch, adminToken: string | undefined): express.Router {
  const router = express.Router();
  router.use((req, res, next) => {
    if (adminToken !== undefined) {
      if (sameSecret(req.headers.authorization ?? '', `Bearer ${adminToken}`)) return next();
      res.status(401).set('www-authenticate', 'Bearer realm="admin"').json({ error: 'unauthorized', message: 'send Authorization: Bearer <ADMIN_TOKEN>' });
      return;
    }
    if (isLoopback(req)) return next();
    res.status(403).json({ error: 'forbidden', message: 'admin endpoints accept only loopback clients unless ADMIN_TOKEN is set' });
  });
  router.get('/fault', (_req, res) => {
    res.json(faults.state);
  });
  router.put('/fault', express.json({ limit: '1kb' }), (req, res) => {
    const parsed = parseFaultBody(req.body);
    if (Array.isArray(parsed)) {
      res.status(400).json({ error: 'invalid_fault', problems: parsed });
      return;
    }
    faults.set(parsed);
    res.json(faults.state);
  });
  router.delete('/fault', (_req, res) => {
    faults.set(NO_FAULT);
    res.json(faults.state);
  });
  return router;
}

/** SIGUSR1 turns on a 50% error ratio, SIGUSR2 clears every fault. Returns a function that removes the handlers. */
export function installFaultSignals(faults: FaultSwitch): () => void {
  // A SIGUSR1 listener also keeps Node from opening its inspector on that signal.
  const on = () => faults.set({ ...faults.state, error_ratio: 0.5 });
  const off = () => faults.set(NO_FAULT);
  process.on('SIGUSR1', on);
  process.on('SIGUSR2', off);
  return () => {
    process.off('SIGUSR1', on);
    process.off('SIGUSR2', off);
  };
}
