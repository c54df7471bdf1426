// The demo shop's business alerts, declared with the kit's helpers against its
// own metric specs: orders fail, payments are declined, orders drop against
// last week, work queues back up. They watch what the shop's owners watch,
// whatever the HTTP metrics say.
//
// The exporter creates every series of a closed label set at zero when the
// metric is defined, so placed, failed and declined counters all exist from
// the start and the ratios are defined (0, not absent) before any order.
import { gaugeGrowing, rateDropsWeekOverWeek, ratioAbove, series, where, type BusinessAlert } from '../../signals/project/index.ts';
import { counterValues, percent } from '../../signals/promql.ts';
import { recorded } from '../../signals/recording-rules.ts';
import { demoBusinessMetrics as m } from './business-metrics.ts';

/** Share of checkouts failing inside the shop (not declines, stock-outs or invalid orders, which are the shop working). */
const ORDER_FAILURE_RATIO = 0.05;
const PAYMENT_DECLINE_RATIO = 0.2;
const ORDERS_WEEK_OVER_WEEK_RATIO = 0.5;
const QUEUE_GROWTH_PER_HOUR = 100;

const placed = (method: string, values: string) => series(m.ordersPlaced, { payment_method: method }, values);
const failed = (reason: string, values: string) => series(m.ordersFailed, { reason }, values);
const declined = (method: string, values: string) => series(m.paymentsDeclined, { payment_method: method }, values);
const depth = (queue: string, values: string) => series(m.queueDepth, { queue }, values);

const orderFailureRatioHigh = ratioAbove({
  alert: 'ShopOrderFailureRatioHigh',
  // Only the failures that mean harm: a declined card, a stock-out or an invalid order is the shop doing its job.
  bad: where(m.ordersFailed, { reason: ['internal'] }),
  total: [m.ordersPlaced, m.ordersFailed],
  threshold: ORDER_FAILURE_RATIO,
  window: '5m',
  for: '5m',
  severity: 'critical',
  summary: 'Too many checkouts fail inside the shop.',
  description: '{{ $labels.job }}: {{ $value | humanizePercentage }} of the checkouts of the last 5 minutes failed with an internal error (threshold {threshold}).',
  runbook: {
    meaning: `More than ${percent(ORDER_FAILURE_RATIO)} of checkouts in the last 5 minutes failed with an internal error (an exception or an injected fault). Declined payments (ShopPaymentDeclineRatioHigh), stock-outs and invalid orders are not counted: they are the shop working.`,
    impact: 'Customers cannot buy: lost revenue now, and customers who may not come back.',
    diagnosis: [
      `Failures by reason: \`sum by (reason) (rate(${m.ordersFailed.name}{job="<job>"}[5m]))\`; \`internal\` points at the service, \`payment_declined\` at the payment provider (ShopPaymentDeclineRatioHigh), \`out_of_stock\` at inventory, \`validation\` at a client release.`,
      `Whether HTTP errors rose with it: \`${recorded.errorRatio}{job="<job>"}\`; follow an exemplar of a failed checkout to its trace and logs.`,
      'Check recent deploys of the shop and its clients, and the fault switch of the demo (`GET /admin/fault`).',
    ],
    mitigation: ['Roll back the deploy that started the failures.', 'For a failing dependency (payment provider, inventory), switch to its fallback or disable the affected option.'],
    escalation: 'Pages the shop team; involve the business owner when failures last over 30 minutes.',
  },
  tests: [
    {
      // 70 orders a minute, 3 harmless failures; from minute 10 also 20 internal errors: 20 of 93 fail inside the shop, above 5% of the 5-minute window from 11m.
      name: 'fires five minutes after the internal failure ratio passes the threshold',
      series: [
        placed('card', counterValues([{ steps: 40, perStep: 50 }])),
        placed('paypal', counterValues([{ steps: 40, perStep: 20 }])),
        placed('bank_transfer', '0x40'),
        failed('payment_declined', counterValues([{ steps: 40, perStep: 2 }])),
        failed('out_of_stock', counterValues([{ steps: 40, perStep: 1 }])),
        failed('validation', '0x40'),
        failed('internal', counterValues([{ steps: 10, perStep: 0 }, { steps: 30, perStep: 20 }])),
      ],
      evalTime: '16m',
      quietAt: ['15m'],
      expect: [{ description: 'demo-shop: 21.51% of the checkouts of the last 5 minutes failed with an internal error (threshold 5%).' }],
    },
    {
      // The demo's baseline: about 9% of checkouts fail, all declined, out of stock or invalid.
      name: 'stays quiet while only declines, stock-outs and invalid orders fail, however many',
      series: [
        placed('card', counterValues([{ steps: 40, perStep: 50 }])),
        failed('payment_declined', counterValues([{ steps: 40, perStep: 6 }])),
        failed('out_of_stock', counterValues([{ steps: 40, perStep: 3 }])),
        failed('validation', counterValues([{ steps: 40, perStep: 3 }])),
        failed('internal', '0x40'),
      ],
      evalTime: '30m',
      expect: [],
    },
    {
      name: 'stays quiet while few checkouts fail',
      series: [placed('card', counterValues([{ steps: 40, perStep: 50 }])), failed('out_of_stock', counterValues([{ steps: 40, perStep: 2 }]))],
      evalTime: '30m',
      expect: [],
    },
    { name: 'stays quiet without any checkouts', series: [placed('card', '0x40'), failed('internal', '0x40')], evalTime: '30m', expect: [] },
  ],
});

const paymentDeclineRatioHigh = ratioAbove({
  alert: 'ShopPaymentDeclineRatioHigh',
  // A payment attempt either is declined or places an order; per method, since each is its own provider.
  bad: m.paymentsDeclined,
  total: [m.ordersPlaced, m.paymentsDeclined],
  by: ['payment_method'],
  threshold: PAYMENT_DECLINE_RATIO,
  window: '5m',
  for: '10m',
  severity: 'warning',
  summary: 'A payment method declines too many payments.',
  description: '{{ $labels.job }}: {{ $value | humanizePercentage }} of the {{ $labels.payment_method }} payments of the last 5 minutes were declined (threshold {threshold}).',
  runbook: {
    meaning: `More than ${percent(PAYMENT_DECLINE_RATIO)} of the payment attempts with one payment method were declined by its provider, for 10 minutes.`,
    impact: 'Customers paying this way cannot complete their orders; some retry with another method, others leave.',
    diagnosis: [
      `Decline ratio per method: \`sum by (payment_method) (rate(${m.paymentsDeclined.name}{job="<job>"}[5m])) / (sum by (payment_method) (rate(${m.ordersPlaced.name}{job="<job>"}[5m])) + sum by (payment_method) (rate(${m.paymentsDeclined.name}{job="<job>"}[5m])))\`.`,
      "Check the provider's status page and the decline codes in the shop's logs; one method failing alone points at its provider, all at once at the shop's credentials or configuration.",
      'A surge of attempts from few users is card testing (fraud), not an outage.',
    ],
    mitigation: ['Hide or deprioritise the failing method at checkout until its provider recovers.', 'Rotate expired provider credentials; block the sources of card testing.'],
    escalation: "Ticket for the shop team; contact the provider's support when its status page shows nothing.",
  },
  tests: [
    {
      // paypal: 20 orders a minute, and from minute 10 15 declines a minute (43%; above 20% of the window from 12m); card stays healthy.
      name: 'fires ten minutes after one payment method passes the decline threshold, for that method only',
      series: [
        placed('card', counterValues([{ steps: 40, perStep: 50 }])),
        declined('card', counterValues([{ steps: 40, perStep: 1 }])),
        placed('paypal', counterValues([{ steps: 40, perStep: 20 }])),
        declined('paypal', counterValues([{ steps: 10, perStep: 0 }, { steps: 30, perStep: 15 }])),
        placed('bank_transfer', '0x40'),
        declined('bank_transfer', '0x40'),
      ],
      evalTime: '22m',
      quietAt: ['21m'],
      expect: [{ labels: { payment_method: 'paypal' }, description: 'demo-shop: 42.86% of the paypal payments of the last 5 minutes were declined (threshold 20%).' }],
    },
    {
      name: 'stays quiet at a normal decline ratio',
      series: [placed('card', counterValues([{ steps: 40, perStep: 50 }])), declined('card', counterValues([{ steps: 40, perStep: 5 }]))],
      evalTime: '30m',
      expect: [],
    },
    { name: 'stays quiet without any payments', series: [placed('card', '0x40'), declined('card', '0x40')], evalTime: '30m', expect: [] },
  ],
});

const ordersDroppedWeekOverWeek = rateDropsWeekOverWeek({
  alert: 'ShopOrdersDroppedWeekOverWeek',
  metric: m.ordersPlaced,
  threshold: ORDERS_WEEK_OVER_WEEK_RATIO,
  window: '1h',
  for: '30m',
  severity: 'warning',
  summary: 'Fewer orders are placed than at the same time last week.',
  description: '{{ $labels.job }} placed {{ $value | humanizePercentage }} of the orders of the same hour last week (threshold {threshold}).',
  runbook: {
    meaning: `Over the last hour the shop placed less than ${percent(ORDERS_WEEK_OVER_WEEK_RATIO)} of the orders it placed in the same hour a week earlier, for 30 minutes.`,
    impact: 'Revenue is down: customers cannot reach the shop or get through checkout, or stopped coming (a campaign ended, a search listing lost).',
    diagnosis: [
      `Orders against last week: \`sum(rate(${m.ordersPlaced.name}{job="<job>"}[1h]))\` and the same with \`offset 1w\`.`,
      `Whether checkouts fail (ShopOrderFailureRatioHigh) or never start: \`${recorded.requestRate}{job="<job>"}\` against \`offset 1w\`, and sessions \`${m.activeSessions.name}{job="<job>"}\`.`,
      'Ask marketing about campaigns last week and now; check the status of the front end, CDN and DNS.',
    ],
    mitigation: ['Fix or roll back what broke the path to checkout.', 'If last week was unusual (a sale, a campaign), silence the alert for its length.'],
    escalation: 'Ticket for the shop team; involve the business owner when the drop lasts over 2 hours.',
  },
  // A week of history costs promtool a thousand evaluations of every rule per test at 10-minute steps.
  tests: [
    {
      // 100 orders every 10 minutes for a week and two hours, then 30. An hour at 10-minute samples holds
      // 5 increases: the hourly rate is under half of last week's from the 4th increase after the drop
      // (40 minutes). Before the drop, with a full week behind, it is quiet.
      name: 'fires half an hour after orders fall below half of last week, and not while they hold up',
      interval: '10m',
      series: [
        placed('card', counterValues([{ steps: 1020, perStep: 70 }, { steps: 30, perStep: 20 }])),
        placed('paypal', counterValues([{ steps: 1020, perStep: 30 }, { steps: 30, perStep: 10 }])),
        placed('bank_transfer', '0x1050'),
      ],
      evalTime: '10270m',
      quietAt: ['10190m', '10260m'],
      expect: [{ description: 'demo-shop placed 30% of the orders of the same hour last week (threshold 50%).' }],
    },
    {
      // A new shop: no orders a week ago is no baseline, not a drop.
      name: 'stays quiet where there were no orders a week earlier',
      interval: '10m',
      series: [placed('card', counterValues([{ steps: 1008, perStep: 0 }, { steps: 30, perStep: 10 }]))],
      evalTime: '10160m',
      expect: [],
    },
    {
      name: 'stays quiet without a week of history',
      series: [placed('card', counterValues([{ steps: 180, perStep: 10 }]))],
      evalTime: '150m',
      expect: [],
    },
  ],
});

const queueGrowing = gaugeGrowing({
  alert: 'ShopQueueGrowing',
  // Least-squares slope over 30 minutes, in jobs per hour; per instance, as the demo's queues live in the process.
  metric: m.queueDepth,
  by: ['queue'],
  threshold: QUEUE_GROWTH_PER_HOUR,
  window: '30m',
  for: '30m',
  severity: 'warning',
  summary: 'A work queue keeps growing.',
  description: 'The {{ $labels.queue }} queue of {{ $labels.instance }} ({{ $labels.job }}) grows by {{ $value | humanize }} jobs an hour (threshold {threshold}).',
  runbook: {
    meaning: `A work queue has grown faster than ${QUEUE_GROWTH_PER_HOUR} jobs an hour, on average over 30 minutes, for 30 minutes: jobs arrive faster than the workers finish them.`,
    impact: 'Work is delayed (orders ship late, confirmation emails arrive late); an unbounded queue eventually exhausts memory.',
    diagnosis: [
      `Arrivals against completions: \`${m.queueDepth.name}{job="<job>", queue="<queue>"}\` and \`sum by (outcome) (rate(${m.jobsProcessed.name}{job="<job>", queue="<queue>"}[5m]))\`.`,
      'Failing jobs (`outcome="failed"`) that are retried point at the downstream service the worker calls; few completions at all point at stuck or too few workers.',
    ],
    mitigation: ['Add workers or raise their concurrency.', 'Fix or bypass the failing downstream; pause producers that can wait.'],
    escalation: 'Ticket for the shop team; page if the queue nears its memory limit or orders are not shipped.',
  },
  tests: [
    {
      // fulfilment: flat at 5 jobs, then 3 more every minute (180 an hour) from minute 10; the 30-minute slope passes 100 an hour at 22m.
      name: 'fires half an hour after a queue starts growing faster than the threshold, for that queue only',
      series: [depth('fulfilment', '5x10 8+3x59'), depth('email', '0x70')],
      evalTime: '52m',
      quietAt: ['51m'],
      expect: [{ labels: { queue: 'fulfilment' }, description: 'The fulfilment queue of demo-shop:8080 (demo-shop) grows by 180 jobs an hour (threshold 100).' }],
    },
    { name: 'stays quiet while a queue grows slowly', series: [depth('fulfilment', '5+1x70')], evalTime: '60m', expect: [] },
    {
      name: 'stays quiet while a queue rises and drains',
      series: [depth('fulfilment', '0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0x10')],
      evalTime: '60m',
      expect: [],
    },
  ],
});

export const businessAlerts: readonly BusinessAlert[] = [orderFailureRatioHigh, paymentDeclineRatioHigh, ordersDroppedWeekOverWeek, queueGrowing];
