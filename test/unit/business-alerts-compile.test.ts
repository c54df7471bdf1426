// Business alerts compile from the project config: each kind to the PromQL it
// promises over its own service's series, a generated description when none is
// given, the environment's threshold and `for`, the service's dashboard in the
// runbook, and promtool cases whose series carry the service's job and instance.
import { describe, expect, test } from 'vitest';
import demo from '../../examples/demo-shop/observability.config.ts';
import { businessRules } from '../../alerts/business/index.ts';
import { counter, gauge } from '../../catalog/spec.ts';
import { configFor } from '../../signals/alert-settings.ts';
import { businessDashboardUid, gaugeGrowing, rateDropsWeekOverWeek, ratioAbove, series, where } from '../../signals/project/business.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { validateProject } from '../../signals/project/validate.ts';
import type { AlertRule } from '../../signals/rule-types.ts';

const demoProject = validateProject(demo);
const demoAlert = (name: string, env = 'production'): AlertRule => {
  const found = businessRules(configFor(demoProject, env)).flatMap((g) => g.rules).find((r): r is AlertRule => r.kind === 'alert' && r.alert === name);
  if (found === undefined) throw new Error(`no business alert ${name}`);
  return found;
};

describe("the demo's business alerts", () => {
  test('compile to one group, business-demo-shop, holding the four alerts in config order', () => {
    const groups = businessRules(configFor(demoProject, 'production'));
    expect(groups.map((g) => [g.name, g.rules.map((r) => (r.kind === 'alert' ? r.alert : r.record))])).toEqual([
      ['business-demo-shop', ['ShopOrderFailureRatioHigh', 'ShopPaymentDeclineRatioHigh', 'ShopOrdersDroppedWeekOverWeek', 'ShopQueueGrowing']],
    ]);
  });

  test.each([
    [
      'ShopOrderFailureRatioHigh',
      // Only internal failures count as harm; every failure counts among the checkouts.
      '(sum by (job) (rate(shop_orders_failed_total{job="demo-shop",reason="internal"}[5m]))) / clamp_min(sum by (job) (rate(shop_orders_placed_total{job="demo-shop"}[5m])) + sum by (job) (rate(shop_orders_failed_total{job="demo-shop"}[5m])), 1e-12) > 0.05',
    ],
    [
      'ShopPaymentDeclineRatioHigh',
      '(sum by (job, payment_method) (rate(shop_payments_declined_total{job="demo-shop"}[5m]))) / clamp_min(sum by (job, payment_method) (rate(shop_orders_placed_total{job="demo-shop"}[5m])) + sum by (job, payment_method) (rate(shop_payments_declined_total{job="demo-shop"}[5m])), 1e-12) > 0.2',
    ],
    [
      'ShopOrdersDroppedWeekOverWeek',
      'sum by (job) (rate(shop_orders_placed_total{job="demo-shop"}[1h])) / (sum by (job) (rate(shop_orders_placed_total{job="demo-shop"}[1h] offset 1w)) > 0) < 0.5',
    ],
    ['ShopQueueGrowing', 'max by (job, instance, queue) (deriv(shop_queue_depth{job="demo-shop"}[30m])) * 3600 > 100'],
  ])('%s reads only the shop\'s own series', (name, expr) => {
    expect(demoAlert(name).expr).toBe(expr);
  });

  test("keep their own descriptions, with the environment's threshold filled in", () => {
    expect(demoAlert('ShopOrdersDroppedWeekOverWeek').description).toBe('{{ $labels.job }} placed {{ $value | humanizePercentage }} of the orders of the same hour last week (threshold 50%).');
    expect(demoAlert('ShopOrdersDroppedWeekOverWeek', 'development').description).toBe('{{ $labels.job }} placed {{ $value | humanizePercentage }} of the orders of the same hour last week (threshold 20%).');
    expect([demoAlert('ShopOrdersDroppedWeekOverWeek', 'development').for, demoAlert('ShopOrdersDroppedWeekOverWeek', 'staging').for]).toEqual(['1h', '30m']);
  });

  test("link the service's business dashboard from their runbooks", () => {
    for (const name of ['ShopOrderFailureRatioHigh', 'ShopQueueGrowing']) expect(demoAlert(name).runbook.dashboard).toBe(businessDashboardUid('demo-shop'));
  });

  test("give each promtool case's series the service's job and instance, and expect its job (and instance where the alert keeps it)", () => {
    const [ratio] = demoAlert('ShopPaymentDeclineRatioHigh').tests;
    expect(ratio!.series[0]!.series).toBe('shop_orders_placed_total{job="demo-shop",instance="demo-shop:8080",payment_method="card"}');
    expect(ratio!.expect[0]!.labels).toEqual({ severity: 'warning', job: 'demo-shop', payment_method: 'paypal' });
    const [growing] = demoAlert('ShopQueueGrowing').tests;
    expect(growing!.expect[0]!.labels).toEqual({ severity: 'warning', job: 'demo-shop', instance: 'demo-shop:8080', queue: 'fulfilment' });
  });

  test('evaluate a case with 10-minute samples every 10 minutes, so a week of history stays cheap', () => {
    const [drop, , noHistory] = demoAlert('ShopOrdersDroppedWeekOverWeek').tests;
    expect([drop!.interval, drop!.evaluationInterval]).toEqual(['10m', '10m']);
    expect([noHistory!.interval, noHistory!.evaluationInterval]).toEqual([undefined, undefined]);
  });
});

describe('a project of its own', () => {
  const signups = counter({ name: 'app_signups_total', help: 'Signups.', unit: '', labels: ['plan'], values: { plan: ['free', 'pro'] }, source: 'app' });
  const backlog = gauge({ name: 'app_backlog_jobs', help: 'Jobs waiting.', unit: '', labels: ['queue'], source: 'app' });
  const runbook = { meaning: 'Something the business watches went wrong.', impact: 'Less revenue.', diagnosis: ['Look.'], mitigation: ['Fix.'], escalation: 'The team.' };
  const tests = [{ name: 'stays quiet', series: [series(signups, { plan: 'pro' }, '0x10')], evalTime: '10m' as const, expect: [] }];
  const project: ProjectConfig = {
    ...demoProject,
    services: [
      {
        name: 'accounts',
        port: 9100,
        team: 'shop',
        image: 'registry.example.com/accounts:1.0.0',
        metrics: { signups, backlog },
        alerts: [
          ratioAbove({ alert: 'ProSignupsRare', bad: where(signups, { plan: ['free'] }), total: [signups], threshold: 0.95, for: '1h', severity: 'warning', summary: 'Few signups choose pro.', runbook, tests }),
          rateDropsWeekOverWeek({ alert: 'SignupsDropped', metric: signups, by: ['plan'], threshold: 0.5, for: '1h', severity: 'warning', summary: 'Signups dropped.', runbook, tests }),
          gaugeGrowing({ alert: 'BacklogGrowing', metric: where(backlog, { queue: ['mail', 'sms'] }), threshold: 50, for: '30m', severity: 'critical', summary: 'A backlog grows.', runbook: { ...runbook, dashboard: 'queues' }, tests }),
        ],
      },
      { name: 'web', port: 8080, team: 'shop', image: 'registry.example.com/web:1.0.0' },
    ],
    environments: { production: {}, staging: { alerts: { BacklogGrowing: { threshold: 500, for: '2h' } } } },
  };
  const rules = (env: string) => businessRules(configFor(project, env)).flatMap((g) => g.rules as AlertRule[]);

  test('only services with business alerts get a group', () => {
    expect(businessRules(configFor(project, 'production')).map((g) => g.name)).toEqual(['business-accounts']);
  });

  test('label filters select with = for one value and =~ for several', () => {
    const [ratio, , growing] = rules('production');
    expect(ratio!.expr).toBe('(sum by (job) (rate(app_signups_total{job="accounts",plan="free"}[5m]))) / clamp_min(sum by (job) (rate(app_signups_total{job="accounts"}[5m])), 1e-12) > 0.95');
    expect(growing!.expr).toBe('max by (job, instance) (deriv(app_backlog_jobs{job="accounts",queue=~"mail|sms"}[30m])) * 3600 > 50');
  });

  test('each kind generates a description naming its metric, window, split labels and threshold', () => {
    expect(rules('production').map((r) => r.description)).toEqual([
      '{{ $labels.job }}: {{ $value | humanizePercentage }} of app_signups_total over the last 5m were app_signups_total{plan="free"} (threshold 95%).',
      '{{ $labels.job }} (plan={{ $labels.plan }}): the rate of app_signups_total over the last 1h is {{ $value | humanizePercentage }} of the same 1h a week earlier (threshold 50%).',
      '{{ $labels.job }} (instance={{ $labels.instance }}): app_backlog_jobs{queue=~"mail|sms"} grows by {{ $value | humanize }} an hour over the last 30m (threshold 50).',
    ]);
  });

  test("an environment's override changes its threshold and `for`, and the description follows", () => {
    const growing = rules('staging')[2]!;
    expect([growing.expr.endsWith('> 500'), growing.for, growing.description.endsWith('(threshold 500).')]).toEqual([true, '2h', true]);
    expect(rules('production')[2]!.for).toBe('30m');
  });

  test('a runbook that names its dashboard keeps it; the others link the service\'s business dashboard', () => {
    expect(rules('production').map((r) => r.runbook.dashboard)).toEqual([businessDashboardUid('accounts'), businessDashboardUid('accounts'), 'queues']);
  });
});
