// The SLO generator: burn-rate factors follow from the budget shares and
// windows (sloth-style table tests named as sentences), the generated PromQL
// of the demo's SLOs is what it should be, the output matches its golden
// file, and Prometheus's own promtool shows the recorded series are 0 or 1,
// never NaN or missing, while a service has no traffic or no errors, and that
// an SLO counts only its own service and routes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { configFor } from '../../signals/alert-settings.ts';
import { sloRules } from '../../alerts/groups/slo.ts';
import type { ServiceConfig } from '../../signals/project/config.ts';
import { ruleFile } from '../../alerts/lib/compile.ts';
import { isAlert, type RecordingRule } from '../../signals/rule-types.ts';
import { ALERT_NAME, sloSeries } from '../../signals/slo/series.ts';
import { httpLatency, leValue } from '../../signals/slo/http-latency.ts';
import { errorBudgetBurnRunbook, sloAlerts } from '../../alerts/slo/generate.ts';
import { scenarioCounters } from '../../alerts/slo/scenarios.ts';
import { slosOf } from '../../signals/slo/index.ts';
import { BURN_RATE_POLICY, burnRateFactor, errorBudget, SLI_WINDOWS } from '../../signals/slo/spec.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { demoProject } from '../support/alert-build.ts';

const run = promisify(execFile);
const config = configFor(demoProject, 'production');
/** The demo's one service, whose requests its SLOs count. */
const services = 'job="demo-shop"';
const groups = sloRules(config);
const rules = groups.flatMap((g) => g.rules);
const recording = (name: string, slo: string): RecordingRule => {
  const r = rules.find((x): x is RecordingRule => !isAlert(x) && x.record === name && x.labels?.slo === slo);
  if (r === undefined) throw new Error(`no ${name} for ${slo}`);
  return r;
};

describe('burn-rate factors are budget share × period / long window', () => {
  test.each([
    ['pages when 2% of a 30-day budget burns in 1 hour: factor 14.4', 0.02, '30d', '1h', 14.4],
    ['pages when 5% of a 30-day budget burns in 6 hours: factor 6', 0.05, '30d', '6h', 6],
    ['opens a ticket when 10% of a 30-day budget burns in 1 day: factor 3', 0.1, '30d', '1d', 3],
    ['opens a ticket when 10% of a 30-day budget burns in 3 days: factor 1', 0.1, '30d', '3d', 1],
    ['pages when 2% of a 28-day budget burns in 1 hour: factor 13.44', 0.02, '28d', '1h', 13.44],
    ['opens a ticket when 10% of a 4-week budget burns in 3 days: factor 0.93…', 0.1, '4w', '3d', 0.933333333333],
  ] as const)('%s', (_name, share, period, window, factor) => {
    expect(burnRateFactor(share, period, window)).toBe(factor);
  });

  test('the policy is the SRE Workbook table: 1h/5m ×14.4 and 6h/30m ×6 page, 1d/2h ×3 and 3d/6h ×1 open tickets', () => {
    expect(BURN_RATE_POLICY.map((p) => [p.severity, p.long, p.short, burnRateFactor(p.budgetShare, '30d', p.long)])).toEqual([
      ['critical', '1h', '5m', 14.4],
      ['critical', '6h', '30m', 6],
      ['warning', '1d', '2h', 3],
      ['warning', '3d', '6h', 1],
    ]);
  });

  test('error ratios are recorded at exactly the windows the alerts read: 5m, 30m, 1h, 2h, 6h, 1d, 3d', () => {
    expect(SLI_WINDOWS).toEqual(['5m', '30m', '1h', '2h', '6h', '1d', '3d']);
  });

  test.each([
    [0.995, 0.005],
    [0.99, 0.01],
    [0.999, 0.001],
    [0.9995, 0.0005],
  ])('an objective of %d leaves an error budget of exactly %d', (objective, budget) => {
    expect(errorBudget(objective)).toBe(budget);
  });
});

describe('generated rules', () => {
  test("one group per SLO of the service, named after it: its recordings, then its alerts, which read only series recorded before them in that group", () => {
    expect(groups.map((g) => g.name)).toEqual(['slo-demo-shop-availability', 'slo-demo-shop-latency']);
    for (const g of groups) {
      const firstAlert = g.rules.findIndex(isAlert);
      expect(g.rules.slice(firstAlert).every(isAlert), g.name).toBe(true);
      const recordedBefore = new Set(g.rules.slice(0, firstAlert).map((r) => (isAlert(r) ? '' : r.record)));
      for (const r of g.rules) {
        const reads = [...r.expr.matchAll(/\bslo:[a-z_]+:[a-z0-9_]+/g)].map((m) => m[0]);
        // The data-since series reads its own earlier values: the one series that may read itself.
        const earlier = new Set([...g.rules.slice(0, g.rules.indexOf(r)).map((x) => (isAlert(x) ? '' : x.record)), ...(!isAlert(r) && r.record === sloSeries.dataSince ? [r.record] : [])]);
        for (const series of reads) expect(earlier.has(series) && recordedBefore.has(series), `${g.name}: ${isAlert(r) ? r.alert : r.record} reads ${series}`).toBe(true);
      }
    }
  });

  test('the availability error ratio over 1h counts 5xx among all requests, per job, 0 when a job has no 5xx or no traffic', () => {
    const count = 'http_server_request_duration_seconds_count';
    const all = `sum by (job) (rate(${count}{${services}}[1h]))`;
    expect(recording('slo:sli_error:ratio_rate1h', 'demo-shop-availability').expr).toBe(
      `(sum by (job) (rate(${count}{${services},http_response_status_code=~"5.."}[1h])) or on (job) (0 * ${all})) / clamp_min(${all}, 1e-12)`,
    );
  });

  test('the latency error ratio over 1h counts requests above the 0.5 s bucket among all requests (the +Inf bucket)', () => {
    const bucket = 'http_server_request_duration_seconds_bucket';
    const all = `sum by (job) (rate(${bucket}{${services},le="+Inf"}[1h]))`;
    expect(recording('slo:sli_error:ratio_rate1h', 'demo-shop-latency').expr).toBe(`(${all} - sum by (job) (rate(${bucket}{${services},le="0.5"}[1h]))) / clamp_min(${all}, 1e-12)`);
  });

  test('the period ratio weighs the recorded 5-minute rates by traffic, and the budget remaining follows from it', () => {
    expect(recording('slo:sli_error:ratio_rate30d', 'demo-shop-availability').expr).toBe(
      '(sum_over_time(slo:sli_errors:rate5m{slo="demo-shop-availability"}[30d])) / clamp_min(sum_over_time(slo:sli_requests:rate5m{slo="demo-shop-availability"}[30d]), 1e-12)',
    );
    expect(recording(sloSeries.budgetRemaining, 'demo-shop-availability').expr).toBe('1 - slo:sli_error:ratio_rate30d{slo="demo-shop-availability"} / 0.005');
    expect(recording(sloSeries.budgetRemaining, 'demo-shop-latency').expr).toBe('1 - slo:sli_error:ratio_rate30d{slo="demo-shop-latency"} / 0.01');
  });

  test('each SLO has four ErrorBudgetBurn alerts, both windows above the same factor, labelled with their windows and without a wait', () => {
    const burn = rules.filter(isAlert).filter((a) => a.alert === ALERT_NAME);
    expect(burn.map((a) => [a.labels?.slo, a.severity, a.labels?.long_window, a.labels?.short_window, a.for])).toEqual([
      ['demo-shop-availability', 'critical', '1h', '5m', undefined],
      ['demo-shop-availability', 'critical', '6h', '30m', undefined],
      ['demo-shop-availability', 'warning', '1d', '2h', undefined],
      ['demo-shop-availability', 'warning', '3d', '6h', undefined],
      ['demo-shop-latency', 'critical', '1h', '5m', undefined],
      ['demo-shop-latency', 'critical', '6h', '30m', undefined],
      ['demo-shop-latency', 'warning', '1d', '2h', undefined],
      ['demo-shop-latency', 'warning', '3d', '6h', undefined],
    ]);
    // The fast page stays open for the slower page's short window; no other variant keeps firing.
    expect(burn.map((a) => a.keepFiringFor)).toEqual(['30m', undefined, undefined, undefined, '30m', undefined, undefined, undefined]);
    // Guarded: at least 100 events in the short window; but for the fastest page, data over 90% of the long window.
    expect(burn[0]!.expr).toBe(
      'slo:sli_error:ratio_rate1h{slo="demo-shop-availability"} / 0.005 > 14.4 and slo:sli_error:ratio_rate5m{slo="demo-shop-availability"} / 0.005 > 14.4' +
        ' and on (job) (sum by (job) (rate(http_server_request_duration_seconds_count{job="demo-shop"}[5m]))) * 300 >= 100',
    );
    expect(burn[7]!.expr).toBe(
      'slo:sli_error:ratio_rate3d{slo="demo-shop-latency"} / 0.01 > 1 and slo:sli_error:ratio_rate6h{slo="demo-shop-latency"} / 0.01 > 1' +
        ' and on (job) (sum by (job) (rate(http_server_request_duration_seconds_bucket{job="demo-shop",le="+Inf"}[6h]))) * 21600 >= 100' +
        ' and on (job, slo) time() - slo:sli_data:since_timestamp{slo="demo-shop-latency"} >= 233280',
    );
  });

  test('the data-since series keeps its earliest value over the last hour, else starts now from the 1h ratio', () => {
    expect(recording(sloSeries.dataSince, 'demo-shop-availability').expr).toBe(
      'min_over_time(slo:sli_data:since_timestamp{slo="demo-shop-availability"}[1h]) or timestamp(slo:sli_error:ratio_rate1h{slo="demo-shop-availability"})',
    );
  });

  test('the generated SLO rule file matches its golden file (update with `npx vitest run --project integration test/integration/slo.test.ts -u`)', async () => {
    await expect(ruleFile(groups, config)).toMatchFileSnapshot('../../alerts/slo/golden/slo-rules.yml');
  });

  test('a latency threshold that is not a histogram bucket is refused, since no bucket could count requests below it', () => {
    expect(() => httpLatency(demoProject.services[0]!, { kind: 'latency', objective: 0.99, thresholdSeconds: 0.3 }, 'demo-shop-latency', '30d')).toThrow(/not a bucket/);
  });

  test("each SLO is named after its service and kind, a second one of a kind numbered, and its promtool cases use the service's own job", () => {
    const checkout: ServiceConfig = {
      ...demoProject.services[0]!,
      name: 'checkout',
      port: 9000,
      slos: [
        { kind: 'latency', objective: 0.99, thresholdSeconds: 0.5 },
        { kind: 'latency', objective: 0.9, thresholdSeconds: 2.5 },
        { kind: 'availability', objective: 0.999 },
      ],
    };
    const all = slosOf(checkout);
    expect(all.map((x) => [x.name, x.job, x.objective, x.period])).toEqual([
      ['checkout-latency', 'checkout', 0.99, '30d'],
      ['checkout-latency-2', 'checkout', 0.9, '30d'],
      ['checkout-availability', 'checkout', 0.999, '30d'],
    ]);
    const page = sloAlerts(all[2]!, errorBudgetBurnRunbook(all), config)[0]!;
    const fires = page.tests.find((t) => t.expect.length > 0)!;
    expect(fires.expect[0]!.labels).toMatchObject({ job: 'checkout', slo: 'checkout-availability' });
    expect(fires.series.map((x) => x.series).every((x) => x.includes('job="checkout",instance="checkout:9000"'))).toBe(true);
    expect(page.expr).toBe(
      'slo:sli_error:ratio_rate1h{slo="checkout-availability"} / 0.001 > 14.4 and slo:sli_error:ratio_rate5m{slo="checkout-availability"} / 0.001 > 14.4' +
        ' and on (job) (sum by (job) (rate(http_server_request_duration_seconds_count{job="checkout"}[5m]))) * 300 >= 100',
    );
  });

  test('bucket bounds are written as Prometheus 3 stores them', () => {
    expect([leValue(0.5), leValue(1), leValue(2.5), leValue(10)]).toEqual(['0.5', '1.0', '2.5', '10.0']);
  });
});

describe('test scenarios', () => {
  test('a phase burning at b makes b × budget of its requests bad, on top of a long-running process\'s counters', () => {
    expect(scenarioCounters([{ samples: 3, burn: 0 }, { samples: 2, burn: 20 }], 0.005)).toEqual({
      good: '99000000 99001000+1000x2 99003900+900x1',
      bad: '1000000 1000000+0x2 1000100+100x1',
      total: '100000000 100001000+1000x2 100004000+1000x1',
    });
  });
});

describe('recorded series under promtool', () => {
  const labels = (job: string, route = '/') => `job="${job}",instance="${job}:8080",http_request_method="GET",http_route="${route}"`;
  const requests = (status: string, values: string, job = 'demo-shop', route = '/') => ({
    series: `http_server_request_duration_seconds_count{${labels(job, route)},http_response_status_code="${status}"}`,
    values,
  });
  const within = (le: string, values: string) => ({ series: `http_server_request_duration_seconds_bucket{${labels('demo-shop')},http_response_status_code="200",le="${le}"}`, values });
  const sample = (name: string, slo: string, value: number, job = 'demo-shop') => ({ expr: `${name}{slo="${slo}"}`, eval_time: '2h', exp_samples: [{ labels: `${name}{job="${job}",slo="${slo}"}`, value }] });
  /** 1 when the series is within 1e-9 of `value`: rates are floating point. */
  const near = (name: string, slo: string, value: number) => ({
    expr: `abs(${name}{slo="${slo}"} - (${value})) < bool 1e-9`,
    eval_time: '2h',
    exp_samples: [{ labels: `{job="demo-shop",slo="${slo}"}`, value: 1 }],
  });
  const both = (name: string, value: number | ((slo: string) => number)) =>
    ['demo-shop-availability', 'demo-shop-latency'].map((slo) => sample(name, slo, typeof value === 'number' ? value : value(slo)));

  /** promtool's verdict on `tests` against SLO rules alone (the demo's unless given). */
  async function promtool(tests: unknown[], sloGroups = groups): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'slo-test-'));
    try {
      await writeFile(join(dir, 'rules.yml'), ruleFile(sloGroups, config));
      await writeFile(join(dir, 'test.yml'), stringify({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests }, { lineWidth: 0 }));
      const result = await run(await resolveTool('promtool'), ['test', 'rules', 'test.yml'], { cwd: dir }).catch((err: { stdout: string; stderr: string }) => err);
      return `${result.stdout}${result.stderr}`;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  test("an SLO counts only its own service: another job's failures leave its error ratio at 0 and record nothing for that job", async () => {
    const output = await promtool([
      {
        name: 'another job fails',
        interval: '1m',
        input_series: [requests('200', '0+100x120'), requests('500', '0+100x120', 'checkout')],
        promql_expr_test: [sample(sloSeries.errorRatio('1h'), 'demo-shop-availability', 0), { expr: `${sloSeries.errorRatio('1h')}{job="checkout"}`, eval_time: '2h', exp_samples: [] }],
      },
    ]);
    expect(output).not.toMatch(/FAILED/);
    expect(output).toContain('SUCCESS');
  });

  test('an SLO that names routes counts only requests to those routes', async () => {
    const service: ServiceConfig = { ...demoProject.services[0]!, slos: [{ kind: 'availability', objective: 0.999, routes: ['/api/:version/orders', '/checkout'] }] };
    const [orders] = slosOf(service);
    expect(orders!.sli.kind === 'errors' && orders!.sli.total('5m')).toBe(
      'sum by (job) (rate(http_server_request_duration_seconds_count{job="demo-shop",http_route=~"/api/:version/orders|/checkout"}[5m]))',
    );
    const routeGroups = sloRules(configFor({ ...demoProject, services: [service] }, 'production'));
    // Half the requests to /checkout fail, every one to / does: only the first count.
    const output = await promtool(
      [
        {
          name: 'failures on a route the SLO leaves out',
          interval: '1m',
          input_series: [requests('200', '0+50x120', 'demo-shop', '/checkout'), requests('500', '0+50x120', 'demo-shop', '/checkout'), requests('500', '0+100x120')],
          promql_expr_test: [near(sloSeries.errorRatio('1h'), 'demo-shop-availability', 0.5)],
        },
      ],
      routeGroups,
    );
    expect(output).not.toMatch(/FAILED/);
    expect(output).toContain('SUCCESS');
  });

  test('at zero traffic every error ratio is 0 and the whole budget remains, for every SLO (no NaN)', async () => {
    const output = await promtool([
      {
        name: 'zero traffic',
        interval: '1m',
        input_series: [requests('200', '0x120'), requests('500', '0x120'), within('0.5', '0x120'), within('+Inf', '0x120')],
        promql_expr_test: [
          ...SLI_WINDOWS.flatMap((w) => both(sloSeries.errorRatio(w), 0)),
          ...both(sloSeries.errorRatio('30d'), 0),
          ...both(sloSeries.budgetRemaining, 1),
          ...both(sloSeries.objective, (slo) => (slo === 'demo-shop-availability' ? 0.995 : 0.99)),
          ...both(sloSeries.errorBudget, (slo) => (slo === 'demo-shop-availability' ? 0.005 : 0.01)),
        ],
      },
    ]);
    expect(output).not.toMatch(/FAILED/);
    expect(output).toContain('SUCCESS');
  });

  test('a job that never answered with a 5xx has an availability error ratio of 0, not a missing one, and its whole budget', async () => {
    const output = await promtool([
      {
        name: 'no 5xx series',
        interval: '1m',
        input_series: [requests('200', '0+100x120')],
        promql_expr_test: [...SLI_WINDOWS.map((w) => sample(sloSeries.errorRatio(w), 'demo-shop-availability', 0)), sample(sloSeries.budgetRemaining, 'demo-shop-availability', 1)],
      },
    ]);
    expect(output).not.toMatch(/FAILED/);
    expect(output).toContain('SUCCESS');
  });

  test('a steady error ratio of half the budget leaves half of it; twice the budget overspends it by as much', async () => {
    // Per minute: 1000 requests; availability 0.25% (half of 0.5%) are 5xx, latency 2% (twice 1%) are slow.
    const output = await promtool([
      {
        name: 'steady errors',
        interval: '1m',
        input_series: [requests('200', '1000000+997.5x120'), requests('500', '10000+2.5x120'), within('0.5', '1000000+980x120'), within('+Inf', '1100000+1000x120')],
        promql_expr_test: [
          near(sloSeries.errorRatio('1h'), 'demo-shop-availability', 0.0025),
          near(sloSeries.errorRatio('30d'), 'demo-shop-availability', 0.0025),
          near(sloSeries.budgetRemaining, 'demo-shop-availability', 0.5),
          near(sloSeries.errorRatio('1h'), 'demo-shop-latency', 0.02),
          near(sloSeries.errorRatio('30d'), 'demo-shop-latency', 0.02),
          near(sloSeries.budgetRemaining, 'demo-shop-latency', -1),
        ],
      },
    ]);
    expect(output).not.toMatch(/FAILED/);
    expect(output).toContain('SUCCESS');
  });
});
