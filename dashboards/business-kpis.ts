// Business KPIs: what the shop's owners watch, from the demo's shop_*
// metrics. Orders, revenue, sessions and sign-ups are drawn against the same
// time a week earlier (`offset 1w`), as ShopOrdersDroppedWeekOverWeek compares.
import { demoBusinessMetrics } from '../examples/demo-shop/business-metrics.ts';
import { catalog } from '../catalog/index.ts';
import { count, label, ratioOrZero, select, sum } from '../signals/promql.ts';
import { DASHBOARD_UIDS, type DashboardConfig, FOLDERS } from './dashboard-settings.ts';
import { type KitDashboard, kitDashboard, row, serviceVariables } from './lib/common.ts';
import { higherIsWorse, q, type Query, stat, table, timeseries } from './lib/panels.ts';
import { quantile, sumOf, sumRate, TARGET } from './lib/promql.ts';

const b = demoBusinessMetrics;
const paymentMethod = label(b.ordersPlaced, 'payment_method');
const reason = label(b.ordersFailed, 'reason');
const queue = label(b.queueDepth, 'queue');
const outcome = label(b.jobsProcessed, 'outcome');
const plan = label(b.signups, 'plan');
const product = label(b.productViews, 'product_id');

const LAST_WEEK = '1w';
const PER_MINUTE = 60;
const PER_HOUR = 3600;

/** A rate scaled to a readable period, now and (optionally) a week earlier. */
const scaled = (metric: string, labels: readonly string[], factor: number, offset?: string) => `${sumRate(metric, labels, TARGET, offset)} * ${factor}`;

/** The same rate now and a week earlier, as two series of one panel. */
function nowAndLastWeek(metric: string, factor: number, labels: readonly string[] = [], legend = ''): Query[] {
  const prefix = legend === '' ? '' : `${legend} `;
  return [q(scaled(metric, labels, factor), `${prefix}now`), q(scaled(metric, labels, factor, LAST_WEEK), `${prefix}last week`)];
}

function ordersPerMinute() {
  return stat({
    title: 'Orders per minute',
    description: 'Orders placed per minute, all payment methods, on the selected instances.',
    unit: 'short',
    queries: [q(scaled(b.ordersPlaced.name, [], PER_MINUTE), 'orders/min')],
  });
}

function ordersVsLastWeek(c: DashboardConfig) {
  const t = c.alerts.business.ordersWeekOverWeekRatio;
  return stat({
    title: 'Orders vs last week',
    description: `Orders now as a share of the orders at the same time a week earlier. ShopOrdersDroppedWeekOverWeek warns below ${t.value * 100}% (over an hour, for ${t.for}): the red zone. Empty when there were no orders a week ago.`,
    unit: 'percentunit',
    queries: [q(`${sumRate(b.ordersPlaced.name, [], TARGET)} / (${sumRate(b.ordersPlaced.name, [], TARGET, LAST_WEEK)} > 0)`, 'vs last week')],
    base: 'red',
    steps: [{ value: t.value, color: 'green' }],
  });
}

function revenuePerMinute() {
  return stat({
    title: 'Revenue per minute',
    description: 'Euros of placed orders per minute, on the selected instances.',
    unit: 'currencyEUR',
    queries: [q(scaled(b.revenue.name, [], PER_MINUTE), '€/min')],
  });
}

/** Failed checkouts over all checkouts (placed or failed), as ShopOrderFailureRatioHigh computes it. */
function failureRatio(labels: readonly string[]): string {
  const failed = sumRate(b.ordersFailed.name, labels, TARGET);
  return ratioOrZero(failed, `${sumRate(b.ordersPlaced.name, labels, TARGET)} + ${failed}`);
}

function orderFailureStat(c: DashboardConfig) {
  const t = c.alerts.business.orderFailureRatio;
  return stat({
    title: 'Checkouts failing',
    description: `Share of checkouts that ended without an order, any reason. ShopOrderFailureRatioHigh pages above ${t.value * 100}% for ${t.for}: the red threshold.`,
    unit: 'percentunit',
    queries: [q(failureRatio([]), 'failing')],
    steps: higherIsWorse(t.value / 2, t.value),
  });
}

function sessionsStat() {
  return stat({
    title: 'Active sessions',
    description: 'User sessions active in the last 5 minutes, summed over the selected instances.',
    unit: 'short',
    queries: [q(sumOf(b.activeSessions.name, [], TARGET), 'sessions')],
  });
}

function averageOrderStat() {
  return stat({
    title: 'Average order value',
    description: 'Mean value of the orders placed over the last interval.',
    unit: 'currencyEUR',
    queries: [q(ratioOrZero(sumRate(sum(b.orderValue), [], TARGET), sumRate(count(b.orderValue), [], TARGET)), 'average')],
  });
}

function ordersTrend() {
  return timeseries({
    title: 'Orders per minute, now and a week ago',
    description: 'Orders placed per minute against the same time a week earlier: a gap that opens is lost business (or last week was a sale).',
    unit: 'short',
    queries: nowAndLastWeek(b.ordersPlaced.name, PER_MINUTE),
  });
}

function revenueTrend() {
  return timeseries({
    title: 'Revenue per minute, now and a week ago',
    description: 'Euros of placed orders per minute against the same time a week earlier.',
    unit: 'currencyEUR',
    queries: nowAndLastWeek(b.revenue.name, PER_MINUTE),
  });
}

function ordersByMethod() {
  return timeseries({
    title: 'Orders by payment method',
    description: 'Orders placed per minute by payment method (stacked).',
    unit: 'short',
    stacked: true,
    queries: [q(scaled(b.ordersPlaced.name, [paymentMethod], PER_MINUTE), `{{${paymentMethod}}}`)],
  });
}

function failuresByReason() {
  return timeseries({
    title: 'Failed checkouts by reason',
    description: 'Checkouts per minute that placed no order, by reason (stacked): internal points at the service, payment_declined at the provider, out_of_stock at inventory, validation at a client.',
    unit: 'short',
    stacked: true,
    queries: [q(scaled(b.ordersFailed.name, [reason], PER_MINUTE), `{{${reason}}}`)],
  });
}

function declineRatio(c: DashboardConfig) {
  const t = c.alerts.business.paymentDeclineRatio;
  const declined = sumRate(b.paymentsDeclined.name, [paymentMethod], TARGET);
  return timeseries({
    title: 'Payment decline ratio by method',
    description: `Share of payment attempts each provider declined. ShopPaymentDeclineRatioHigh warns above ${t.value * 100}% for ${t.for} (dashed line).`,
    unit: 'percentunit',
    queries: [q(ratioOrZero(declined, `${sumRate(b.ordersPlaced.name, [paymentMethod], TARGET)} + ${declined}`), `{{${paymentMethod}}}`)],
    steps: higherIsWorse(t.value),
  });
}

function checkoutDuration() {
  return timeseries({
    title: 'Checkout duration by payment method',
    description: 'Median and 95th percentile time from checkout request to confirmed order, by payment method.',
    unit: 's',
    queries: [
      q(quantile(0.5, b.checkoutDuration, [paymentMethod], TARGET), `{{${paymentMethod}}} p50`),
      q(quantile(0.95, b.checkoutDuration, [paymentMethod], TARGET), `{{${paymentMethod}}} p95`),
    ],
  });
}

function orderValue() {
  return timeseries({
    title: 'Order value',
    description: 'Median and 90th percentile value of placed orders (from the histogram buckets, so approximate within a bucket).',
    unit: 'currencyEUR',
    queries: [q(quantile(0.5, b.orderValue, [], TARGET), 'p50'), q(quantile(0.9, b.orderValue, [], TARGET), 'p90')],
  });
}

function cartSize() {
  return timeseries({
    title: 'Cart size',
    description: 'Median and 90th percentile items per checked-out cart.',
    unit: 'short',
    queries: [q(quantile(0.5, b.cartItems, [], TARGET), 'p50'), q(quantile(0.9, b.cartItems, [], TARGET), 'p90')],
  });
}

function sessionsTrend() {
  return timeseries({
    title: 'Active sessions, now and a week ago',
    description: 'User sessions active in the last 5 minutes against the same time a week earlier.',
    unit: 'short',
    queries: [q(sumOf(b.activeSessions.name, [], TARGET), 'now'), q(`sum(${select(b.activeSessions.name, ...TARGET)} offset ${LAST_WEEK})`, 'last week')],
  });
}

function signups() {
  return timeseries({
    title: 'Sign-ups per hour by plan, now and a week ago',
    description: 'New accounts per hour by plan, against the same time a week earlier.',
    unit: 'short',
    queries: nowAndLastWeek(b.signups.name, PER_HOUR, [plan], `{{${plan}}}`),
  });
}

function topProducts() {
  return table({
    title: 'Most viewed products',
    description: 'The ten products with the most page views per minute now. The product label is capped at 200 series; views past the cap count under _overflow.',
    unit: 'short',
    queries: [q(`topk(10, ${scaled(b.productViews.name, [product], PER_MINUTE)})`, undefined, { instant: true, table: true })],
    columns: { [product]: 'Product', Value: 'Views/min' },
    sortBy: 'Views/min',
  });
}

function queueDepth() {
  return timeseries({
    title: 'Work queue depth',
    description: 'Jobs waiting in each work queue, per instance (the demo keeps its queues in the process).',
    unit: 'short',
    queries: [q(`max by (instance, ${queue}) (${select(b.queueDepth.name, ...TARGET)})`, `{{instance}} {{${queue}}}`)],
  });
}

function queueGrowth(c: DashboardConfig) {
  const t = c.alerts.business.queueGrowthPerHour;
  return timeseries({
    title: 'Work queue growth per hour',
    description: `Least-squares slope of each queue's depth over 30 minutes, in jobs per hour, as ShopQueueGrowing computes it; it warns above ${t.value} an hour for ${t.for} (dashed line).`,
    unit: 'short',
    queries: [q(`max by (instance, ${queue}) (deriv(${select(b.queueDepth.name, ...TARGET)}[30m])) * ${PER_HOUR}`, `{{instance}} {{${queue}}}`)],
    steps: higherIsWorse(t.value),
  });
}

function jobsProcessed() {
  return timeseries({
    title: 'Jobs processed by outcome',
    description: 'Jobs taken off each queue per minute, succeeded or failed. Fewer completions than arrivals make the queue grow.',
    unit: 'short',
    queries: [q(scaled(b.jobsProcessed.name, [queue, outcome], PER_MINUTE), `{{${queue}}} {{${outcome}}}`)],
  });
}

export function businessKpis(c: DashboardConfig): KitDashboard {
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.businessKpis,
    title: 'Business KPIs',
    description: "The demo shop's own metrics: orders, revenue, checkout failures and payment declines, sessions and sign-ups against last week, work queues. Thresholds are the business alerts'.",
    folder: FOLDERS.services,
    tags: ['business', 'shop'],
    variables: serviceVariables(b.ordersPlaced.name, c),
    rows: [
      row('At a glance', [ordersPerMinute(), ordersVsLastWeek(c), revenuePerMinute(), orderFailureStat(c), averageOrderStat(), sessionsStat()]),
      row('Orders and revenue', [ordersTrend(), revenueTrend(), ordersByMethod(), failuresByReason(), declineRatio(c)]),
      row('Checkout', [checkoutDuration(), orderValue(), cartSize()]),
      row('Users and products', [sessionsTrend(), signups(), topProducts()]),
      row('Work queues', [queueDepth(), queueGrowth(c), jobsProcessed()]),
    ],
  });
}
