// The demo's generated rules pass Prometheus's own tools, every alert is
// unit-tested (firing at an exact minute and staying quiet), every alert
// follows the monitoring-mixins conventions and links a runbook page that
// the build writes, and an environment's overrides reach its files only.
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { baseConfig, testConfig } from '../../alerts/build.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { configFor, DEFAULT_THRESHOLDS, environmentsOf } from '../../signals/alert-settings.ts';
import { recorded } from '../../signals/recording-rules.ts';
import { isAlert, type AlertRule } from '../../signals/rule-types.ts';
import { type AlertBuild, demoProject, runTool, writeAlertBuild } from '../support/alert-build.ts';

const project = demoProject;
const envs = environmentsOf(project);
const alerts: AlertRule[] = allGroups(baseConfig(project)).flatMap((g) => g.rules.filter(isAlert));

interface RuleFile {
  groups: { name: string; rules: { alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[];
}

let build: AlertBuild;
beforeAll(async () => {
  build = await writeAlertBuild(project);
});
afterAll(async () => {
  await build?.remove();
});

const ruleFile = (path: string) => parse(build.text(path)) as RuleFile;

describe('Prometheus tools', () => {
  test.each([...envs, 'tests'])('promtool check rules passes on the %s rule file', async (env) => {
    const result = await runTool('promtool', ['check', 'rules', build.path(`prometheus/${env}/rules.yml`)]);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.ok).toBe(true);
  });

  const testFiles = () => [...build.files.keys()].filter((p) => /^prometheus\/tests\/rules\.\w+\.test\.yml$/.test(p));
  test('the unit tests come one file per evaluation interval, each testing the rule file beside it', () => {
    expect(testFiles().map((p) => p.split('/').pop())).toEqual(['rules.1m.test.yml', 'rules.2m.test.yml', 'rules.10m.test.yml']);
    for (const p of testFiles()) expect(parse(build.text(p))).toMatchObject({ rule_files: ['rules.yml'], evaluation_interval: p.split('.')[1] });
  });

  test.each(['1m', '2m', '10m'])('promtool test rules passes every alert unit test in rules.%s.test.yml', async (interval) => {
    const result = await runTool('promtool', ['test', 'rules', `rules.${interval}.test.yml`], build.path('prometheus/tests'));
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.output).toContain('SUCCESS');
    expect(result.ok).toBe(true);
  }, 300_000);
});

describe('every alert', () => {
  test('has a unit test where it fires, with the minute before quiet, and one where it must not fire', () => {
    const missing = alerts
      .filter((a) => {
        const fires = a.tests.some((t) => t.expect.length > 0);
        // The Watchdog fires always by design: it has no quiet minute and no quiet case.
        if (a.alert === 'Watchdog') return !fires;
        const startsExactly = a.tests.some((t) => t.expect.length > 0 && (t.quietAt?.length ?? 0) > 0);
        const quietCase = a.tests.some((t) => t.expect.length === 0);
        return !(startsExactly && quietCase);
      })
      .map((a) => `${a.alert} (${a.severity})`);
    expect(missing).toEqual([]);
  });

  test.each(alerts.map((a) => [`${a.alert} (${a.severity}${a.labels?.slo ? `, ${a.labels.slo} ${a.labels.long_window}` : ''})`, a] as const))('%s follows the conventions', (_name, a) => {
    expect(a.alert).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    expect(['critical', 'warning', 'info']).toContain(a.severity);
    expect(a.summary).toMatch(/^[A-Z].*\.$/);
    expect(a.summary).not.toContain('{{');
    expect(a.description).toContain('{{');
    const burnRate = a.labels?.long_window !== undefined;
    if (!burnRate && a.alert !== 'Watchdog') expect(a.for, 'every alert but burn-rate pairs and the Watchdog waits').toBeDefined();
    expect(a.runbook.meaning.length).toBeGreaterThan(20);
    expect(a.runbook.diagnosis.length).toBeGreaterThan(0);
    expect(a.runbook.mitigation.length).toBeGreaterThan(0);
  });

  test('variants that share a name differ only in severity and threshold', () => {
    const byName = Map.groupBy(alerts, (a) => a.alert);
    for (const [name, variants] of byName) {
      const severities = variants.map((v) => v.severity);
      if (variants.some((v) => v.labels?.long_window !== undefined)) continue; // burn-rate pairs share a severity per window pair
      expect(new Set(severities).size, `${name}: one rule per severity`).toBe(severities.length);
    }
  });
});

test('rule groups stay small enough to read and evaluate', () => {
  for (const g of allGroups(baseConfig(project))) expect(g.rules.length, g.name).toBeLessThanOrEqual(40);
});

test.each(envs)('every alert of the %s rule file links a runbook page the build writes, and the page is about that alert', (env) => {
  const base = `${project.alerting.runbookBaseUrl.replace(/\/+$/, '')}/`;
  const linked = ruleFile(`prometheus/${env}/rules.yml`).groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined));
  expect(linked.length).toBe(alerts.length);
  for (const r of linked) {
    const url = r.annotations?.runbook_url ?? '';
    expect(url.startsWith(base), `${r.alert}: ${url} is under ${base}`).toBe(true);
    const page = build.files.get(`runbooks/${url.slice(base.length)}`);
    expect(page, `${r.alert}: the build writes no page for ${url}`).toBeDefined();
    expect(page!.split('\n').find((l) => l.startsWith('# ')), `${r.alert}: the page's title`).toBe(`# ${r.alert}`);
    expect(page).toContain(`> ${r.annotations?.summary}`);
  }
});

test('the build writes a runbook page for no alert that does not ship', () => {
  const shipped = new Set(alerts.map((a) => a.alert));
  const pages = [...build.files.keys()].filter((p) => p.startsWith('runbooks/')).map((p) => p.slice('runbooks/'.length, -'.md'.length));
  expect(pages.filter((p) => !shipped.has(p))).toEqual([]);
});

test.each(envs)('the %s PrometheusRule object holds exactly the groups of the rule file, named after the project', (env) => {
  const object = parse(build.text(`prometheus/${env}/prometheus-rule.yaml`)) as { apiVersion: string; kind: string; metadata: { name: string; labels: Record<string, string> }; spec: { groups: unknown[] } };
  expect(object.apiVersion).toBe('monitoring.coreos.com/v1');
  expect(object.kind).toBe('PrometheusRule');
  expect(object.metadata.name).toBe(project.name);
  expect(object.metadata.labels.environment).toBe(env);
  expect(object.spec.groups).toEqual(ruleFile(`prometheus/${env}/rules.yml`).groups);
});

test('every generated file says it is generated, in its own comment syntax', () => {
  for (const [path, text] of build.files) {
    const first = text.split('\n')[0]!;
    if (path.endsWith('.md')) expect(first, path).toMatch(/^<!-- Generated .* -->$/);
    else if (path.endsWith('.tmpl')) expect(first, path).toMatch(/^\{\{\/\* Generated .* \*\/\}\}$/);
    else expect(first, path).toMatch(/^# Generated /);
  }
});

describe('environments', () => {
  const p95 = (env: string) => `${recorded.latencyP95} > ${configFor(project, env).service.latencyP95Seconds.value}`;
  const rule = (path: string, alert: string) => ruleFile(path).groups.flatMap((g) => g.rules).find((r) => r.alert === alert)!;

  test("a threshold override reaches that environment's rule file only", () => {
    expect(configFor(project, 'staging').service.latencyP95Seconds.value).not.toBe(configFor(project, 'production').service.latencyP95Seconds.value);
    // The threshold comparison leads the expression; the low-traffic guard and the stand-down behind the SLO page follow.
    for (const env of envs) expect(rule(`prometheus/${env}/rules.yml`, 'HttpLatencyP95High').expr.startsWith(`${p95(env)} and `), env).toBe(true);
    expect(rule('prometheus/staging/rules.yml', 'HttpLatencyP95High').expr.startsWith(`${p95('production')} and `)).toBe(false);
  });

  test("a business alert's override changes its threshold, `for` and description in that environment only", () => {
    const dev = rule('prometheus/development/rules.yml', 'ShopOrdersDroppedWeekOverWeek');
    const prod = rule('prometheus/production/rules.yml', 'ShopOrdersDroppedWeekOverWeek');
    expect([dev.expr.endsWith('< 0.2'), dev.for, dev.annotations?.description]).toEqual([true, '1h', expect.stringContaining('(threshold 20%)')]);
    expect([prod.expr.endsWith('< 0.5'), prod.for, prod.annotations?.description]).toEqual([true, '30m', expect.stringContaining('(threshold 50%)')]);
    expect(rule('prometheus/staging/rules.yml', 'ShopOrdersDroppedWeekOverWeek').expr).toBe(prod.expr);
  });

  test("the promtool tests run against the kit's default thresholds and the business alerts' base values, whatever the environments override", () => {
    const tests = testConfig({ ...project, thresholds: { service: { errorRatio: { value: 0.2 } } } });
    expect(tests.service).toEqual(DEFAULT_THRESHOLDS.service);
    expect(tests.businessOverrides).toEqual({});
    expect(rule('prometheus/tests/rules.yml', 'ShopOrdersDroppedWeekOverWeek').expr.endsWith('< 0.5')).toBe(true);
    expect(rule('prometheus/tests/rules.yml', 'HttpLatencyP95High').expr.startsWith(`${recorded.latencyP95} > ${DEFAULT_THRESHOLDS.service.latencyP95Seconds.value} and `)).toBe(true);
  });
});
