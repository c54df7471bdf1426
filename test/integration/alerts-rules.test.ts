// The generated rules pass Prometheus's own tools, every alert is unit-tested
// (firing at an exact minute and staying quiet), and every alert follows the
// monitoring-mixins conventions.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ALERTS_DIR, buildAlerts } from '../../alerts/build.ts';
import { configFor, ENVIRONMENTS } from '../../signals/alert-settings.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { recorded } from '../../signals/recording-rules.ts';
import { isAlert, type AlertRule } from '../../signals/rule-types.ts';
import { resolveTool } from '../../toolchain/tools.ts';

const run = promisify(execFile);
const alerts: AlertRule[] = allGroups(configFor('production')).flatMap((g) => g.rules.filter(isAlert));

describe('Prometheus tools', () => {
  test.each(ENVIRONMENTS)('promtool check rules passes on the %s rule file', async (env) => {
    const { stdout } = await run(await resolveTool('promtool'), ['check', 'rules', join(ALERTS_DIR, 'generated', env, 'rules.yml')]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  const testFiles = [...buildAlerts().keys()].filter((p) => p.startsWith('generated/tests/')).map((p) => p.slice('generated/tests/'.length));
  test.each(testFiles)('promtool test rules passes every alert unit test in %s', async (file) => {
    const result = await run(await resolveTool('promtool'), ['test', 'rules', file], { cwd: join(ALERTS_DIR, 'generated', 'tests') }).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/FAILED/);
    expect(result.stdout).toContain('SUCCESS');
  }, 240_000);
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

  test.each(alerts.map((a) => [`${a.alert} (${a.severity})`, a] as const))('%s follows the conventions', (_name, a) => {
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
  for (const g of allGroups(configFor('production'))) expect(g.rules.length, g.name).toBeLessThanOrEqual(40);
});

test('every alert links its runbook page, and the build writes one per alert', () => {
  const files = buildAlerts();
  for (const name of new Set(alerts.map((a) => a.alert))) expect(files.has(`runbooks/${name}.md`), name).toBe(true);
});

test.each(ENVIRONMENTS)('the %s PrometheusRule object holds exactly the groups of the rule file', (env) => {
  const files = buildAlerts();
  const ruleFile = parse(files.get(`generated/${env}/rules.yml`)!) as { groups: unknown[] };
  const object = parse(files.get(`generated/${env}/prometheus-rule.yaml`)!) as { apiVersion: string; kind: string; metadata: { name: string }; spec: { groups: unknown[] } };
  expect(object.apiVersion).toBe('monitoring.coreos.com/v1');
  expect(object.kind).toBe('PrometheusRule');
  expect(object.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  expect(object.spec.groups).toEqual(ruleFile.groups);
});

test('an environment override reaches its rule file', () => {
  const files = buildAlerts();
  const p95 = (env: 'production' | 'development') => `${recorded.latencyP95} > ${configFor(env).service.latencyP95Seconds.value}`;
  expect(configFor('development').service.latencyP95Seconds.value).not.toBe(configFor('production').service.latencyP95Seconds.value);
  expect(files.get('generated/production/rules.yml')).toContain(p95('production'));
  expect(files.get('generated/development/rules.yml')).toContain(p95('development'));
  expect(files.get('generated/development/rules.yml')).not.toContain(p95('production'));
});
