// The project config is checked before anything is generated: every problem
// at once, each naming the field, the value and the fix.
import { describe, expect, test } from 'vitest';
import { counter, gauge } from '../../catalog/spec.ts';
import demo from '../../examples/demo-shop/observability.config.ts';
import { configFor, environmentsOf } from '../../signals/alert-settings.ts';
import { ratioAbove, series } from '../../signals/project/business.ts';
import { defineConfig, type ProjectConfig } from '../../signals/project/config.ts';
import { ProjectConfigError, validateProject } from '../../signals/project/validate.ts';

const orders = counter({ name: 'app_orders_total', help: 'Orders.', unit: '', labels: ['outcome'], values: { outcome: ['ok', 'failed'] } });
const queue = gauge({ name: 'app_queue_depth', help: 'Queue depth.', unit: '', labels: [] });

const runbook = { meaning: 'Orders fail.', impact: 'No sales.', diagnosis: ['Look.'], mitigation: ['Roll back.'], escalation: 'Shop team.' };
const failing = ratioAbove({
  alert: 'OrdersFailing',
  bad: { spec: orders, where: { outcome: ['failed'] } },
  total: [orders],
  threshold: 0.1,
  for: '5m',
  severity: 'critical',
  summary: 'Orders fail.',
  runbook,
  tests: [{ name: 'quiet without orders', series: [series(orders, { outcome: 'ok' }, '0x10')], evalTime: '10m', expect: [] }],
});

const valid = defineConfig({
  name: 'shop',
  services: [{ name: 'api', port: 3000, team: 'web', image: 'shop/api:1.0.0', metrics: { orders, queue }, slos: [{ kind: 'availability', objective: 0.999 }], alerts: [failing] }],
  alerting: {
    runbookBaseUrl: 'https://example.com/runbooks',
    urls: { grafana: 'http://grafana:3000', prometheus: 'http://prometheus:9090', alertmanager: 'http://alertmanager:9093' },
    receivers: { oncall: { type: 'webhook', urlFile: '/etc/secrets/oncall' } },
    teams: { web: { page: 'oncall' } },
    platformTeam: 'web',
  },
});

/** The problems of `config`, or [] when it is valid. */
function problemsOf(config: unknown): readonly string[] {
  try {
    validateProject(config);
    return [];
  } catch (err) {
    if (err instanceof ProjectConfigError) return err.problems;
    throw err;
  }
}

const withService = (patch: Record<string, unknown>): unknown => ({ ...valid, services: [{ ...valid.services[0], ...patch }] });

describe('a valid config', () => {
  test('the demo shop config is valid', () => {
    expect(problemsOf(demo)).toEqual([]);
  });

  test('a small config of one service is valid and resolves to one production environment', () => {
    const project = validateProject(valid);
    expect(environmentsOf(project)).toEqual(['production']);
    const settings = configFor(project, 'production');
    expect(settings.services.map((s) => s.name)).toEqual(['api']);
    expect(settings.service.errorRatio.value).toBe(0.05);
    expect(settings.replicas).toEqual({ api: 1 });
  });

  test('an environment overrides the project, which overrides the kit', () => {
    const project = validateProject({ ...valid, thresholds: { service: { errorRatio: { value: 0.02 } } }, environments: { prod: {}, qa: { thresholds: { service: { errorRatio: { value: 0.2 } } }, replicas: { api: 2 } } } });
    expect(configFor(project, 'prod').service.errorRatio).toEqual({ value: 0.02, for: '1m' });
    expect(configFor(project, 'qa').service.errorRatio).toEqual({ value: 0.2, for: '1m' });
    expect(configFor(project, 'qa').replicas).toEqual({ api: 2 });
    expect(() => configFor(project, 'production')).toThrow(/no environment "production".*prod, qa/);
  });
});

describe('each mistake is named with its field, value and fix', () => {
  test('an alert on a metric the service does not declare', () => {
    const stranger = counter({ name: 'app_refunds_total', help: 'Refunds.', unit: '', labels: [] });
    const alert = { ...failing, bad: { spec: stranger } };
    expect(problemsOf(withService({ alerts: [alert] }))).toEqual([
      'services[0].alerts[0].bad: "app_refunds_total": is not one of api\'s metrics (app_orders_total, app_queue_depth): add its spec to services[0].metrics',
    ]);
  });

  test('a label the metric does not have', () => {
    const alert = { ...failing, bad: { spec: orders, where: { reason: ['x'] } } };
    expect(problemsOf(withService({ alerts: [alert] }))).toEqual(['services[0].alerts[0].bad.where.reason: "reason": app_orders_total has no such label (it has outcome)']);
  });

  test('a test series with a label the metric does not have', () => {
    const alert = { ...failing, tests: [{ ...failing.tests[0]!, series: [{ spec: orders, labels: { outcom: 'ok' }, values: '0x10' }] }] };
    expect(problemsOf(withService({ alerts: [alert] }))).toEqual(['services[0].alerts[0].tests[0].series[0].labels.outcom: "outcom": app_orders_total has no such label (it has outcome)']);
  });

  test('a gauge where a counter is needed', () => {
    expect(problemsOf(withService({ alerts: [{ ...failing, bad: { spec: queue } }] }))).toEqual(['services[0].alerts[0].bad: "app_queue_depth": is a gauge; this needs a counter']);
  });

  test('an objective that is not a ratio', () => {
    expect(problemsOf(withService({ slos: [{ kind: 'availability', objective: 99.9 }] }))).toEqual(['services[0].slos[0].objective: 99.9: must be a ratio strictly between 0 and 1, e.g. 0.999 for 99.9%']);
  });

  test('a latency threshold that is not a bucket boundary', () => {
    expect(problemsOf(withService({ slos: [{ kind: 'latency', objective: 0.99, thresholdSeconds: 0.3 }] }))[0]).toMatch(/^services\[0\]\.slos\[0\]\.thresholdSeconds: 0\.3: must be a bucket boundary of http_server_request_duration_seconds: 0\.005, 0\.01/);
  });

  test('two services that share a name', () => {
    const config = { ...valid, services: [valid.services[0], { ...valid.services[0], alerts: [] }] };
    expect(problemsOf(config)).toEqual(['services[1].name: "api": two services share this name: give each its own']);
  });

  test('an SLO period longer than the retention', () => {
    const config = { ...valid, stack: { retention: '15d' } };
    expect(problemsOf(config)).toEqual([
      'services[0].slos[0].period: "30d": is longer than the retention of production (15d): Prometheus would read the budget from less data than the period; raise stack.retention to at least 30d, or shorten the period',
    ]);
  });

  test('an environment whose retention is too short for the SLO', () => {
    const config = { ...valid, environments: { prod: {}, dev: { retention: '7d' } } };
    expect(problemsOf(config)).toEqual([expect.stringMatching(/^services\[0\]\.slos\[0\]\.period: "30d": is longer than the retention of dev \(7d\).*environments\.dev\.retention/)]);
  });

  test('a team, a receiver and a secret written in clear', () => {
    const config = {
      ...valid,
      services: [{ ...valid.services[0], team: 'mobile' }],
      alerting: { ...valid.alerting, receivers: { oncall: { type: 'slack', apiUrlFile: 'https://hooks.slack.com/T000/B000/secret', channel: '#x' } }, teams: { web: { page: 'pager' } } },
    };
    expect(problemsOf(config)).toEqual([
      'alerting.receivers.oncall.apiUrlFile: "https://hooks.slack.com/T000/B000/secret": must be the absolute path of a file the deployment mounts (secrets are read from files, never written in the config)',
      'alerting.teams.web.page: "pager": must name a receiver of alerting.receivers (oncall)',
      'services[0].team: "mobile": must name a team of alerting.teams (web)',
    ]);
  });

  test('an image without an exact version: the same rule as the bundles\' policy', () => {
    const fix = 'give the container image with an exact version, e.g. "registry.example.com/shop:1.4.2"';
    expect(problemsOf(withService({ image: 'shop/api' }))).toEqual([`services[0].image: "shop/api": image shop/api has no tag: ${fix}`]);
    expect(problemsOf(withService({ image: 'shop/api:latest' }))).toEqual([`services[0].image: "shop/api:latest": image shop/api:latest is not pinned to an exact version: ${fix}`]);
    expect(problemsOf(withService({ image: 'shop/api:1.4.2' }))).toEqual([]);
  });

  test('a service named like an object of the bundles', () => {
    expect(problemsOf(withService({ name: 'kibana' }))).toEqual(['services[0].name: "kibana": names an object of the compose or Kubernetes bundle: choose another name']);
    expect(problemsOf(withService({ name: 'grafana-dashboards-x' }))).toHaveLength(1);
  });

  test('two secret files with the same file name (one Secret key each in the bundles)', () => {
    const receivers = { a: { type: 'webhook', urlFile: '/etc/a/url' }, b: { type: 'webhook', urlFile: '/etc/b/url' } };
    expect(problemsOf({ ...valid, alerting: { ...valid.alerting, receivers, teams: { web: { page: 'a' } } } })).toEqual([
      "alerting.receivers: \"/etc/a/url, /etc/b/url\": two secret files are named url: give them different file names (each is one key of the bundles' receiver Secret)",
    ]);
  });

  test('replicas and alert overrides of things the project does not have', () => {
    const config = { ...valid, environments: { prod: { replicas: { web: 2 }, alerts: { OrdersFailng: { threshold: 0.2 } } } } };
    expect(problemsOf(config)).toEqual([
      'environments.prod.replicas.web: "web": is not a service of this project (api)',
      'environments.prod.alerts.OrdersFailng: "OrdersFailng": is not a business alert of this project (OrdersFailing)',
    ]);
  });

  test('every problem is reported at once, and the message lists them under the file', () => {
    const broken = { ...valid, name: 'Shop!', services: [{ ...valid.services[0], port: 0, slos: [{ kind: 'throughput', objective: 1 }] }] };
    let error: unknown;
    try {
      validateProject(broken, '/app/observability.config.ts');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ProjectConfigError);
    const e = error as ProjectConfigError;
    expect(e.problems).toHaveLength(3);
    expect(e.message.split('\n')[0]).toBe('/app/observability.config.ts has 3 problems:');
    expect(e.message).toContain('  - name: "Shop!": must be lowercase letters, digits and dashes');
    expect(e.message).toContain('  - services[0].port: 0: must be a port number from 1 to 65535');
    expect(e.message).toContain('  - services[0].slos[0].kind: "throughput": must be "availability" or "latency"');
  });

  test('a module without a default export', () => {
    expect(() => validateProject(undefined, 'x.ts')).toThrow(/export the object made by defineConfig/);
  });
});

test('a misspelt metric or label does not compile (checked by tsc)', () => {
  const config: ProjectConfig = valid;
  // @ts-expect-error: 'reason' is not a label of app_orders_total
  ratioAbove({ ...failing, bad: { spec: orders, where: { reason: ['x'] } }, total: [orders] });
  // @ts-expect-error: 'outcom' is not a label of app_orders_total
  series(orders, { outcom: 'ok' }, '0x10');
  expect(config.services).toHaveLength(1);
});

describe('thresholds', () => {
  test('a renamed or misspelt threshold is named with the ones that exist, in the project and in an environment', () => {
    const problems = problemsOf({
      ...valid,
      thresholds: { system: { cpuWarning: { value: 0.8, for: '5m' } }, servce: {} },
      environments: { production: { thresholds: { service: { errorRatio: { value: 'high', fore: '5m' }, targetDownFor: 10, minRequestRate: -1 } } } },
    });
    expect(problems).toEqual([
      expect.stringMatching(/^thresholds\.system\.cpuWarning: "cpuWarning": is not a threshold of system; they are hostCpuBusy, /),
      'thresholds.servce: "servce": is not a threshold group; the groups are service, slo, system',
      'environments.production.thresholds.service.errorRatio.fore: "fore": a threshold has only value and for',
      'environments.production.thresholds.service.errorRatio.value: "high": must be a number of at least 0',
      'environments.production.thresholds.service.targetDownFor: 10: must be a duration such as "10m"',
      'environments.production.thresholds.service.minRequestRate: -1: must be a number of at least 0, e.g. 1',
    ]);
  });

  test('known thresholds, given whole or in part, are valid', () => {
    expect(problemsOf({ ...valid, thresholds: { service: { errorRatio: { value: 0.02 }, keepFiringFor: '5m' }, slo: { minEventsPerShortWindow: 50 } } })).toEqual([]);
  });
});
