// A project of two services owned by two teams, with a platform team for the
// rest: each team's alerts reach that team's receivers (by amtool's own route
// resolution), each service's SLOs keep their own objective (one at 99.9%),
// and the generated promtool cases of that SLO and of a business alert with a
// generated description pass on the real promtool.
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { counter } from '../../catalog/spec.ts';
import { RECEIVER } from '../../alerts/alertmanager/index.ts';
import { BURN_SCENARIOS, ZERO_TRAFFIC } from '../../alerts/slo/scenarios.ts';
import { environmentsOf } from '../../signals/alert-settings.ts';
import { defineConfig, ratioAbove, series, validateProject, where } from '../../signals/project/index.ts';
import { counterValues } from '../../signals/promql.ts';
import { type AlertBuild, runTool, writeAlertBuild } from '../support/alert-build.ts';

const payments = counter({
  name: 'checkout_payments_total',
  help: 'Payment attempts, by outcome.',
  unit: '',
  labels: ['outcome'],
  values: { outcome: ['succeeded', 'failed'] },
  source: 'app',
});

const paymentsFailing = ratioAbove({
  alert: 'CheckoutPaymentsFailing',
  bad: where(payments, { outcome: ['failed'] }),
  total: [payments],
  threshold: 0.2,
  for: '5m',
  severity: 'critical',
  summary: 'Too many payments fail.',
  runbook: {
    meaning: 'More than a fifth of the payment attempts of the last 5 minutes failed.',
    impact: 'Customers cannot pay.',
    diagnosis: ['Check the payment provider.'],
    mitigation: ['Fail over to the second provider.'],
    escalation: 'Page the payments team.',
  },
  tests: [
    {
      // 60 payments a minute succeed; from minute 10 also 40 fail (40%): above 20% of the 5-minute window from 12m.
      name: 'fires five minutes after the failure ratio passes the threshold',
      series: [
        series(payments, { outcome: 'succeeded' }, counterValues([{ steps: 30, perStep: 60 }])),
        series(payments, { outcome: 'failed' }, counterValues([{ steps: 10, perStep: 0 }, { steps: 20, perStep: 40 }])),
      ],
      evalTime: '17m',
      quietAt: ['16m'],
      expect: [{ description: 'checkout: 40% of checkout_payments_total over the last 5m were checkout_payments_total{outcome="failed"} (threshold 20%).' }],
    },
    { name: 'stays quiet without payments', series: [series(payments, { outcome: 'succeeded' }, '0x30'), series(payments, { outcome: 'failed' }, '0x30')], evalTime: '20m', expect: [] },
  ],
});

const project = validateProject(
  defineConfig({
    name: 'two-teams',
    services: [
      {
        name: 'checkout',
        port: 8080,
        team: 'payments',
        image: 'registry.example.com/checkout:1.4.2',
        metrics: { payments },
        slos: [{ kind: 'availability', objective: 0.999 }],
        alerts: [paymentsFailing],
      },
      {
        name: 'catalog',
        port: 8081,
        team: 'storefront',
        image: 'registry.example.com/catalog:2.0.1',
        slos: [
          { kind: 'availability', objective: 0.9 },
          { kind: 'latency', objective: 0.95, thresholdSeconds: 1, routes: ['/products/:id'] },
        ],
      },
    ],
    environments: {
      production: {},
      staging: { alerts: { CheckoutPaymentsFailing: { threshold: 0.5 } }, notifications: { repeatInterval: '12h' } },
    },
    alerting: {
      runbookBaseUrl: 'https://runbooks.example.com/two-teams/',
      urls: { grafana: 'https://grafana.example.com', prometheus: 'https://prometheus.example.com', alertmanager: 'https://alertmanager.example.com' },
      receivers: {
        'payments-pager': { type: 'pagerduty', routingKeyFile: '/run/secrets/payments-pagerduty' },
        'payments-chat': { type: 'slack', apiUrlFile: '/run/secrets/slack-url', channel: '#payments' },
        'storefront-hook': { type: 'webhook', urlFile: '/run/secrets/storefront-hook' },
        'platform-pager': { type: 'pagerduty', routingKeyFile: '/run/secrets/platform-pagerduty' },
        'platform-tickets': { type: 'email', to: 'tickets@example.com', from: 'alerts@example.com', smarthost: 'smtp.example.com:587' },
      },
      teams: {
        payments: { page: 'payments-pager', chat: 'payments-chat' },
        storefront: { page: 'storefront-hook' },
        platform: { page: 'platform-pager', ticket: 'platform-tickets' },
      },
      platformTeam: 'platform',
    },
  }),
);

let build: AlertBuild;
beforeAll(async () => {
  build = await writeAlertBuild(project);
});
afterAll(async () => {
  await build?.remove();
});

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
const groups = (env: string) => (parse(build.text(`prometheus/${env}/rules.yml`)) as { groups: { name: string; rules: Rule[] }[] }).groups;

describe('routing by team', () => {
  test.each(environmentsOf(project))('amtool check-config accepts the %s file with every receiver of the project and null', async (env) => {
    const { ok, output } = await runTool('amtool', ['check-config', build.path(`alertmanager/${env}/alertmanager.yml`)]);
    expect(output).toContain('SUCCESS');
    expect(output).toContain(' - 6 receivers');
    expect(ok).toBe(true);
  });

  test.each([
    ['a page about checkout reaches the payments pager', { alertname: 'ErrorBudgetBurn', severity: 'critical', job: 'checkout', slo: 'checkout-availability' }, ['payments-pager']],
    ["a warning about checkout goes to the payments team's chat only (it has no ticket receiver)", { alertname: 'HttpLatencyP95High', severity: 'warning', job: 'checkout' }, ['payments-chat']],
    ['a page about catalog reaches the storefront webhook', { alertname: 'HttpErrorRatioHigh', severity: 'critical', job: 'catalog' }, ['storefront-hook']],
    ['a warning about catalog falls back to the storefront webhook, its only receiver', { alertname: 'HttpLatencyP95High', severity: 'warning', job: 'catalog' }, ['storefront-hook']],
    ['an info alert about catalog is not notified', { alertname: 'HostCpuHigh', severity: 'info', job: 'catalog' }, [RECEIVER.none]],
    ['a host page reaches the platform pager', { alertname: 'HostMemoryHigh', severity: 'critical', job: 'node-exporter', instance: 'host-1' }, ['platform-pager']],
    ['a warning about the monitoring stack opens a platform ticket', { alertname: 'PrometheusConfigReloadFailed', severity: 'warning', job: 'prometheus' }, ['platform-tickets']],
    ['a job that is nobody\'s service goes to the platform team', { alertname: 'TargetDown', severity: 'critical', job: 'checkout-canary' }, ['platform-pager']],
    ['the Watchdog, without a heartbeat service, is not notified', { alertname: 'Watchdog', watchdog: 'true', severity: 'info' }, [RECEIVER.none]],
  ] as const)('%s', async (_name, labels, expected) => {
    const { ok, stdout, output } = await runTool('amtool', ['config', 'routes', 'test', `--config.file=${build.path('alertmanager/production/alertmanager.yml')}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
    expect(ok, output).toBe(true);
    expect(stdout.trim().split(',')).toEqual(expected);
  });
});

describe('per-service SLOs', () => {
  test('each SLO records its own objective and budget for its own job: 99.9% for checkout, 90% and 95% for catalog', () => {
    const objectives = groups('production')
      .filter((g) => g.name.startsWith('slo-'))
      .map((g) => [g.name, g.rules.find((r) => r.record === 'slo:objective:ratio')!.expr, g.rules.find((r) => r.record === 'slo:sli_requests:rate5m')!.expr]);
    expect(objectives).toEqual([
      ['slo-checkout-availability', '0 * slo:sli_requests:rate5m{slo="checkout-availability"} + 0.999', 'sum by (job) (rate(http_server_request_duration_seconds_count{job="checkout"}[5m]))'],
      ['slo-catalog-availability', '0 * slo:sli_requests:rate5m{slo="catalog-availability"} + 0.9', 'sum by (job) (rate(http_server_request_duration_seconds_count{job="catalog"}[5m]))'],
      [
        'slo-catalog-latency',
        '0 * slo:sli_requests:rate5m{slo="catalog-latency"} + 0.95',
        'sum by (job) (rate(http_server_request_duration_seconds_bucket{job="catalog",http_route="/products/:id",le="+Inf"}[5m]))',
      ],
    ]);
    const page = groups('production').flatMap((g) => g.rules).find((r) => r.alert === 'ErrorBudgetBurn' && r.labels?.slo === 'checkout-availability')!;
    expect(page.expr).toBe(
      'slo:sli_error:ratio_rate1h{slo="checkout-availability"} / 0.001 > 14.4 and slo:sli_error:ratio_rate5m{slo="checkout-availability"} / 0.001 > 14.4' +
        ' and on (job) (sum by (job) (rate(http_server_request_duration_seconds_count{job="checkout"}[5m]))) * 300 >= 100',
    );
  });

  test.each(environmentsOf(project))('promtool check rules passes on the %s rule file', async (env) => {
    const { ok, output } = await runTool('promtool', ['check', 'rules', build.path(`prometheus/${env}/rules.yml`)]);
    expect(output).toMatch(/SUCCESS: \d+ rules found/);
    expect(ok).toBe(true);
  });

  test("promtool passes the generated cases of checkout's 99.9% SLO page and of its business alert, on checkout's own job", async () => {
    // The 1h/5m page's cases: the longer windows' take minutes of promtool, and the demo's own run covers them.
    const page = [BURN_SCENARIOS['1h']!.fires, BURN_SCENARIOS['1h']!.spike, ZERO_TRAFFIC].map((x) => `ErrorBudgetBurn: checkout-availability: ${x.name}`);
    const mine = await generatedCases((name) => page.includes(name) || name.startsWith('CheckoutPaymentsFailing: '));
    expect(mine.length).toBe(3 + 2);
    for (const t of mine) for (const s of t.input_series) expect(s.series, t.name).toContain('job="checkout",instance="checkout:8080"');
    await expectPromtoolPasses(mine);
  }, 300_000);

  test("SLOs whose budget cannot hold the designed burns (95%, 90%) get cases at every request failing, and promtool passes them", async () => {
    const mine = await generatedCases((name) => name.startsWith('ErrorBudgetBurn: catalog-') && name.includes('every request failing'));
    expect(mine.map((t) => t.name)).toEqual([
      'ErrorBudgetBurn: catalog-availability: the 1h/5m alert can never fire: even every request failing burns at only 10×, not above 14.4',
      'ErrorBudgetBurn: catalog-availability: does not page on a 4-minute spike at 100× that only the 5m window sees (capped at 10×: every request failing)',
      'ErrorBudgetBurn: catalog-availability: does not page on a 25-minute spike at 50× that only the 30m window sees (capped at 10×: every request failing)',
      'ErrorBudgetBurn: catalog-availability: opens no ticket for a 110-minute spike at 15× that only the 2h window sees (capped at 10×: every request failing)',
      'ErrorBudgetBurn: catalog-latency: the 1h/5m alert fires 43 minutes into a burn at 20× (every request failing), not a minute earlier',
      'ErrorBudgetBurn: catalog-latency: does not page on a 4-minute spike at 100× that only the 5m window sees (capped at 20×: every request failing)',
      'ErrorBudgetBurn: catalog-latency: does not page on a 25-minute spike at 50× that only the 30m window sees (capped at 20×: every request failing)',
    ]);
    await expectPromtoolPasses(mine);
  }, 300_000);
});

interface PromtoolCase {
  name: string;
  input_series: { series: string }[];
}

/** The generated 1-minute cases that `pick` names (every case of every alert would take minutes here). */
async function generatedCases(pick: (name: string) => boolean): Promise<PromtoolCase[]> {
  const file = parse(build.text('prometheus/tests/rules.1m.test.yml')) as { tests: PromtoolCase[] };
  return file.tests.filter((t) => pick(t.name));
}

/** The generated test file cut to `cases`, run by promtool against the generated rule file. */
async function expectPromtoolPasses(cases: readonly PromtoolCase[]): Promise<void> {
  const file = parse(build.text('prometheus/tests/rules.1m.test.yml')) as Record<string, unknown>;
  await writeFile(build.path('prometheus/tests/picked.test.yml'), stringify({ ...file, tests: cases }, { lineWidth: 0 }));
  const { ok, output } = await runTool('promtool', ['test', 'rules', 'picked.test.yml'], build.path('prometheus/tests'));
  expect(output).not.toMatch(/FAILED/);
  expect(output).toContain('SUCCESS');
  expect(ok).toBe(true);
}

describe('business alerts', () => {
  const rule = (env: string) => groups(env).find((g) => g.name === 'business-checkout')!.rules[0]!;

  test("a business alert reads its own service's series, and its generated description names what it measures", () => {
    expect(rule('production').expr).toBe(
      '(sum by (job) (rate(checkout_payments_total{job="checkout",outcome="failed"}[5m]))) / clamp_min(sum by (job) (rate(checkout_payments_total{job="checkout"}[5m])), 1e-12) > 0.2',
    );
    expect(rule('production').annotations?.description).toBe(
      '{{ $labels.job }}: {{ $value | humanizePercentage }} of checkout_payments_total over the last 5m were checkout_payments_total{outcome="failed"} (threshold 20%).',
    );
    expect(rule('production').annotations?.runbook_url).toBe('https://runbooks.example.com/two-teams/CheckoutPaymentsFailing.md');
    expect(build.files.get('runbooks/CheckoutPaymentsFailing.md')).toContain('# CheckoutPaymentsFailing');
  });

  test("an environment's override of its threshold changes that environment's rule and description only", () => {
    expect(rule('staging').expr.endsWith('> 0.5')).toBe(true);
    expect(rule('staging').annotations?.description).toContain('(threshold 50%)');
    expect(rule('production').expr.endsWith('> 0.2')).toBe(true);
  });
});
