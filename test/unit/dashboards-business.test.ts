// A user's own service gets its own business dashboard from the panels its
// project config declares, built from its own metric specs: shown here with a
// made-up second service (billing) beside the demo shop. Each panel kind
// compiles to the query it promises; a panel's threshold is the alert's, with
// the environment's override; the lint accepts the service's metrics and
// names a metric nobody declared; and a stack without logs or traces gets no
// datasource or link for them.
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, test } from 'vitest';
import { counter, gauge, histogram } from '../../catalog/spec.ts';
import { formatProblem, lintProjectDashboards } from '../../cli/checks/dashboard-lint.ts';
import { buildDashboards, builtDashboards, GRAFANA_PATHS } from '../../dashboards/build.ts';
import { DASHBOARD_UIDS, DEFAULT_PUBLIC_URLS, dashboardSettings } from '../../dashboards/dashboard-settings.ts';
import demo from '../../examples/demo-shop/observability.config.ts';
import { businessDashboardUid } from '../../signals/project/business.ts';
import { gaugePanel, type ProjectConfig, quantilePanel, ratePanel, ratioAbove, ratioPanel, series, validateProject, where } from '../../signals/project/index.ts';

const billingMetrics = {
  invoicesIssued: counter({ name: 'billing_invoices_issued_total', help: 'Invoices issued.', unit: '', labels: ['plan'], values: { plan: ['monthly', 'yearly'] }, source: 'app' }),
  invoicesFailed: counter({ name: 'billing_invoices_failed_total', help: 'Invoices that could not be issued, by reason.', unit: '', labels: ['reason'], values: { reason: ['card_expired', 'internal'] }, source: 'app' }),
  invoiceAmount: histogram({ name: 'billing_invoice_amount_euros', help: 'Amount of issued invoices in euros.', unit: '', labels: ['plan'], values: { plan: ['monthly', 'yearly'] }, buckets: [10, 50, 100, 500], source: 'app' }),
  dunningQueue: gauge({ name: 'billing_dunning_queue', help: 'Unpaid invoices waiting for a reminder.', unit: '', labels: [], source: 'app' }),
} as const;

const invoiceFailuresHigh = ratioAbove({
  alert: 'BillingInvoiceFailuresHigh',
  bad: billingMetrics.invoicesFailed,
  total: [billingMetrics.invoicesIssued, billingMetrics.invoicesFailed],
  threshold: 0.05,
  for: '10m',
  severity: 'warning',
  summary: 'Too many invoices fail.',
  runbook: { meaning: 'Invoices fail.', impact: 'Customers are not billed.', diagnosis: ['Look at the reasons.'], mitigation: ['Fix the cause.'], escalation: 'The billing team.' },
  tests: [
    {
      name: 'fires when a tenth of the invoices fail',
      series: [series(billingMetrics.invoicesIssued, { plan: 'monthly' }, '0+90x30'), series(billingMetrics.invoicesFailed, { reason: 'internal' }, '0+10x30')],
      evalTime: '20m',
      expect: [{ description: 'billing: 10% of the invoices failed.' }],
    },
  ],
});

const billingPanels = [
  ratePanel({ style: 'stat', title: 'Invoices per hour', description: 'Invoices issued per hour.', metric: billingMetrics.invoicesIssued, per: 'hour' }),
  ratePanel({ title: 'Yearly invoices, now and a week ago', description: 'Yearly-plan invoices per minute against last week.', metric: where(billingMetrics.invoicesIssued, { plan: ['yearly'] }), compareLastWeek: true }),
  ratioPanel({ title: 'Invoices failing', description: 'Share of invoices that failed.', bad: billingMetrics.invoicesFailed, total: [billingMetrics.invoicesIssued, billingMetrics.invoicesFailed], alert: invoiceFailuresHigh }),
  quantilePanel({ title: 'Invoice amount by plan', description: 'Median and 99th percentile amount per plan.', metric: billingMetrics.invoiceAmount, quantiles: [0.5, 0.99], by: ['plan'], unit: 'currencyEUR' }),
  gaugePanel({ title: 'Dunning queue', description: 'Unpaid invoices waiting for a reminder.', metric: billingMetrics.dunningQueue }),
];

/** The demo project with a second service, billing, with its own metrics, alert and panels; production halves billing's alert threshold. */
function withBilling(panels: readonly unknown[] = billingPanels, stack: ProjectConfig['stack'] = demo.stack): unknown {
  return {
    ...demo,
    services: [
      ...demo.services,
      { name: 'billing', port: 8081, team: 'shop', image: 'registry.example.com/billing:2.0.1', metrics: billingMetrics, alerts: [invoiceFailuresHigh], panels },
    ],
    environments: { ...demo.environments, production: { ...demo.environments.production, alerts: { BillingInvoiceFailuresHigh: { threshold: 0.025 } } } },
    stack,
  };
}

const project = validateProject(withBilling());
const built = builtDashboards(dashboardSettings(project)).map((d) => d.json);
const billing = built.find((d) => d.uid === businessDashboardUid('billing'));
const panels = (d: Dashboard) => (d.panels ?? []).filter((p): p is Panel => p.type !== 'row');
const panel = (title: string) => panels(billing!).find((p) => p.title === title)!;
const exprs = (p: Panel) => ((p.targets ?? []) as unknown as { expr: string }[]).map((t) => t.expr);

test("a second service's business dashboard is built beside the demo's, and every dashboard passes the lint", () => {
  expect(billing).toBeDefined();
  expect(billing!.title).toBe('Business KPIs: billing');
  expect(built.map((d) => d.uid).sort()).toEqual([...Object.values(DASHBOARD_UIDS), businessDashboardUid('demo-shop'), businessDashboardUid('billing')].sort());
  expect(panels(billing!).map((p) => p.title)).toEqual(billingPanels.map((p) => p.title));
  expect(String(billing!.templating.list!.find((v) => v.name === 'job')!.query)).toBe('label_values(billing_invoices_issued_total{job=~"billing"}, job)');
  expect(lintProjectDashboards(project).map(formatProblem)).toEqual([]);
});

test("the kit's dashboards offer both services as jobs", () => {
  const overview = built.find((d) => d.uid === DASHBOARD_UIDS.serviceOverview)!;
  expect(String(overview.templating.list!.find((v) => v.name === 'job')!.query)).toBe('label_values(http_server_request_duration_seconds_count{job=~"demo-shop|billing"}, job)');
});

describe('each panel kind compiles to its query', () => {
  test.each([
    ['Invoices per hour', ['sum (rate(billing_invoices_issued_total{job=~"$job",instance=~"$instance"}[$__rate_interval])) * 3600']],
    [
      'Yearly invoices, now and a week ago',
      [
        'sum (rate(billing_invoices_issued_total{job=~"$job",instance=~"$instance",plan="yearly"}[$__rate_interval])) * 60',
        'sum (rate(billing_invoices_issued_total{job=~"$job",instance=~"$instance",plan="yearly"}[$__rate_interval] offset 1w)) * 60',
      ],
    ],
    [
      'Invoices failing',
      [
        '(sum (rate(billing_invoices_failed_total{job=~"$job",instance=~"$instance"}[$__rate_interval]))) / clamp_min(sum (rate(billing_invoices_issued_total{job=~"$job",instance=~"$instance"}[$__rate_interval])) + sum (rate(billing_invoices_failed_total{job=~"$job",instance=~"$instance"}[$__rate_interval])), 1e-12)',
      ],
    ],
    [
      'Invoice amount by plan',
      [
        'histogram_quantile(0.5, sum by (le, plan) (rate(billing_invoice_amount_euros_bucket{job=~"$job",instance=~"$instance"}[$__rate_interval])))',
        'histogram_quantile(0.99, sum by (le, plan) (rate(billing_invoice_amount_euros_bucket{job=~"$job",instance=~"$instance"}[$__rate_interval])))',
      ],
    ],
    ['Dunning queue', ['sum (billing_dunning_queue{job=~"$job",instance=~"$instance"})']],
  ])('%s', (title, expected) => {
    expect(exprs(panel(title))).toEqual(expected);
  });

  test('a stat panel is one number, a graph is a timeseries', () => {
    expect(panel('Invoices per hour').type).toBe('stat');
    expect(panel('Dunning queue').type).toBe('timeseries');
  });
});

test("a panel's threshold is its alert's, with the dashboards' environment's override, in the alert's colour", () => {
  const p = panel('Invoices failing');
  expect(p.fieldConfig?.defaults.thresholds?.steps).toEqual([
    { value: null, color: 'green' },
    { value: 0.025, color: 'orange' },
  ]);
  expect(p.description).toContain('BillingInvoiceFailuresHigh opens a ticket above 2.5% over 5m, for 10m');
});

test('a panel naming a metric the project does not declare fails the lint, naming the metric and the fix', () => {
  const refunds = counter({ name: 'billing_refunds_total', help: 'Refunds.', unit: '', labels: [], source: 'app' });
  const undeclared = ratePanel({ title: 'Refunds per minute', description: 'Refunds issued per minute.', metric: refunds });
  // Validation stops such a config first; the lint is what stands behind it (a hand-edited build, a plain-JavaScript config).
  expect(() => validateProject(withBilling([...billingPanels, undeclared]))).toThrow(/billing_refunds_total.*is not one of billing's metrics/);
  const problems = lintProjectDashboards(withBilling([...billingPanels, undeclared]) as ProjectConfig).map(formatProblem);
  expect(problems).toEqual([
    expect.stringMatching(/^business-billing › panel #\d+ "Refunds per minute" › targets\[A\]\.expr: unknown metric billing_refunds_total: .*add its spec to the service's `metrics`/),
  ]);
});

test('long service names still give distinct business dashboard uids Grafana accepts (40 characters at most)', () => {
  const a = businessDashboardUid(`${'payments-'.repeat(6)}eu`);
  const b = businessDashboardUid(`${'payments-'.repeat(6)}us`);
  expect(a.length).toBeLessThanOrEqual(40);
  expect(b.length).toBeLessThanOrEqual(40);
  expect(a).not.toBe(b);
  expect(a).toMatch(/^business-[a-z0-9-]+$/);
});

describe('a stack without logs and traces', () => {
  const bare = validateProject(withBilling(billingPanels, { logs: false, traces: false }));
  const files = buildDashboards(bare);
  const text = [...files.values()].join('\n');

  test('provisions no Elasticsearch or Jaeger datasource', () => {
    const datasources = files.get(`${GRAFANA_PATHS.provisioning}/datasources/datasources.yaml`)!;
    expect(datasources).toMatch(/type: prometheus/);
    expect(datasources).toMatch(/type: alertmanager/);
    expect(datasources).not.toMatch(/elasticsearch|jaeger|exemplarTraceIdDestinations/i);
  });

  test('links no Kibana or Jaeger, and drops the stack panels of logs and traces', () => {
    expect(text).not.toContain(DEFAULT_PUBLIC_URLS.kibana);
    expect(text).not.toContain(DEFAULT_PUBLIC_URLS.jaeger);
    expect(text).not.toMatch(/Logstash|otelcol_|elasticsearch_/);
  });

  test('still passes the lint', () => {
    expect(lintProjectDashboards(bare).map(formatProblem)).toEqual([]);
  });
});

describe('the Kibana and Jaeger links', () => {
  test('open the URLs the config gives, on every dashboard that links them', () => {
    const urls = { ...demo.alerting.urls, kibana: 'https://kibana.acme.example/', jaeger: 'https://jaeger.acme.example' };
    const files = buildDashboards(validateProject({ ...demo, alerting: { ...demo.alerting, urls } }));
    const dashboards = [...files].filter(([path]) => path.endsWith('.json'));
    for (const [path, text] of dashboards) {
      expect(text, path).not.toContain(DEFAULT_PUBLIC_URLS.kibana);
      expect(text, path).not.toContain(DEFAULT_PUBLIC_URLS.jaeger);
    }
    const all = dashboards.map(([, text]) => text).join('\n');
    expect(all).toContain('https://kibana.acme.example/app/discover');
    expect(all).toContain('https://jaeger.acme.example/search?service=');
  });

  test('a URL that is not http(s) is a config error naming the field', () => {
    expect(() => validateProject({ ...demo, alerting: { ...demo.alerting, urls: { ...demo.alerting.urls, jaeger: 'jaeger:16686' } } })).toThrow(/alerting\.urls\.jaeger: "jaeger:16686": must be an http/);
  });
});
