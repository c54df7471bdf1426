// Built-in traffic generator: TRAFFIC_RPS requests per second against the
// shop's own routes, so a fresh `npm start` has live graphs without a load
// tool. The mix is weighted like a shop's: mostly product views, some
// checkouts and sign-ups, a few slow reports, failures and 404s.
import { PAYMENT_METHODS, PLANS } from './business-metrics.ts';
import { PRODUCT_COUNT } from './shop.ts';

export interface Traffic {
  /** Stops sending and aborts requests in flight. */
  stop(): Promise<void>;
}

interface Request {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
}

const TICK_MS = 50;
const USERS = 50;
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
/** Skewed towards low ids: a few best-sellers get most views, as in any shop. */
const productId = () => String(Math.floor(PRODUCT_COUNT * Math.random() ** 2) + 1);
const userId = () => `u-${Math.floor(Math.random() * USERS) + 1}`;

/** Ids seen in responses, so later requests can refer to them; small rings, bounded. */
class Recent {
  readonly #items: string[] = [];
  add(id: string): void {
    this.#items.push(id);
    if (this.#items.length > 100) this.#items.shift();
  }
  take(): string | undefined {
    return this.#items.length === 0 ? undefined : this.#items.splice(Math.floor(Math.random() * this.#items.length), 1)[0];
  }
  any(): string | undefined {
    return this.#items.length === 0 ? undefined : pick(this.#items);
  }
}

export function startTraffic(baseUrl: string, rps: number): Traffic {
  const sessions = new Recent();
  const orders = new Recent(); // "userId/orderId"

  const checkoutBody = () => ({
    user_id: userId(),
    payment_method: pick(PAYMENT_METHODS),
    // One request in thirty is malformed, as real clients send now and then.
    items: Math.random() < 1 / 30 ? [] : Array.from({ length: 1 + Math.floor(Math.random() ** 2 * 5) }, () => ({ product_id: productId(), quantity: 1 + Math.floor(Math.random() ** 4 * 4) })),
  });

  const MIX: readonly [weight: number, make: () => Request][] = [
    [30, () => ({ method: 'GET', path: `/api/v1/products/${Math.random() < 0.03 ? 900 + Math.floor(Math.random() * 99) : productId()}` })],
    [10, () => ({ method: 'GET', path: Math.random() < 0.5 ? '/api/v1/products' : `/api/v1/products?category=${pick(['books', 'games', 'garden', 'kitchen', 'music'])}` })],
    [12, () => ({ method: 'POST', path: '/api/v1/checkout', body: checkoutBody() })],
    [4, () => ({ method: 'POST', path: '/api/v1/users', body: { email: `user${Math.floor(Math.random() * 1e6)}@example.com`, plan: Math.random() < 0.8 ? 'free' : pick(PLANS) } })],
    [6, () => ({ method: 'POST', path: '/api/v1/sessions', body: { user_id: userId() } })],
    [3, () => ({ method: 'DELETE', path: `/api/v1/sessions/${sessions.take() ?? 'expired-session'}` })],
    [6, () => ({ method: 'GET', path: `/api/v1/users/${userId()}/orders` })],
    [5, () => ({ method: 'GET', path: `/api/v1/users/${orders.any() ?? `${userId()}/orders/unknown`}` })],
    [3, () => ({ method: 'GET', path: '/api/v1/status' })],
    [3, () => ({ method: 'GET', path: `/api/v1/products/${productId()}/recommendations` })],
    [2, () => ({ method: 'GET', path: '/api/v1/reports/slow' })],
    [1, () => ({ method: 'GET', path: '/api/v1/export' })],
    [5, () => ({ method: 'GET', path: pick(['/favicon.ico', '/wp-login.php', '/.env', '/api/v1/nope', '/api/v2/products']) })],
    [1, () => ({ method: 'GET', path: '/api/v1/fail' })],
    [1, () => ({ method: 'GET', path: '/api/v1/fail-async' })],
  ];
  const totalWeight = MIX.reduce((s, [w]) => s + w, 0);
  const next = (): Request => {
    let r = Math.random() * totalWeight;
    for (const [w, make] of MIX) if ((r -= w) < 0) return make();
    return MIX[0]![1]();
  };

  const abort = new AbortController();
  const inFlight = new Set<Promise<void>>();
  // Slow or faulty routes must not pile requests up without end.
  const maxInFlight = Math.max(20, Math.ceil(rps * 5));

  async function send(req: Request): Promise<void> {
    try {
      const res = await fetch(`${baseUrl}${req.path}`, {
        method: req.method,
        signal: abort.signal,
        ...(req.body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(req.body) }),
      });
      const text = await res.text();
      if (res.status !== 201) return;
      const body = JSON.parse(text) as { session_id?: string; id?: string; user_id?: string };
      if (body.session_id !== undefined) sessions.add(body.session_id);
      else if (body.id !== undefined && body.user_id !== undefined) orders.add(`${body.user_id}/orders/${body.id}`);
    } catch {
      // Refused while the server stops, aborted by stop(): nothing to do.
    }
  }

  let credit = 0;
  const timer = setInterval(() => {
    credit = Math.min(credit + (rps * TICK_MS) / 1000, rps); // never more than a second's worth at once
    while (credit >= 1) {
      credit--;
      if (inFlight.size >= maxInFlight) continue;
      const p = send(next()).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }, TICK_MS);

  return {
    async stop() {
      clearInterval(timer);
      abort.abort();
      await Promise.allSettled(inFlight);
    },
  };
}
