// The rules each bundle and profile loads hold only the component alerts of
// the components it runs. Statically: every job an alert selects is a job
// that bundle scrapes. In the real promtool: with every job the bundle or
// profile deploys up, and nothing else, no alert but the Watchdog fires
// (an absent() on a job nothing runs would fire forever).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { buildAlerts } from '../../alerts/build.ts';
import { prometheusConfig as composePrometheus } from '../../compose/prometheus-config.ts';
import { bundleServices } from '../../compose/services.ts';
import { stackJobs } from '../../k8s/prometheus-config.ts';
import { configFor, environmentsOf } from '../../signals/alert-settings.ts';
import type { ProjectConfig, StackConfig } from '../../signals/project/config.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { demoProject } from '../support/bundle.ts';

const run = promisify(execFile);

interface RuleSet {
  /** "k8s, logs off", "compose, profile logs off". */
  readonly name: string;
  readonly rules: string;
  /** The jobs Prometheus scrapes in that bundle or profile. */
  readonly jobs: readonly string[];
}

const withStack = (stack: StackConfig): ProjectConfig => ({ ...demoProject(), stack: { ...demoProject().stack, ...stack } });

/** The first environment's rule file of `project`, and the jobs each bundle (and the compose light profile) scrapes. */
function ruleSets(label: string, project: ProjectConfig): RuleSet[] {
  const env = environmentsOf(project)[0]!;
  const settings = configFor(project, env);
  const rules = buildAlerts(project).get(`prometheus/${env}/rules.yml`)!;
  const services = project.services.map((s) => s.name);
  const composeJobs = (profileOn: boolean) =>
    (composePrometheus(settings, bundleServices(project).filter((s) => profileOn || s.profile === undefined)).scrape_configs as { job_name: string }[]).map((j) => j.job_name);
  return [
    { name: `k8s, ${label}`, rules, jobs: [...stackJobs(settings), ...services] },
    { name: `compose, ${label}`, rules, jobs: composeJobs(true) },
    ...(settings.stack.logs ? [{ name: `compose, ${label}, profile logs off (COMPOSE_PROFILES empty)`, rules, jobs: composeJobs(false) }] : []),
  ];
}

const SETS: RuleSet[] = [
  ...ruleSets('the demo', demoProject()),
  ...ruleSets('logs off', withStack({ logs: false })),
  ...ruleSets('traces off', withStack({ traces: false })),
  ...ruleSets('node-exporter off', withStack({ nodeExporter: false })),
  ...ruleSets('only Prometheus, Alertmanager and Grafana', withStack({ logs: false, traces: false, nodeExporter: false })),
];

interface Alert {
  alert: string;
  expr: string;
}
const alertsOf = (rules: string): Alert[] => (parse(rules) as { groups: { rules: Alert[] }[] }).groups.flatMap((g) => g.rules.filter((r) => r.alert !== undefined));

/** The jobs an expression selects by name: job="x" and each branch of job=~"x|y". */
function selectedJobs(expr: string): string[] {
  return [...expr.matchAll(/\bjob(=~|=)"([^"]*)"/g)].flatMap(([, op, value]) => (op === '=' ? [value!] : value!.split('|')));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bundle-rules-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(SETS.filter((s) => !s.name.includes('profile logs off')))('$name', ({ rules, jobs }) => {
  it('selects only jobs the bundle scrapes', () => {
    const foreign = alertsOf(rules).flatMap((a) => selectedJobs(a.expr).filter((j) => !jobs.includes(j)).map((j) => `${a.alert}: ${j}`));
    expect(foreign).toEqual([]);
  });
});

describe.each(SETS)('$name', ({ name, rules, jobs }) => {
  it('fires nothing but the Watchdog while every job it deploys is up', async () => {
    const sub = await mkdtemp(join(dir, 'set-'));
    await writeFile(join(sub, 'rules.yml'), rules);
    const names = [...new Set(alertsOf(rules).map((a) => a.alert))];
    const test = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: jobs.map((job) => ({ series: `up{job="${job}",instance="${job}:1"}`, values: '1x120' })),
          alert_rule_test: names.filter((n) => n !== 'Watchdog').map((alertname) => ({ eval_time: '90m', alertname, exp_alerts: [] })),
        },
      ],
    };
    await writeFile(join(sub, 'test.yml'), stringify(test));
    const promtool = await resolveTool('promtool');
    const result = await run(promtool, ['test', 'rules', 'test.yml'], { cwd: sub }).then(
      (r) => `${r.stdout}${r.stderr}`,
      (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}`,
    );
    expect(result, name).toContain('SUCCESS');
  }, 60_000);
});
