// Business metrics declared through createExporter().defineMetrics(): typed
// instruments record what they are given, and every misuse fails with a
// message that names the metric, the label or the value.
import { describe, expect, test, vi } from 'vitest';
import { counter, gauge, histogram } from '../../catalog/spec.ts';
import { createExporter } from '../../exporter/exporter.ts';
import { renderRegistry } from '../../exporter/exposition.ts';
import type { Logger } from '../../exporter/logger.ts';
import { LabelValueError, MAX_LABEL_VALUE_LENGTH } from '../../exporter/metric-family.ts';
import { MetricDefinitionError } from '../../exporter/naming.ts';

const shopSpecs = {
  orders: counter({
    name: 'shop_orders_placed_total',
    help: 'Orders placed.',
    unit: '',
    labels: ['payment_method'],
    values: { payment_method: ['card', 'paypal'] },
  }),
  revenue: counter({ name: 'shop_revenue_euros_total', help: 'Revenue in euros.', unit: '', labels: [] }),
  queueDepth: gauge({ name: 'shop_queue_depth', help: 'Jobs waiting per queue.', unit: '', labels: ['queue'], values: { queue: ['email', 'fulfilment'] } }),
  sessions: gauge({ name: 'shop_active_sessions', help: 'Active sessions.', unit: '', labels: [] }),
  checkout: histogram({
    name: 'shop_checkout_duration_seconds',
    help: 'Checkout time.',
    unit: 'seconds',
    labels: ['payment_method'],
    values: { payment_method: ['card', 'paypal'] },
    buckets: [0.1, 0.5, 1],
  }),
  cartItems: histogram({ name: 'shop_cart_items', help: 'Items per cart.', unit: '', labels: [], buckets: [1, 5, 10] }),
  productViews: counter({ name: 'shop_product_views_total', help: 'Views per product.', unit: '', labels: ['product_id'], maxSeries: 3 }),
  searches: counter({ name: 'shop_searches_total', help: 'Searches by term (open label).', unit: '', labels: ['term', 'region'] }),
};

function setup() {
  const warnings: { fields: Record<string, unknown>; message: string }[] = [];
  const logger: Logger = { warn: (fields, message) => warnings.push({ fields, message }) };
  const exporter = createExporter({ hostMetrics: false, processMetrics: false, logger });
  const m = exporter.defineMetrics(shopSpecs);
  /** Sample lines of the Prometheus text whose name starts with `prefix`. */
  const lines = async (prefix: string) =>
    (await renderRegistry(exporter.registry, 'prometheus')).split('\n').filter((l) => l.startsWith(prefix) && (l[prefix.length] === '{' || l[prefix.length] === ' '));
  return { exporter, m, warnings, lines };
}

/** Runs `fn` and returns [error class name, message]. */
function failure(fn: () => unknown): [string, string] {
  try {
    fn();
  } catch (err) {
    return [(err as Error).constructor.name, (err as Error).message];
  }
  throw new Error('expected a throw');
}

describe('typed instruments', () => {
  test('counters increment by one without a value and by the value given', async () => {
    const { m, lines } = setup();
    m.orders.inc({ payment_method: 'card' });
    m.orders.inc({ payment_method: 'card' }, 2.5);
    m.orders.inc({ payment_method: 'paypal' }, 0);
    m.revenue.inc(19.99);
    m.revenue.inc();

    expect(await lines('shop_orders_placed_total')).toEqual(['shop_orders_placed_total{payment_method="card"} 3.5', 'shop_orders_placed_total{payment_method="paypal"} 0']);
    expect(await lines('shop_revenue_euros_total')).toEqual(['shop_revenue_euros_total 20.99']);
  });

  test('closed label sets exist at zero before the first event', async () => {
    const { lines } = setup();
    expect(await lines('shop_orders_placed_total')).toEqual(['shop_orders_placed_total{payment_method="card"} 0', 'shop_orders_placed_total{payment_method="paypal"} 0']);
    expect(await lines('shop_queue_depth')).toEqual(['shop_queue_depth{queue="email"} 0', 'shop_queue_depth{queue="fulfilment"} 0']);
    expect(await lines('shop_active_sessions')).toEqual(['shop_active_sessions 0']);
    // An open label has no series until it is used.
    expect(await lines('shop_product_views_total')).toEqual([]);
  });

  test('gauges set, increment and decrement, labelled ones taking the labels first', async () => {
    const { m, lines } = setup();
    m.queueDepth.set({ queue: 'email' }, 10);
    m.queueDepth.inc({ queue: 'email' });
    m.queueDepth.inc({ queue: 'email' }, 4);
    m.queueDepth.dec({ queue: 'email' }, 3);
    m.queueDepth.dec({ queue: 'fulfilment' });
    m.sessions.set(7);
    m.sessions.inc();
    m.sessions.inc(2);
    m.sessions.dec();
    m.sessions.dec(0.5);

    expect(await lines('shop_queue_depth')).toEqual(['shop_queue_depth{queue="email"} 12', 'shop_queue_depth{queue="fulfilment"} -1']);
    expect(await lines('shop_active_sessions')).toEqual(['shop_active_sessions 8.5']);
  });

  test('histograms observe values into cumulative buckets', async () => {
    const { m, lines } = setup();
    m.checkout.observe({ payment_method: 'card' }, 0.05);
    m.checkout.observe({ payment_method: 'card' }, 0.5);
    m.checkout.observe({ payment_method: 'card' }, 3);
    m.cartItems.observe(4);
    m.cartItems.observe(12);

    expect(await lines('shop_checkout_duration_seconds_bucket')).toEqual([
      'shop_checkout_duration_seconds_bucket{payment_method="card",le="0.1"} 1',
      'shop_checkout_duration_seconds_bucket{payment_method="card",le="0.5"} 2',
      'shop_checkout_duration_seconds_bucket{payment_method="card",le="1"} 2',
      'shop_checkout_duration_seconds_bucket{payment_method="card",le="+Inf"} 3',
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="0.1"} 0',
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="0.5"} 0',
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="1"} 0',
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="+Inf"} 0',
    ]);
    expect(await lines('shop_checkout_duration_seconds_sum')).toEqual([
      'shop_checkout_duration_seconds_sum{payment_method="card"} 3.55',
      'shop_checkout_duration_seconds_sum{payment_method="paypal"} 0',
    ]);
    expect(await lines('shop_cart_items_bucket')).toEqual([
      'shop_cart_items_bucket{le="1"} 0',
      'shop_cart_items_bucket{le="5"} 1',
      'shop_cart_items_bucket{le="10"} 1',
      'shop_cart_items_bucket{le="+Inf"} 2',
    ]);
    expect(await lines('shop_cart_items_sum')).toEqual(['shop_cart_items_sum 16']);
    expect(await lines('shop_cart_items_count')).toEqual(['shop_cart_items_count 2']);
  });

  test('startTimer observes and returns the elapsed seconds, labelled and unlabelled', async () => {
    const { m, lines } = setup();
    let now = 1_000;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    try {
      const stop = m.checkout.startTimer({ payment_method: 'paypal' });
      now += 250;
      expect(stop()).toBe(0.25);
      const stopCart = m.cartItems.startTimer();
      now += 2_000;
      expect(stopCart()).toBe(2);
    } finally {
      clock.mockRestore();
    }
    expect(await lines('shop_checkout_duration_seconds_sum')).toEqual([
      'shop_checkout_duration_seconds_sum{payment_method="card"} 0',
      'shop_checkout_duration_seconds_sum{payment_method="paypal"} 0.25',
    ]);
    expect((await lines('shop_checkout_duration_seconds_bucket')).filter((l) => l.includes('paypal'))).toEqual([
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="0.1"} 0',
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="0.5"} 1',
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="1"} 1',
      'shop_checkout_duration_seconds_bucket{payment_method="paypal",le="+Inf"} 1',
    ]);
    expect(await lines('shop_cart_items_sum')).toEqual(['shop_cart_items_sum 2']);
  });

  test('instruments carry their spec for dashboards and alerts', () => {
    const { m } = setup();
    expect(m.orders.spec).toBe(shopSpecs.orders);
    expect(m.checkout.spec.buckets).toEqual([0.1, 0.5, 1]);
  });
});

describe('definition errors', () => {
  test('rejects a bad name with the naming rule', () => {
    const { exporter } = setup();
    expect(failure(() => exporter.defineMetrics({ bad: gauge({ name: 'shop-depth', help: 'x', unit: '', labels: [] }) }))).toEqual([
      'MetricDefinitionError',
      'metric "shop-depth": name is not a valid Prometheus metric name; use letters, digits and underscores, not starting with a digit (colons are for recording rules)',
    ]);
    expect(failure(() => exporter.defineMetrics({ bad: counter({ name: 'shop_refunds', help: 'x', unit: '', labels: [] }) }))).toEqual([
      'MetricDefinitionError',
      'metric "shop_refunds": name of a counter must end in "_total"; rename it to "shop_refunds_total"',
    ]);
  });

  test.each([
    ['http_server_x_total', 'http_server_'],
    ['http_requests_custom_total', 'http_request'],
    ['process_x', 'process_'],
    ['nodejs_x', 'nodejs_'],
    ['system_x', 'system_'],
  ])('rejects %s: the prefix %s belongs to the exporter', (name, prefix) => {
    const { exporter } = setup();
    const spec = name.endsWith('_total') ? counter({ name, help: 'x', unit: '', labels: [] }) : gauge({ name, help: 'x', unit: '', labels: [] });
    expect(failure(() => exporter.defineMetrics({ mine: spec }))).toEqual([
      'MetricDefinitionError',
      `metric "${name}" (mine): name starts with "${prefix}", reserved for the exporter's own metrics; prefix it with your app or domain, e.g. "shop_"`,
    ]);
  });

  test('rejects a second registration of the same name', () => {
    const { exporter } = setup();
    expect(failure(() => exporter.defineMetrics({ again: counter({ name: 'shop_orders_placed_total', help: 'x', unit: '', labels: [] }) }))).toEqual([
      'MetricDefinitionError',
      'metric "shop_orders_placed_total" (again): name is already registered; each metric is declared once',
    ]);
    expect(failure(() => exporter.defineMetrics({ a: gauge({ name: 'shop_twice', help: 'x', unit: '', labels: [] }), b: gauge({ name: 'shop_twice', help: 'y', unit: '', labels: [] }) }))).toEqual([
      'MetricDefinitionError',
      'metric "shop_twice" (b): name is already registered; each metric is declared once',
    ]);
  });

  test('error classes are the exported ones', () => {
    const { exporter, m } = setup();
    expect(() => exporter.defineMetrics({ x: gauge({ name: 'up', help: 'x', unit: '', labels: [] }) })).toThrow(MetricDefinitionError);
    expect(() => m.orders.inc({ payment_method: 'cash' })).toThrow(LabelValueError);
  });
});

describe('label and value errors', () => {
  test('rejects a value outside a closed label set, listing the allowed ones', () => {
    const { m } = setup();
    expect(failure(() => m.orders.inc({ payment_method: 'cash' }))).toEqual([
      'LabelValueError',
      'metric "shop_orders_placed_total": label "payment_method" has undeclared value "cash"; allowed: card, paypal',
    ]);
    expect(failure(() => m.queueDepth.set({ queue: 'sms' }, 1))).toEqual([
      'LabelValueError',
      'metric "shop_queue_depth": label "queue" has undeclared value "sms"; allowed: email, fulfilment',
    ]);
  });

  test('rejects a missing label, every time', () => {
    const { m } = setup();
    for (let i = 0; i < 2; i++) {
      // @ts-expect-error the label set lacks payment_method
      expect(failure(() => m.orders.inc({}))).toEqual(['LabelValueError', 'metric "shop_orders_placed_total": label "payment_method" is missing; give all of payment_method']);
      // @ts-expect-error the label set lacks region
      expect(failure(() => m.searches.inc({ term: 'shoes' }))).toEqual(['LabelValueError', 'metric "shop_searches_total": label "region" is missing; give all of term, region']);
    }
    m.searches.inc({ term: 'undefined', region: 'eu' });
    // A missing label must not land in the series of the string "undefined".
    // @ts-expect-error the label set lacks term
    expect(failure(() => m.searches.inc({ region: 'eu' }))).toEqual(['LabelValueError', 'metric "shop_searches_total": label "term" is missing; give all of term, region']);
  });

  test('rejects a label the metric does not declare, also for label sets already in use', async () => {
    const { m, lines } = setup();
    const extra = { payment_method: 'card', coupon: 'SPRING' };
    // Closed label sets exist from the start, so this label set is already "in use".
    expect(failure(() => m.orders.inc(extra))).toEqual([
      'LabelValueError',
      'metric "shop_orders_placed_total": label "coupon" is not declared; declared labels: payment_method',
    ]);
    // Open labels: once before first use, once after.
    const views = { product_id: 'p1', colour: 'red' };
    expect(failure(() => m.productViews.inc(views))).toEqual(['LabelValueError', 'metric "shop_product_views_total": label "colour" is not declared; declared labels: product_id']);
    m.productViews.inc({ product_id: 'p1' });
    expect(failure(() => m.productViews.inc(views))).toEqual(['LabelValueError', 'metric "shop_product_views_total": label "colour" is not declared; declared labels: product_id']);
    // @ts-expect-error an unlabelled instrument takes the value first
    expect(failure(() => m.revenue.inc({ region: 'eu' }))).toEqual(['TypeError', 'metric "shop_revenue_euros_total": value must be a finite number, got [object Object]']);

    expect(await lines('shop_orders_placed_total')).toEqual(['shop_orders_placed_total{payment_method="card"} 0', 'shop_orders_placed_total{payment_method="paypal"} 0']);
    expect(await lines('shop_product_views_total')).toEqual(['shop_product_views_total{product_id="p1"} 1']);
  });

  test('rejects a negative counter increment and leaves the counter as it was', async () => {
    const { m, lines } = setup();
    m.revenue.inc(5);
    expect(failure(() => m.revenue.inc(-1))).toEqual(['RangeError', 'counter increment must be a non-negative number, got -1']);
    expect(failure(() => m.orders.inc({ payment_method: 'card' }, -0.01))).toEqual(['RangeError', 'counter increment must be a non-negative number, got -0.01']);
    expect(await lines('shop_revenue_euros_total')).toEqual(['shop_revenue_euros_total 5']);
  });

  test.each([Number.NaN, Infinity, -Infinity])('rejects the non-finite value %s on every instrument', async (v) => {
    const { m, lines } = setup();
    const msg = (name: string) => ['TypeError', `metric "${name}": value must be a finite number, got ${String(v)}`];
    expect(failure(() => m.revenue.inc(v))).toEqual(msg('shop_revenue_euros_total'));
    expect(failure(() => m.orders.inc({ payment_method: 'card' }, v))).toEqual(msg('shop_orders_placed_total'));
    expect(failure(() => m.sessions.set(v))).toEqual(msg('shop_active_sessions'));
    expect(failure(() => m.queueDepth.inc({ queue: 'email' }, v))).toEqual(msg('shop_queue_depth'));
    expect(failure(() => m.queueDepth.dec({ queue: 'email' }, v))).toEqual(msg('shop_queue_depth'));
    expect(failure(() => m.checkout.observe({ payment_method: 'card' }, v))).toEqual(msg('shop_checkout_duration_seconds'));
    expect(failure(() => m.cartItems.observe(v))).toEqual(msg('shop_cart_items'));
    expect(await lines('shop_active_sessions')).toEqual(['shop_active_sessions 0']);
    expect(await lines('shop_cart_items_count')).toEqual(['shop_cart_items_count 0']);
  });

  test('rejects set and observe without a value', () => {
    const { m } = setup();
    // @ts-expect-error set needs a value
    expect(failure(() => m.sessions.set())).toEqual(['TypeError', 'metric "shop_active_sessions": set needs a value']);
    // @ts-expect-error observe needs a value
    expect(failure(() => m.cartItems.observe())).toEqual(['TypeError', 'metric "shop_cart_items": observe needs a value']);
  });
});

describe('open labels', () => {
  test('caps an open label at maxSeries with one _overflow series and one warning', async () => {
    const { m, lines, warnings } = setup();
    for (const id of ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p1', 'p4']) m.productViews.inc({ product_id: id });

    expect(await lines('shop_product_views_total')).toEqual([
      'shop_product_views_total{product_id="p1"} 2',
      'shop_product_views_total{product_id="p2"} 1',
      'shop_product_views_total{product_id="p3"} 1',
      'shop_product_views_total{product_id="_overflow"} 4',
    ]);
    expect(warnings).toEqual([
      {
        fields: { metric: 'shop_product_views_total', max_series: 3, overflow_value: '_overflow' },
        message: 'metric shop_product_views_total reached its cap of 3 series; new label sets are recorded with every label set to "_overflow"',
      },
    ]);
  });

  test('truncates label values longer than 128 characters, keeping one series per truncated value', async () => {
    const { m, lines } = setup();
    expect(MAX_LABEL_VALUE_LENGTH).toBe(128);
    const long = 'q'.repeat(300);
    m.searches.inc({ term: long, region: 'eu' });
    m.searches.inc({ term: `${'q'.repeat(128)}-different-tail`, region: 'eu' });
    m.searches.inc({ term: 'short', region: 'eu' });

    expect(await lines('shop_searches_total')).toEqual([`shop_searches_total{term="${'q'.repeat(128)}",region="eu"} 2`, 'shop_searches_total{term="short",region="eu"} 1']);
  });

  test('keeps label sets apart even when a value contains a separator-like character', async () => {
    const { m, lines } = setup();
    m.searches.inc({ term: 'a\u0001b', region: 'c' });
    m.searches.inc({ term: 'a', region: 'b\u0001c' });
    expect(await lines('shop_searches_total')).toEqual([
      'shop_searches_total{term="a\u0001b",region="c"} 1',
      'shop_searches_total{term="a",region="b\u0001c"} 1',
    ]);
  });

  test('takes numbers as label values of open labels', async () => {
    const { m, lines } = setup();
    m.productViews.inc({ product_id: 42 });
    m.productViews.inc({ product_id: '42' });
    expect(await lines('shop_product_views_total')).toEqual(['shop_product_views_total{product_id="42"} 2']);
  });
});
