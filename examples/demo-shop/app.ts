// The demo shop's HTTP surface. Routers are nested with their own base paths,
// one of them with a parameter (`/api/:version`), so http_route templates
// like `/api/:version/users/:userId/orders/:orderId` show that nesting works.
// Besides happy paths there are routes that throw, reject, are slow, stream,
// and answer 404, so every panel and alert has something to show.
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from 'express';
import { errorLogger } from '../../exporter/logging/error-logger.ts';
import { faultAdminRouter, type FaultSwitch, InjectedFault } from './faults.ts';
import { demoLogger } from './log.ts';
import { checkoutFailureReason, type Outcome, type Shop } from './shop.ts';

export interface AppDeps {
  readonly shop: Shop;
  readonly faults: FaultSwitch;
  readonly adminToken: string | undefined;
  readonly serviceName: string;
  /** Cluster worker id, reported by /api/v1/status (0 outside a cluster). */
  readonly workerId?: number;
  /** The service's own base URL: the recommendations route calls the catalogue over HTTP, as a second service would. */
  readonly selfUrl?: () => string;
}

export const API_VERSIONS = ['v1'] as const;

/** A path parameter as a string (Express types allow arrays for wildcards, which these routes have none of). */
const param = (req: Request, name: string): string => String(req.params[name]);

const send = (res: Response, { status, body }: Outcome) => (body === undefined ? res.status(status).end() : res.status(status).json(body));

export function createApp(deps: AppDeps): Express {
  const { shop, faults } = deps;
  const f = faults.middleware; // first handler of every /api route, so injected faults carry the route's template
  const json = express.json({ limit: '64kb' });

  const products = express.Router();
  products.get('/', f, (req, res) => send(res, shop.products(req.query.category)));
  products.get('/:productId', f, (req, res) => send(res, shop.viewProduct(param(req, 'productId'))));
  // An outgoing call inside a request: its client span is a child of this request's span, and the callee's server span a child of that.
  products.get('/:productId/recommendations', f, async (req, res) => {
    const product = shop.allProducts().find((p) => p.id === param(req, 'productId'));
    if (product === undefined || deps.selfUrl === undefined) return send(res, { status: 404, body: { error: 'product_not_found' } });
    const upstream = await fetch(`${deps.selfUrl()}${req.baseUrl}?category=${encodeURIComponent(product.category)}`);
    if (!upstream.ok) return send(res, { status: 502, body: { error: 'catalogue_unavailable', upstream_status: upstream.status } });
    const sameCategory = (await upstream.json()) as { id: string; name: string }[];
    res.json({ product_id: product.id, recommendations: sameCategory.filter((p) => p.id !== product.id).slice(0, 3) });
  });

  // Mounted at /users/:userId/orders: mergeParams gives the handlers :userId.
  const orders = express.Router({ mergeParams: true });
  orders.get('/', f, (req, res) => send(res, shop.ordersOf(param(req, 'userId'))));
  orders.get('/:orderId', f, (req, res) => send(res, shop.order(param(req, 'userId'), param(req, 'orderId'))));

  const users = express.Router();
  users.post('/', f, json, (req, res) => send(res, shop.signUp(req.body)));
  users.use('/:userId/orders', orders);

  const sessions = express.Router();
  sessions.post('/', f, json, (req, res) => send(res, shop.startSession(req.body)));
  sessions.delete('/:sessionId', f, (req, res) => send(res, shop.endSession(param(req, 'sessionId'))));

  const checkout = express.Router();
  checkout.post('/', f, json, async (req, res) => send(res, await shop.checkout(req.body)));
  // Whatever fails here (a malformed body, an exception, an injected fault) is a lost order too.
  checkout.use(((err, _req, _res, next) => {
    shop.recordFailure(checkoutFailureReason(err));
    next(err);
  }) as ErrorRequestHandler);

  const reports = express.Router();
  reports.get('/slow', f, async (_req, res) => {
    await sleep(250 + Math.random() * 200); // an expensive aggregation
    const orders = shop.recentOrders();
    res.json({ orders: orders.length, revenue_euros: Math.round(orders.reduce((s, o) => s + o.total_euros, 0) * 100) / 100 });
  });

  const api = express.Router({ mergeParams: true });
  // Unknown versions leave the router: they end as unmatched 404s, not as new series.
  api.use((req, _res, next) => next((API_VERSIONS as readonly string[]).includes(param(req, 'version')) ? undefined : 'router'));
  api.use('/products', products);
  api.use('/users', users);
  api.use('/sessions', sessions);
  api.use('/checkout', checkout);
  api.use('/reports', reports);
  api.get('/export', f, streamExport(shop));
  api.get('/status', f, (_req, res) => {
    res.json({ service: deps.serviceName, pid: process.pid, worker_id: deps.workerId ?? 0, uptime_seconds: Math.round(process.uptime()) });
  });
  api.get('/fail', f, () => {
    throw new Error('this route always fails');
  });
  api.get('/fail-async', f, async () => {
    await sleep(5);
    throw new Error('this async route always rejects');
  });

  const app = express();
  app.disable('x-powered-by');
  app.use('/admin', faultAdminRouter(faults, deps.adminToken));
  app.use('/api/:version', api);
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  app.use(errorHandler);
  // Last: every other error is one ECS error line with the request's trace id, and a JSON 500 without the stack.
  app.use(errorLogger({ logger: demoLogger() }));
  return app;
}

/** The catalogue as CSV, written in chunks over about half a second, like a cursor over a big table. */
function streamExport(shop: Shop): express.RequestHandler {
  return async (_req, res) => {
    const products = shop.allProducts();
    const perChunk = Math.ceil(products.length / 10);
    res.status(200).type('text/csv');
    res.write('product_id,name,category,price_euros\n');
    for (let i = 0; i < products.length; i += perChunk) {
      await sleep(40);
      if (res.destroyed) return; // the client went away
      res.write(products.slice(i, i + perChunk).map((p) => `${p.id},${p.name},${p.category},${p.price_euros}\n`).join(''));
    }
    res.end();
  };
}

function isClientError(err: unknown): boolean {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** The demo's own answers: injected faults and malformed bodies; the rest goes on to errorLogger. */
const errorHandler: ErrorRequestHandler = (err, _req, res, next) => {
  if (res.headersSent) return next(err);
  if (err instanceof InjectedFault) {
    res.status(500).json({ error: 'injected_fault', message: 'failed on purpose by the fault switch (/admin/fault)' });
    return;
  }
  if (isClientError(err)) {
    // body-parser's errors: malformed JSON, too large, wrong charset.
    const e = err as { status: number; type?: string; message?: string };
    res.status(e.status).json({ error: e.type ?? 'bad_request', message: e.message });
    return;
  }
  next(err);
};
