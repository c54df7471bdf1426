// The demo shop's business metrics, declared in catalog form so dashboards
// and alerts can name them. An app declares its own the same way and passes
// them to `exporter.defineMetrics()`.
import { counter, gauge, histogram } from '../../catalog/spec.ts';

export const PAYMENT_METHODS = ['card', 'paypal', 'bank_transfer'] as const;
/** `aborted`: the client hung up while sending the order, neither its mistake in the order nor ours. */
export const ORDER_FAILURE_REASONS = ['payment_declined', 'out_of_stock', 'validation', 'aborted', 'internal'] as const;
export const QUEUES = ['fulfilment', 'email'] as const;
export const PLANS = ['free', 'pro'] as const;

export const demoBusinessMetrics = {
  ordersPlaced: counter({
    name: 'shop_orders_placed_total',
    help: 'Orders placed successfully.',
    unit: '',
    labels: ['payment_method'],
    values: { payment_method: PAYMENT_METHODS },
    source: 'app',
  }),
  ordersFailed: counter({
    name: 'shop_orders_failed_total',
    help: 'Orders that could not be placed, by reason.',
    unit: '',
    labels: ['reason'],
    values: { reason: ORDER_FAILURE_REASONS },
    source: 'app',
  }),
  orderValue: histogram({
    name: 'shop_order_value_euros',
    help: 'Value of placed orders in euros.',
    unit: '',
    labels: ['payment_method'],
    values: { payment_method: PAYMENT_METHODS },
    buckets: [5, 10, 25, 50, 100, 250, 500, 1000],
    source: 'app',
  }),
  revenue: counter({
    name: 'shop_revenue_euros_total',
    help: 'Revenue of placed orders in euros.',
    unit: '',
    labels: [],
    source: 'app',
  }),
  checkoutDuration: histogram({
    name: 'shop_checkout_duration_seconds',
    help: 'Time to place an order, from checkout request to confirmation.',
    unit: 'seconds',
    labels: ['payment_method'],
    values: { payment_method: PAYMENT_METHODS },
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    source: 'app',
  }),
  cartItems: histogram({
    name: 'shop_cart_items',
    help: 'Items per checked-out cart.',
    unit: '',
    labels: [],
    buckets: [1, 2, 3, 5, 8, 13, 21],
    source: 'app',
  }),
  paymentsDeclined: counter({
    name: 'shop_payments_declined_total',
    help: 'Payments the payment provider declined.',
    unit: '',
    labels: ['payment_method'],
    values: { payment_method: PAYMENT_METHODS },
    source: 'app',
  }),
  activeSessions: gauge({
    name: 'shop_active_sessions',
    help: 'User sessions active in the last 5 minutes.',
    unit: '',
    labels: [],
    source: 'app',
  }),
  queueDepth: gauge({
    name: 'shop_queue_depth',
    help: 'Jobs waiting in each work queue.',
    unit: '',
    labels: ['queue'],
    values: { queue: QUEUES },
    source: 'app',
  }),
  jobsProcessed: counter({
    name: 'shop_jobs_processed_total',
    help: 'Jobs taken off the work queues, by outcome.',
    unit: '',
    labels: ['queue', 'outcome'],
    values: { queue: QUEUES, outcome: ['succeeded', 'failed'] },
    source: 'app',
  }),
  signups: counter({
    name: 'shop_signups_total',
    help: 'New accounts, by plan.',
    unit: '',
    labels: ['plan'],
    values: { plan: PLANS },
    source: 'app',
  }),
  productViews: counter({
    name: 'shop_product_views_total',
    help: 'Product page views, by product (an open label, capped at 200 series).',
    unit: '',
    labels: ['product_id'],
    maxSeries: 200,
    source: 'app',
  }),
} as const;
