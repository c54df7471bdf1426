// Business alerts on the demo shop's own metrics: orders fail, payments are
// declined, orders drop against last week, work queues back up. They watch
// what the shop's owners watch, whatever the HTTP metrics say.
//
// The exporter creates every series of a closed label set at zero when the
// metric is defined, so placed, failed and declined counters all exist from
// the start and the sums below are defined (0, not absent) before any order.
import { demoBusinessMetrics } from '../../examples/demo-shop/business-metrics.ts';
import { catalog } from '../../catalog/index.ts';
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { counterValues, label, percent, ratioOrZero } from '../../signals/promql.ts';
import { alert, group, type RuleGroup } from '../../signals/rule-types.ts';
import { recorded } from '../../signals/recording-rules.ts';

const b = demoBusinessMetrics;
const paymentMethod = label(b.ordersPlaced, 'payment_method');
const reason = label(b.ordersFailed, 'reason');
const queue = label(b.queueDepth, 'queue');

const target = 'job="shop",instance="shop:8080"';
const series = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });
const placed = (method: string, values: string) => series(b.ordersPlaced.name, `${target},${paymentMethod}="${method}"`, values);
const failed = (why: string, values: string) => series(b.ordersFailed.name, `${target},${reason}="${why}"`, values);
const declined = (method: string, values: string) => series(b.paymentsDeclined.name, `${target},${paymentMethod}="${method}"`, values);
const depth = (name: string, values: string) => series(b.queueDepth.name, `${target},${queue}="${name}"`, values);

const rate = (metric: string, by: string, window = '5m') => `sum by (${by}) (rate(${metric}[${window}]))`;

export function businessRules(config: AlertConfig): RuleGroup {
  const s = config.business;
  const failedRate = rate(b.ordersFailed.name, 'job');
  const declinedRate = rate(b.paymentsDeclined.name, `job, ${paymentMethod}`);
  return group('business', [
    alert({
      alert: 'ShopOrderFailureRatioHigh',
      expr: `${ratioOrZero(failedRate, `${rate(b.ordersPlaced.name, 'job')} + ${failedRate}`)} > ${s.orderFailureRatio.value}`,
      for: s.orderFailureRatio.for,
      severity: 'critical',
      summary: 'Too many checkouts fail to place an order.',
      description: `{{ $labels.job }}: {{ $value | humanizePercentage }} of the checkouts of the last 5 minutes failed to place an order (threshold ${percent(s.orderFailureRatio.value)}).`,
      runbook: {
        meaning: `More than ${percent(s.orderFailureRatio.value)} of checkouts in the last 5 minutes ended without an order, for any reason (declined payment, out of stock, invalid order, internal error).`,
        impact: 'Customers cannot buy: lost revenue now, and customers who may not come back.',
        diagnosis: [
          `Failures by reason: \`sum by (${reason}) (rate(${b.ordersFailed.name}{job="<job>"}[5m]))\`; \`internal\` points at the service, \`payment_declined\` at the payment provider (ShopPaymentDeclineRatioHigh), \`out_of_stock\` at inventory, \`validation\` at a client release.`,
          `Whether HTTP errors rose with it: \`${recorded.errorRatio}{job="<job>"}\`; follow an exemplar of a failed checkout to its trace and logs.`,
          'Check recent deploys of the shop and its clients, and the fault switch of the demo (`GET /admin/fault`).',
        ],
        mitigation: ['Roll back the deploy that started the failures.', 'For a failing dependency (payment provider, inventory), switch to its fallback or disable the affected option.'],
        escalation: 'Pages the shop team; involve the business owner when failures last over 30 minutes.',
        dashboard: 'business-kpis',
      },
      tests: [
        {
          // 70 orders a minute, 3 failures; from minute 10 also 20 internal errors: 23 of 93 fail, above 10% of the 5-minute window from 12m.
          name: 'fires five minutes after the failure ratio passes the threshold',
          series: [
            placed('card', counterValues([{ steps: 40, perStep: 50 }])),
            placed('paypal', counterValues([{ steps: 40, perStep: 20 }])),
            placed('bank_transfer', '0x40'),
            failed('payment_declined', counterValues([{ steps: 40, perStep: 2 }])),
            failed('out_of_stock', counterValues([{ steps: 40, perStep: 1 }])),
            failed('validation', '0x40'),
            failed('internal', counterValues([{ steps: 10, perStep: 0 }, { steps: 30, perStep: 20 }])),
          ],
          evalTime: '17m',
          quietAt: ['16m'],
          expect: [
            { labels: { severity: 'critical', job: 'shop' }, annotations: { description: 'shop: 24.73% of the checkouts of the last 5 minutes failed to place an order (threshold 10%).' } },
          ],
        },
        {
          name: 'stays quiet while few checkouts fail',
          series: [placed('card', counterValues([{ steps: 40, perStep: 50 }])), failed('out_of_stock', counterValues([{ steps: 40, perStep: 2 }]))],
          evalTime: '30m',
          expect: [],
        },
        { name: 'stays quiet without any checkouts', series: [placed('card', '0x40'), failed('internal', '0x40')], evalTime: '30m', expect: [] },
      ],
    }),

    alert({
      alert: 'ShopPaymentDeclineRatioHigh',
      // A payment attempt either is declined or places an order; per method, since each is its own provider.
      expr: `${ratioOrZero(declinedRate, `${rate(b.ordersPlaced.name, `job, ${paymentMethod}`)} + ${declinedRate}`)} > ${s.paymentDeclineRatio.value}`,
      for: s.paymentDeclineRatio.for,
      severity: 'warning',
      summary: 'A payment method declines too many payments.',
      description: `{{ $labels.job }}: {{ $value | humanizePercentage }} of the {{ $labels.payment_method }} payments of the last 5 minutes were declined (threshold ${percent(s.paymentDeclineRatio.value)}).`,
      runbook: {
        meaning: `More than ${percent(s.paymentDeclineRatio.value)} of the payment attempts with one payment method were declined by its provider, for ${s.paymentDeclineRatio.for}.`,
        impact: 'Customers paying this way cannot complete their orders; some retry with another method, others leave.',
        diagnosis: [
          `Decline ratio per method: \`sum by (${paymentMethod}) (rate(${b.paymentsDeclined.name}{job="<job>"}[5m])) / (sum by (${paymentMethod}) (rate(${b.ordersPlaced.name}{job="<job>"}[5m])) + sum by (${paymentMethod}) (rate(${b.paymentsDeclined.name}{job="<job>"}[5m])))\`.`,
          "Check the provider's status page and the decline codes in the shop's logs; one method failing alone points at its provider, all at once at the shop's credentials or configuration.",
          'A surge of attempts from few users is card testing (fraud), not an outage.',
        ],
        mitigation: ['Hide or deprioritise the failing method at checkout until its provider recovers.', 'Rotate expired provider credentials; block the sources of card testing.'],
        escalation: "Ticket for the shop team; contact the provider's support when its status page shows nothing.",
        dashboard: 'business-kpis',
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
          expect: [
            {
              labels: { severity: 'warning', job: 'shop', payment_method: 'paypal' },
              annotations: { description: 'shop: 42.86% of the paypal payments of the last 5 minutes were declined (threshold 20%).' },
            },
          ],
        },
        {
          name: 'stays quiet at a normal decline ratio',
          series: [placed('card', counterValues([{ steps: 40, perStep: 50 }])), declined('card', counterValues([{ steps: 40, perStep: 5 }]))],
          evalTime: '30m',
          expect: [],
        },
        { name: 'stays quiet without any payments', series: [placed('card', '0x40'), declined('card', '0x40')], evalTime: '30m', expect: [] },
      ],
    }),

    alert({
      alert: 'ShopOrdersDroppedWeekOverWeek',
      // `> 0` on last week's rate: no orders a week ago (a new shop, a holiday) is no baseline, not a drop.
      expr: `${rate(b.ordersPlaced.name, 'job', '1h')} / (sum by (job) (rate(${b.ordersPlaced.name}[1h] offset 1w)) > 0) < ${s.ordersWeekOverWeekRatio.value}`,
      for: s.ordersWeekOverWeekRatio.for,
      severity: 'warning',
      summary: 'Fewer orders are placed than at the same time last week.',
      description: `{{ $labels.job }} placed {{ $value | humanizePercentage }} of the orders of the same hour last week (threshold ${percent(s.ordersWeekOverWeekRatio.value)}).`,
      runbook: {
        meaning: `Over the last hour the shop placed less than ${percent(s.ordersWeekOverWeekRatio.value)} of the orders it placed in the same hour a week earlier, for ${s.ordersWeekOverWeekRatio.for}.`,
        impact: 'Revenue is down: customers cannot reach the shop or get through checkout, or stopped coming (a campaign ended, a search listing lost).',
        diagnosis: [
          `Orders against last week: \`sum(rate(${b.ordersPlaced.name}{job="<job>"}[1h]))\` and the same with \`offset 1w\`.`,
          `Whether checkouts fail (ShopOrderFailureRatioHigh) or never start: \`${recorded.requestRate}{job="<job>"}\` against \`offset 1w\`, and sessions \`${b.activeSessions.name}{job="<job>"}\`.`,
          'Ask marketing about campaigns last week and now; check the status of the front end, CDN and DNS.',
        ],
        mitigation: ['Fix or roll back what broke the path to checkout.', 'If last week was unusual (a sale, a campaign), silence the alert for its length.'],
        escalation: 'Ticket for the shop team; involve the business owner when the drop lasts over 2 hours.',
        dashboard: 'business-kpis',
      },
      // A week of history costs promtool 10,000 evaluations of every rule per test: one
      // test covers the drop and, on other jobs at the same time, the cases that must stay quiet.
      tests: [
        {
          // 100 orders every 10 minutes for a week, then 30 (the hourly rate is under half from 50 minutes
          // after the drop); shop-eu keeps its orders; shop-new had none last week.
          name: 'fires half an hour after orders fall below half of last week, only for that shop',
          interval: '10m',
          evaluationInterval: '10m',
          series: [
            placed('card', counterValues([{ steps: 1008, perStep: 70 }, { steps: 30, perStep: 20 }])),
            placed('paypal', counterValues([{ steps: 1008, perStep: 30 }, { steps: 30, perStep: 10 }])),
            placed('bank_transfer', '0x1038'),
            series(b.ordersPlaced.name, `job="shop-eu",instance="shop-eu:8080",${paymentMethod}="card"`, counterValues([{ steps: 1038, perStep: 100 }])),
            series(b.ordersPlaced.name, `job="shop-new",instance="shop-new:8080",${paymentMethod}="card"`, counterValues([{ steps: 1008, perStep: 0 }, { steps: 30, perStep: 10 }])),
          ],
          evalTime: '10160m',
          quietAt: ['10150m'],
          expect: [{ labels: { severity: 'warning', job: 'shop' }, annotations: { description: 'shop placed 30% of the orders of the same hour last week (threshold 50%).' } }],
        },
        {
          name: 'stays quiet without a week of history',
          series: [placed('card', counterValues([{ steps: 180, perStep: 10 }]))],
          evalTime: '150m',
          expect: [],
        },
      ],
    }),

    alert({
      alert: 'ShopQueueGrowing',
      // Least-squares slope over 30 minutes, in jobs per hour; per instance, as the demo's queues live in the process.
      expr: `max by (job, instance, ${queue}) (deriv(${b.queueDepth.name}[30m])) * 3600 > ${s.queueGrowthPerHour.value}`,
      for: s.queueGrowthPerHour.for,
      severity: 'warning',
      summary: 'A work queue keeps growing.',
      description: `The {{ $labels.queue }} queue of {{ $labels.instance }} ({{ $labels.job }}) grows by {{ $value | humanize }} jobs an hour (threshold ${s.queueGrowthPerHour.value}).`,
      runbook: {
        meaning: `A work queue has grown faster than ${s.queueGrowthPerHour.value} jobs an hour, on average over 30 minutes, for ${s.queueGrowthPerHour.for}: jobs arrive faster than the workers finish them.`,
        impact: 'Work is delayed (orders ship late, confirmation emails arrive late); an unbounded queue eventually exhausts memory.',
        diagnosis: [
          `Arrivals against completions: \`${b.queueDepth.name}{job="<job>", queue="<queue>"}\` and \`sum by (outcome) (rate(${b.jobsProcessed.name}{job="<job>", queue="<queue>"}[5m]))\`.`,
          'Failing jobs (`outcome="failed"`) that are retried point at the downstream service the worker calls; few completions at all point at stuck or too few workers.',
        ],
        mitigation: ['Add workers or raise their concurrency.', 'Fix or bypass the failing downstream; pause producers that can wait.'],
        escalation: 'Ticket for the shop team; page if the queue nears its memory limit or orders are not shipped.',
        dashboard: 'business-kpis',
      },
      tests: [
        {
          // fulfilment: flat at 5 jobs, then 3 more every minute (180 an hour) from minute 10; the 30-minute slope passes 100 an hour at 22m.
          name: 'fires half an hour after a queue starts growing faster than the threshold, for that queue only',
          series: [depth('fulfilment', '5x10 8+3x59'), depth('email', '0x70')],
          evalTime: '52m',
          quietAt: ['51m'],
          expect: [
            {
              labels: { severity: 'warning', job: 'shop', instance: 'shop:8080', queue: 'fulfilment' },
              annotations: { description: 'The fulfilment queue of shop:8080 (shop) grows by 180 jobs an hour (threshold 100).' },
            },
          ],
        },
        { name: 'stays quiet while a queue grows slowly', series: [depth('fulfilment', '5+1x70')], evalTime: '60m', expect: [] },
        { name: 'stays quiet while a queue rises and drains', series: [depth('fulfilment', '0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0+20x5 100-20x5 0x10')], evalTime: '60m', expect: [] },
      ],
    }),
  ]);
}
