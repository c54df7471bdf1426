// The demo shop's business panels, declared with the kit's helpers against its
// own metric specs: orders, revenue, checkout failures and payment declines,
// sessions and sign-ups against last week, work queues. Panels that show what
// a business alert watches name that alert, so its threshold is theirs.
import { type BusinessAlert, gaugePanel, quantilePanel, ratePanel, ratioPanel, type BusinessPanel } from '../../signals/project/index.ts';
import { businessAlerts } from './business-alerts.ts';
import { demoBusinessMetrics as m } from './business-metrics.ts';

/** One of the demo's business alerts, by name and kind. */
function alertNamed<K extends BusinessAlert['kind']>(name: string, kind: K): Extract<BusinessAlert, { kind: K }> {
  const found = businessAlerts.find((a) => a.alert === name);
  if (found === undefined || found.kind !== kind) throw new Error(`the demo has no ${kind} business alert named ${name}`);
  return found as Extract<BusinessAlert, { kind: K }>;
}

const orderFailureRatioHigh = alertNamed('ShopOrderFailureRatioHigh', 'ratio-above');
const paymentDeclineRatioHigh = alertNamed('ShopPaymentDeclineRatioHigh', 'ratio-above');
const ordersDroppedWeekOverWeek = alertNamed('ShopOrdersDroppedWeekOverWeek', 'rate-drops-week-over-week');
const queueGrowing = alertNamed('ShopQueueGrowing', 'gauge-growing');

export const businessPanels: readonly BusinessPanel[] = [
  // At a glance
  ratePanel({ style: 'stat', title: 'Orders per minute', description: 'Orders placed per minute, all payment methods, on the selected instances.', metric: m.ordersPlaced }),
  ratePanel({
    style: 'stat',
    title: 'Orders vs last week',
    description: 'Orders now as a share of the orders at the same time a week earlier.',
    metric: m.ordersPlaced,
    alert: ordersDroppedWeekOverWeek,
  }),
  ratePanel({ style: 'stat', title: 'Revenue per minute', description: 'Euros of placed orders per minute, on the selected instances.', metric: m.revenue, unit: 'currencyEUR' }),
  ratioPanel({
    style: 'stat',
    title: 'Checkouts failing',
    description: 'Share of checkouts that ended without an order, any reason.',
    bad: m.ordersFailed,
    total: [m.ordersPlaced, m.ordersFailed],
    alert: orderFailureRatioHigh,
  }),
  quantilePanel({ style: 'stat', title: 'Median order value', description: 'The median value of the orders placed over the last interval.', metric: m.orderValue, quantiles: [0.5], unit: 'currencyEUR' }),
  gaugePanel({ style: 'stat', title: 'Active sessions', description: 'User sessions active in the last 5 minutes, summed over the selected instances.', metric: m.activeSessions }),

  // Orders and revenue
  ratePanel({
    title: 'Orders per minute, now and a week ago',
    description: 'Orders placed per minute against the same time a week earlier: a gap that opens is lost business (or last week was a sale).',
    metric: m.ordersPlaced,
    compareLastWeek: true,
  }),
  ratePanel({
    title: 'Revenue per minute, now and a week ago',
    description: 'Euros of placed orders per minute against the same time a week earlier.',
    metric: m.revenue,
    unit: 'currencyEUR',
    compareLastWeek: true,
  }),
  ratePanel({ title: 'Orders by payment method', description: 'Orders placed per minute by payment method (stacked).', metric: m.ordersPlaced, by: ['payment_method'] }),
  ratePanel({
    title: 'Failed checkouts by reason',
    description: 'Checkouts per minute that placed no order, by reason (stacked): internal points at the service, payment_declined at the provider, out_of_stock at inventory, validation at a client.',
    metric: m.ordersFailed,
    by: ['reason'],
  }),
  ratioPanel({
    title: 'Payment decline ratio by method',
    description: 'Share of payment attempts each provider declined (an attempt either is declined or places an order).',
    bad: m.paymentsDeclined,
    total: [m.ordersPlaced, m.paymentsDeclined],
    by: ['payment_method'],
    alert: paymentDeclineRatioHigh,
  }),

  // Checkout
  quantilePanel({
    title: 'Checkout duration by payment method',
    description: 'Median and 95th percentile time from checkout request to confirmed order, by payment method.',
    metric: m.checkoutDuration,
    quantiles: [0.5, 0.95],
    by: ['payment_method'],
    unit: 's',
  }),
  quantilePanel({
    title: 'Order value',
    description: 'Median and 90th percentile value of placed orders (from the histogram buckets, so approximate within a bucket).',
    metric: m.orderValue,
    quantiles: [0.5, 0.9],
    unit: 'currencyEUR',
  }),
  quantilePanel({ title: 'Cart size', description: 'Median and 90th percentile items per checked-out cart.', metric: m.cartItems, quantiles: [0.5, 0.9] }),

  // Users and products
  gaugePanel({
    title: 'Active sessions, now and a week ago',
    description: 'User sessions active in the last 5 minutes against the same time a week earlier.',
    metric: m.activeSessions,
    compareLastWeek: true,
  }),
  ratePanel({
    title: 'Sign-ups per hour by plan, now and a week ago',
    description: 'New accounts per hour by plan, against the same time a week earlier.',
    metric: m.signups,
    by: ['plan'],
    per: 'hour',
    compareLastWeek: true,
  }),
  ratePanel({
    title: 'Most viewed products',
    description: 'Page views per minute of the ten most viewed products. The product label is capped at 200 series; views past the cap count under _overflow.',
    metric: m.productViews,
    by: ['product_id'],
    top: 10,
  }),

  // Work queues
  gaugePanel({ title: 'Work queue depth', description: 'Jobs waiting in each work queue, summed over the selected instances.', metric: m.queueDepth, by: ['queue'] }),
  gaugePanel({
    title: 'Work queue growth per hour',
    description: "Least-squares slope of each queue's depth, in jobs per hour, as ShopQueueGrowing computes it.",
    metric: m.queueDepth,
    by: ['queue'],
    show: 'growth-per-hour',
    alert: queueGrowing,
  }),
  ratePanel({
    title: 'Jobs processed by outcome',
    description: 'Jobs taken off each queue per minute, succeeded or failed. Fewer completions than arrivals make the queue grow.',
    metric: m.jobsProcessed,
    by: ['queue', 'outcome'],
  }),
];
