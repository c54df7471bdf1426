// The demo shop's domain: products, orders, sign-ups and sessions, held in
// memory with fixed bounds, and the business metrics they drive. Payment and
// stock checks are simulated with realistic latencies and failure rates.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ORDER_FAILURE_REASONS, PAYMENT_METHODS, PLANS } from './business-metrics.ts';
import type { ShopMetrics, WorkQueues } from './queue.ts';

export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export type FailureReason = (typeof ORDER_FAILURE_REASONS)[number];

export interface Product {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly price_euros: number;
}

export interface Order {
  readonly id: string;
  readonly user_id: string;
  readonly items: readonly { readonly product_id: string; readonly quantity: number }[];
  readonly payment_method: PaymentMethod;
  readonly total_euros: number;
  readonly placed_at: string;
}

/** What a route sends back: the shop knows its outcomes, the route only writes them. */
export interface Outcome {
  readonly status: number;
  readonly body: unknown;
}

const CATEGORIES = ['books', 'games', 'garden', 'kitchen', 'music'] as const;
export const PRODUCT_COUNT = 40;
/** From a few euros to a few hundred, mostly cheap, so order values spread over the histogram's buckets. */
const PRICES = [4.99, 7.99, 9.99, 12.99, 14.99, 19.99, 24.99, 34.99, 49.99, 89.99, 149.99, 299.99] as const;

/** A fixed catalogue: product ids are "1".."40", so the product_id label stays bounded. */
export const PRODUCTS: readonly Product[] = Array.from({ length: PRODUCT_COUNT }, (_, i) => ({
  id: String(i + 1),
  name: `${CATEGORIES[i % CATEGORIES.length]} item ${i + 1}`,
  category: CATEGORIES[i % CATEGORIES.length]!,
  price_euros: PRICES[(i * 7) % PRICES.length]!,
}));
const BY_ID = new Map(PRODUCTS.map((p) => [p.id, p]));

/** Simulated provider behaviour per payment method: latency range and decline ratio. */
const PAYMENT: Readonly<Record<PaymentMethod, { minMs: number; maxMs: number; declineRatio: number }>> = {
  card: { minMs: 20, maxMs: 120, declineRatio: 0.05 },
  paypal: { minMs: 60, maxMs: 250, declineRatio: 0.03 },
  bank_transfer: { minMs: 10, maxMs: 40, declineRatio: 0.01 },
};
const OUT_OF_STOCK_RATIO = 0.03;
const MAX_ORDERS = 1000;
const MAX_SESSIONS = 10_000;
const SESSION_TTL_MS = 5 * 60_000;
const ID = /^[A-Za-z0-9_-]{1,64}$/;

const between = (min: number, max: number) => min + Math.random() * (max - min);
const isMember = <T extends string>(list: readonly T[], v: unknown): v is T => typeof v === 'string' && (list as readonly string[]).includes(v);

/**
 * Why a checkout the shop never saw ended (the body could not be read, an
 * exception): a client that hung up mid-body is `aborted`, not an invalid
 * order (`validation`), which would point at a client release.
 */
export function checkoutFailureReason(err: unknown): FailureReason {
  const { status, type } = (err ?? {}) as { status?: unknown; type?: unknown };
  if (type === 'request.aborted') return 'aborted';
  return typeof status === 'number' && status >= 400 && status < 500 ? 'validation' : 'internal';
}

export class Shop {
  readonly #metrics: ShopMetrics;
  readonly #queues: WorkQueues;
  /** Most recent orders; Map keeps insertion order, so the oldest is evicted first. */
  readonly #orders = new Map<string, Order>();
  /** Session id → last seen (ms). */
  readonly #sessions = new Map<string, number>();
  #users = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(metrics: ShopMetrics, queues: WorkQueues) {
    this.#metrics = metrics;
    this.#queues = queues;
    this.#sweeper = setInterval(() => this.#sweepSessions(), 5000).unref();
  }

  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  products(category: unknown): Outcome {
    if (category !== undefined && !isMember(CATEGORIES, category)) {
      return { status: 400, body: { error: 'invalid_category', message: `category must be one of ${CATEGORIES.join(', ')}` } };
    }
    return { status: 200, body: PRODUCTS.filter((p) => category === undefined || p.category === category) };
  }

  allProducts(): readonly Product[] {
    return PRODUCTS;
  }

  /** A product page view: counted only for products that exist, which bounds the label. */
  viewProduct(id: string): Outcome {
    const product = BY_ID.get(id);
    if (product === undefined) return { status: 404, body: { error: 'product_not_found', product_id: id.slice(0, 64) } };
    this.#metrics.productViews.inc({ product_id: product.id });
    return { status: 200, body: product };
  }

  signUp(body: unknown): Outcome {
    const { email, plan = 'free' } = (body ?? {}) as Record<string, unknown>;
    const problems: string[] = [];
    if (typeof email !== 'string' || email.length > 254 || !/^[^@\s]+@[^@\s]+$/.test(email)) problems.push('email must be an e-mail address');
    if (!isMember(PLANS, plan)) problems.push(`plan must be one of ${PLANS.join(', ')}`);
    if (problems.length > 0 || !isMember(PLANS, plan)) return { status: 400, body: { error: 'invalid_signup', problems } };
    this.#metrics.signups.inc({ plan });
    this.#queues.enqueue('email'); // the welcome mail
    return { status: 201, body: { user_id: `u-${++this.#users}`, plan } };
  }

  startSession(body: unknown): Outcome {
    const { user_id } = (body ?? {}) as Record<string, unknown>;
    if (typeof user_id !== 'string' || !ID.test(user_id)) return { status: 400, body: { error: 'invalid_session', problems: ['user_id must be 1 to 64 letters, digits, "_" or "-"'] } };
    if (this.#sessions.size >= MAX_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    const id = randomUUID();
    this.#sessions.set(id, Date.now());
    this.#metrics.activeSessions.set(this.#sessions.size);
    return { status: 201, body: { session_id: id, user_id } };
  }

  endSession(id: string): Outcome {
    if (!this.#sessions.delete(id)) return { status: 404, body: { error: 'session_not_found' } };
    this.#metrics.activeSessions.set(this.#sessions.size);
    return { status: 204, body: undefined };
  }

  ordersOf(userId: string): Outcome {
    return { status: 200, body: [...this.#orders.values()].filter((o) => o.user_id === userId) };
  }

  order(userId: string, orderId: string): Outcome {
    const order = this.#orders.get(orderId);
    if (order === undefined || order.user_id !== userId) return { status: 404, body: { error: 'order_not_found' } };
    return { status: 200, body: order };
  }

  recentOrders(): readonly Order[] {
    return [...this.#orders.values()];
  }

  /** An order that failed for a reason the checkout did not see itself (an exception, an injected fault). */
  recordFailure(reason: FailureReason): void {
    this.#metrics.ordersFailed.inc({ reason });
  }

  async checkout(body: unknown): Promise<Outcome> {
    const started = performance.now();
    const parsed = parseCheckout(body);
    if (Array.isArray(parsed)) {
      this.recordFailure('validation');
      return { status: 400, body: { error: 'invalid_order', problems: parsed } };
    }
    const { user_id, payment_method, items } = parsed;
    this.#metrics.cartItems.observe(items.reduce((n, i) => n + i.quantity, 0));

    await sleep(between(2, 10)); // stock check
    if (Math.random() < OUT_OF_STOCK_RATIO) {
      this.recordFailure('out_of_stock');
      return { status: 409, body: { error: 'out_of_stock', product_id: items[0]!.product_id } };
    }

    const provider = PAYMENT[payment_method];
    await sleep(between(provider.minMs, provider.maxMs));
    if (Math.random() < provider.declineRatio) {
      this.#metrics.paymentsDeclined.inc({ payment_method });
      this.recordFailure('payment_declined');
      return { status: 402, body: { error: 'payment_declined', payment_method } };
    }

    const total = Math.round(items.reduce((sum, i) => sum + BY_ID.get(i.product_id)!.price_euros * i.quantity, 0) * 100) / 100;
    const order: Order = { id: randomUUID(), user_id, items, payment_method, total_euros: total, placed_at: new Date().toISOString() };
    if (this.#orders.size >= MAX_ORDERS) this.#orders.delete(this.#orders.keys().next().value!);
    this.#orders.set(order.id, order);

    this.#metrics.ordersPlaced.inc({ payment_method });
    this.#metrics.orderValue.observe({ payment_method }, total);
    this.#metrics.revenue.inc(total);
    this.#metrics.checkoutDuration.observe({ payment_method }, (performance.now() - started) / 1000);
    this.#queues.enqueue('fulfilment');
    this.#queues.enqueue('email'); // the order confirmation
    return { status: 201, body: order };
  }

  #sweepSessions(): void {
    const cutoff = Date.now() - SESSION_TTL_MS;
    for (const [id, seen] of this.#sessions) if (seen < cutoff) this.#sessions.delete(id);
    this.#metrics.activeSessions.set(this.#sessions.size);
  }
}

type CheckoutInput = Pick<Order, 'user_id' | 'payment_method' | 'items'>;

/** The checkout body, or every problem with it. */
function parseCheckout(body: unknown): CheckoutInput | string[] {
  const { user_id, payment_method, items } = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof user_id !== 'string' || !ID.test(user_id)) problems.push('user_id must be 1 to 64 letters, digits, "_" or "-"');
  if (!isMember(PAYMENT_METHODS, payment_method)) problems.push(`payment_method must be one of ${PAYMENT_METHODS.join(', ')}`);
  const lines: CheckoutInput['items'][number][] = [];
  if (!Array.isArray(items) || items.length === 0 || items.length > 50) {
    problems.push('items must be a list of 1 to 50 {"product_id","quantity"} objects');
  } else {
    for (const [i, item] of items.entries()) {
      const { product_id, quantity } = (item ?? {}) as Record<string, unknown>;
      if (typeof product_id !== 'string' || !BY_ID.has(product_id)) problems.push(`items[${i}].product_id must name a product (1 to ${PRODUCT_COUNT})`);
      else if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || quantity > 99) problems.push(`items[${i}].quantity must be an integer from 1 to 99`);
      else lines.push({ product_id, quantity });
    }
  }
  if (problems.length > 0 || typeof user_id !== 'string' || !isMember(PAYMENT_METHODS, payment_method)) return problems;
  return { user_id, payment_method, items: lines };
}
