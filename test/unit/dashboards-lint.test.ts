// Every dashboard of the demo project is JSON from the Grafana Foundation
// SDK's build() and passes our own lint (cli/checks/dashboard-lint.ts);
// thresholds are the alerts' constants; and the lint catches each kind of
// fault on a broken dashboard.
import type { Dashboard, Panel } from '@grafana/grafana-foundation-sdk/dashboard';
import { describe, expect, test } from 'vitest';
import { allGroups } from '../../alerts/groups/index.ts';
import { formatProblem, lintContext, lintDashboard, lintDashboards, lintProjectDashboards, type Problem } from '../../cli/checks/dashboard-lint.ts';
import { builtDashboards } from '../../dashboards/build.ts';
import { DASHBOARD_UIDS, dashboardSettings } from '../../dashboards/dashboard-settings.ts';
import demo from '../../examples/demo-shop/observability.config.ts';
import { businessDashboardUid } from '../../signals/project/business.ts';
import { validateProject } from '../../signals/project/validate.ts';
import { metricNames, rangeFunctionWindows } from '../../signals/promql.ts';
import { isAlert } from '../../signals/rule-types.ts';

const project = validateProject(demo);
const settings = dashboardSettings(project);
const ctx = lintContext(settings);
const built = builtDashboards(settings).map((d) => d.json);
const BUSINESS = businessDashboardUid('demo-shop');
const byUid = (uid: string): Dashboard => {
  const d = built.find((x) => x.uid === uid);
  if (d === undefined) throw new Error(`no dashboard ${uid}`);
  return d;
};
const panels = (d: Dashboard) => (d.panels ?? []).filter((p): p is Panel => p.type !== 'row');
const panel = (uid: string, title: string): Panel => {
  const p = panels(byUid(uid)).find((x) => x.title === title);
  if (p === undefined) throw new Error(`no panel "${title}" on ${uid}`);
  return p;
};
interface Target {
  refId?: string;
  expr: string;
  exemplar?: boolean;
  datasource?: { uid?: string };
}
const targets = (p: Panel) => (p.targets ?? []) as unknown as Target[];
const steps = (p: Panel) => (p.fieldConfig?.defaults.thresholds?.steps ?? []).map((s) => s.value).filter((v): v is number => v !== null);

test("the project's dashboards are the kit's five and one business dashboard per service with panels, and pass the lint", () => {
  const withPanels = project.services.filter((s) => (s.panels ?? []).length > 0);
  expect(withPanels.length).toBeGreaterThan(0);
  expect(built.map((d) => d.uid).sort()).toEqual([...Object.values(DASHBOARD_UIDS), ...withPanels.map((s) => businessDashboardUid(s.name))].sort());
  expect(lintProjectDashboards(project).map(formatProblem)).toEqual([]);
});

test('the dashboards carry the stable uids that runbooks and notifications link', () => {
  const linked = new Set(allGroups(settings.alerts).flatMap((g) => g.rules.filter(isAlert).flatMap((r) => (r.runbook.dashboard ? [r.runbook.dashboard] : []))));
  expect([...linked]).toEqual(expect.arrayContaining([BUSINESS, 'service-overview', 'slo-overview', 'stack-health', 'system']));
  for (const uid of linked) expect(built.map((d) => d.uid)).toContain(uid);
});

test("the kit's dashboards offer the project's services as jobs, and a business dashboard its own service", () => {
  const jobQuery = (uid: string) => String(byUid(uid).templating.list!.find((v) => v.name === 'job')!.query);
  for (const uid of [DASHBOARD_UIDS.serviceOverview, DASHBOARD_UIDS.system, DASHBOARD_UIDS.sloOverview, BUSINESS]) expect(jobQuery(uid), uid).toMatch(/\{job=~"demo-shop"\}, job\)$/);
});

test('the SLO dashboard lists the SLOs by a variable of the recorded SLO series, not by name', () => {
  const d = byUid(DASHBOARD_UIDS.sloOverview);
  expect(d.templating.list!.find((v) => v.name === 'slo')).toMatchObject({ type: 'query', query: 'label_values(slo:objective:ratio{job=~"$job"}, slo)', multi: true, includeAll: true });
  const exprs = panels(d).flatMap(targets).map((t) => t.expr);
  expect(exprs.length).toBeGreaterThan(10);
  for (const e of exprs) expect(e).toContain('slo=~"$slo"');
  expect(exprs.join('\n')).not.toMatch(/slo="/);
});

test('every panel has a unique id within its dashboard and every query a refId', () => {
  for (const d of built) {
    const ids = (d.panels ?? []).map((p) => p.id);
    expect(new Set(ids).size, d.uid).toBe(ids.length);
    for (const p of panels(d)) for (const t of targets(p)) expect(t.refId, `${d.uid} ${p.title}`).toMatch(/^[A-Z]$/);
  }
});

describe('panel thresholds are the alerts’ thresholds', () => {
  const a = settings.alerts;
  const businessAlert = (name: string) => project.services.flatMap((s) => s.alerts ?? []).find((x) => x.alert === name)!.threshold;
  test.each([
    ['service-overview', 'Error ratio (5xx)', a.service.errorRatio.value],
    ['service-overview', 'Latency p95', a.service.latencyP95Seconds.value],
    ['service-overview', 'Latency p99', a.service.latencyP99Seconds.value],
    ['service-overview', 'Latency p50 / p95 / p99', a.service.latencyP99Seconds.value],
    ['service-overview', 'In flight', a.service.requestsInFlight.value],
    ['system', 'Host CPU utilisation', a.system.hostCpuBusy.value],
    ['system', 'Host memory utilisation', a.system.memoryCritical.value],
    ['system', 'Filesystems', a.system.filesystemWarning.value],
    ['system', 'Event loop lag', a.system.eventLoopLagSeconds.value],
    ['system', 'Time in garbage collection', a.system.gcTimeRatio.value],
    ['system', 'File descriptors in use', a.system.fileDescriptorsRatio.value],
    [BUSINESS, 'Checkouts failing', businessAlert('ShopOrderFailureRatioHigh')],
    [BUSINESS, 'Payment decline ratio by method', businessAlert('ShopPaymentDeclineRatioHigh')],
    [BUSINESS, 'Orders vs last week', businessAlert('ShopOrdersDroppedWeekOverWeek')],
    [BUSINESS, 'Work queue growth per hour', businessAlert('ShopQueueGrowing')],
    // The burn-rate factors of the SRE Workbook policy for a 30-day period: slowest ticket ×1, slowest page ×6.
    ['slo-overview', 'Burn rate by window', 1],
    ['slo-overview', 'Burn rate by window', 6],
  ])('%s › %s has a step at %s', (uid, title, value) => {
    expect(steps(panel(uid, title))).toContain(value);
  });
});

test('latency graphs ask for exemplars, which link to traces', () => {
  const latency = targets(panel('service-overview', 'Latency p50 / p95 / p99'));
  expect(latency.map((t) => t.exemplar)).toEqual([true, true, true]);
});

describe('metricNames finds the selected metrics and nothing else', () => {
  test.each([
    ['sum by (job) (rate(http_server_request_duration_seconds_count{job=~"$job",le="0.5"}[$__rate_interval]))', ['http_server_request_duration_seconds_count']],
    ['(a:b:c{x="y"}) / clamp_min(d_total, 1e-12) or (0 * e)', ['a:b:c', 'd_total', 'e']],
    ['sum(rate(x_total[$__rate_interval] offset 1w)) / ignoring (reason) group_left y', ['x_total', 'y']],
    ['label_replace(up, "dst", "$1", "src", "(.*)") and on (job) ALERTS{alertname="Watchdog"}', ['up', 'ALERTS']],
    ['histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m]))) > bool 2.5e+3', ['h_bucket']],
    ['count(ALERTS) or vector(0)', ['ALERTS']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr).sort()).toEqual([...names].sort());
  });

  test('rangeFunctionWindows reads the window of each rate, irate and increase, offsets included', () => {
    expect(rangeFunctionWindows('rate(a[5m]) + increase(b{x="1"}[$__rate_interval] offset 1w) / sum(irate(c[1m]))')).toEqual([
      { fn: 'rate', window: '5m' },
      { fn: 'increase', window: '$__rate_interval' },
      { fn: 'irate', window: '1m' },
    ]);
  });
});

/** The lint's problems on a copy of dashboard `uid` after `breakIt`. */
function lintBroken(uid: string, breakIt: (d: Dashboard) => void): Problem[] {
  const d = structuredClone(byUid(uid));
  breakIt(d);
  return lintDashboard(d, ctx);
}
const firstPanel = (d: Dashboard, title: string) => panels(d).find((p) => p.title === title)!;
const firstTarget = (d: Dashboard, title: string) => targets(firstPanel(d, title))[0]!;

describe('the lint catches each kind of fault on a broken dashboard', () => {
  const S = 'service-overview';
  const RATE = 'Requests by route';
  interface Expected {
    readonly panel?: string;
    readonly field?: string;
    readonly message: RegExp;
  }
  test.each<[string, (d: Dashboard) => void, Expected]>([
    ['a query on a fixed datasource', (d) => (firstTarget(d, RATE).datasource = { uid: 'prometheus' }), { panel: '#9 "Requests by route"', field: 'targets[A].datasource', message: /not the datasource variable/ }],
    ['a panel on a fixed datasource', (d) => (firstPanel(d, RATE).datasource = { type: 'prometheus', uid: 'prometheus' }), { field: 'datasource', message: /not the datasource variable/ }],
    ['a panel without a unit', (d) => delete firstPanel(d, RATE).fieldConfig!.defaults.unit, { field: 'fieldConfig.defaults.unit', message: /missing/ }],
    ['a panel without a description', (d) => (firstPanel(d, 'Latency p95').description = ' '), { panel: '#4 "Latency p95"', field: 'description', message: /missing/ }],
    ['a hard-coded job', (d) => (firstTarget(d, RATE).expr = firstTarget(d, RATE).expr.replace('job=~"$job"', 'job="demo-shop"')), { field: 'targets[A].expr', message: /hard-coded job matcher job="demo-shop"/ }],
    ['a hard-coded instance', (d) => (firstTarget(d, RATE).expr = firstTarget(d, RATE).expr.replace('instance=~"$instance"', 'instance=~"10.0.0.1:8080"')), { field: 'targets[A].expr', message: /hard-coded instance matcher/ }],
    ['a rate over a fixed window', (d) => (firstTarget(d, RATE).expr = firstTarget(d, RATE).expr.replace('$__rate_interval', '5m')), { field: 'targets[A].expr', message: /rate\(\) over \[5m\] instead of \[\$__rate_interval\]/ }],
    ['an increase over a fixed window', (d) => (firstTarget(d, RATE).expr = 'sum(increase(http_server_request_duration_seconds_count{job=~"$job"}[1h]))'), { field: 'targets[A].expr', message: /increase\(\) over \[1h\]/ }],
    ['a misspelt metric', (d) => (firstTarget(d, RATE).expr = firstTarget(d, RATE).expr.replace('duration_seconds_count', 'duration_second_count')), { field: 'targets[A].expr', message: /unknown metric http_server_request_duration_second_count/ }],
    ['a histogram named without its series suffix', (d) => (firstTarget(d, RATE).expr = 'sum(http_server_request_duration_seconds{job=~"$job"})'), { message: /unknown metric http_server_request_duration_seconds:/ }],
    ['a recording rule that does not exist', (d) => (firstTarget(d, 'Request rate').expr = 'sum(job:http_server_requests:rate1m{job=~"$job"})'), { panel: '#2 "Request rate"', message: /unknown metric job:http_server_requests:rate1m/ }],
    ['an alert that does not exist', (d) => (firstTarget(d, RATE).expr = 'count(ALERTS{alertname="HttpErrorsHigh", job=~"$job"})'), { message: /unknown alert HttpErrorsHigh/ }],
    ['a latency graph without exemplars', (d) => delete firstTarget(d, 'Latency p50 / p95 / p99').exemplar, { field: 'targets[A].exemplar', message: /without exemplars/ }],
    ['a query without a refId', (d) => delete firstTarget(d, RATE).refId, { field: 'targets[0].refId', message: /missing or repeated/ }],
    ['two panels with one id', (d) => (firstPanel(d, RATE).id = firstPanel(d, 'Latency p95').id!), { field: 'panels', message: /panel id 4 is used twice/ }],
    ['a missing uid', (d) => delete d.uid, { field: 'uid', message: /missing or not a stable slug/ }],
    ['a uid that is not the project’s', (d) => (d.uid = 'service-overview-v2'), { field: 'uid', message: /not one of the project's dashboard uids/ }],
    ['no datasource variable', (d) => (d.templating.list = d.templating.list!.filter((v) => v.type !== 'datasource')), { field: 'templating.datasource', message: /no datasource variable/ }],
    ['no job variable', (d) => (d.templating.list = d.templating.list!.filter((v) => v.name !== 'job')), { field: 'templating.job', message: /no job variable from label_values/ }],
    ['a variable on a fixed datasource', (d) => (d.templating.list!.find((v) => v.name === 'instance')!.datasource = { uid: 'prometheus' }), { field: 'templating.instance.datasource', message: /not the datasource variable/ }],
    ['dashboard links that drop the time range', (d) => d.links!.forEach((l) => (l.keepTime = false)), { field: 'links', message: /keeps time and variables/ }],
    ['no link to the logs', (d) => (d.links = d.links!.filter((l) => !l.url?.startsWith(settings.logs!.publicUrl))), { field: 'links', message: /no link to kibana/ }],
    ['no link to the traces', (d) => (d.links = d.links!.filter((l) => !l.url?.startsWith(settings.traces!.publicUrl))), { field: 'links', message: /no link to jaeger/ }],
    ['a tag that is not the project’s', (d) => (d.tags = ['node-observability-kit']), { field: 'tags', message: /missing the project's tag demo-shop/ }],
    ['no dashboard description', (d) => delete d.description, { field: 'description', message: /missing/ }],
  ])('%s', (_name, breakIt, expected) => {
    const problems = lintBroken(S, breakIt);
    expect(problems, problems.map(formatProblem).join('\n')).toContainEqual(expect.objectContaining({ dashboard: expected.field === 'uid' ? expect.any(String) : S, ...expected, message: expect.stringMatching(expected.message) }));
  });

  test('a second dashboard with the same uid', () => {
    const twin = structuredClone(byUid('system'));
    twin.uid = 'service-overview';
    expect(lintDashboards([...built, twin], ctx).map(formatProblem)).toContain('service-overview › uid: used by another dashboard too');
  });

  test('a query panel without queries, and an alert list with some', () => {
    const problems = lintBroken('alerts-overview', (d) => {
      firstPanel(d, 'Pending now').targets = [];
      firstPanel(d, 'Alert rules firing or pending').targets = JSON.parse('[{"refId": "A"}]');
    });
    expect(problems.map(formatProblem)).toEqual([
      'alerts-overview › panel #3 "Pending now" › targets: no queries',
      'alerts-overview › panel #4 "Alert rules firing or pending" › targets: a alertlist panel runs no queries',
    ]);
  });

  test('the suffixes Prometheus stores for histograms and counters are known; the bare histogram name is not', () => {
    const known = (expr: string) => lintBroken(S, (d) => (firstTarget(d, RATE).expr = expr)).filter((p) => p.message.startsWith('unknown metric'));
    for (const series of ['http_server_request_duration_seconds_bucket', 'http_server_request_duration_seconds_sum', 'http_server_request_duration_seconds_created', 'shop_orders_placed_created', 'shop_orders_placed_total']) {
      expect(known(`max(${series}{job=~"$job"})`), series).toEqual([]);
    }
    expect(known('max(shop_orders_placed{job=~"$job"})')).toHaveLength(1);
  });
});
