// The demo's generated Alertmanager configuration passes amtool, routes every
// alert class to the receivers its team and severity promise, reaches every
// receiver the project configures, renders notifications with the links
// on-call needs, and its inhibition works on a real Alertmanager.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { alertmanagerConfig, DEFAULT_TIMINGS, HEARTBEAT_TIMINGS, RECEIVER, WATCHDOG_LABELS } from '../../alerts/alertmanager/index.ts';
import type { AlertmanagerConfigFile } from '../../alerts/alertmanager/schema.ts';
import { EXPLAINED_BY_SLO_PAGE, inhibitRules, JOB_MISSING } from '../../alerts/alertmanager/inhibit.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { configFor, environmentsOf } from '../../signals/alert-settings.ts';
import type { TeamRouting } from '../../signals/project/config.ts';
import { isAlert } from '../../signals/rule-types.ts';
import { type AlertBuild, demoProject, runTool, writeAlertBuild } from '../support/alert-build.ts';
import { type PostableAlert, type RunningAlertmanager, startAlertmanager, startKitAlertmanager } from '../support/alertmanager.ts';
import { waitFor } from '../support/net.ts';
import { startWebhook, type WebhookServer } from '../support/webhook.ts';

const project = demoProject;
const envs = environmentsOf(project);
const production = configFor(project, 'production');
const platform = project.alerting.teams[project.alerting.platformTeam]!;
const service = project.services[0]!;
const serviceTeam = project.alerting.teams[service.team]!;

let build: AlertBuild;
beforeAll(async () => {
  build = await writeAlertBuild(project);
});
afterAll(async () => {
  await build?.remove();
});

const configFile = (env: string) => build.path(`alertmanager/${env}/alertmanager.yml`);
const built = (env: string) => parse(build.text(`alertmanager/${env}/alertmanager.yml`)) as AlertmanagerConfigFile;

describe('the generated alertmanager.yml', () => {
  test.each(envs)('amtool check-config accepts the %s file and loads its notification template', async (env) => {
    const { ok, output } = await runTool('amtool', ['check-config', configFile(env)]);
    expect(output).toContain('SUCCESS');
    expect(output).toContain(' - 1 templates');
    expect(output).toContain(` - ${inhibitRules('job').length} inhibit rules`);
    // The project's receivers, the heartbeat service and `null`.
    expect(output).toContain(` - ${Object.keys(project.alerting.receivers).length + 2} receivers`);
    expect(ok).toBe(true);
  });

  test.each(envs)('Alertmanager itself starts with the %s file and its templates (secret files are read only when notifying)', async (env) => {
    const am = await startAlertmanager({
      config: build.text(`alertmanager/${env}/alertmanager.yml`),
      files: { 'notifications.tmpl': build.text(`alertmanager/${env}/notifications.tmpl`) },
    });
    try {
      const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as { config: { original: string }; cluster: { status: string } };
      expect(parse(status.config.original)).toMatchObject({ route: { receiver: platform.chat }, templates: [expect.stringMatching(/\*\.tmpl$/)] });
      expect(status.cluster.status).toBe('disabled');
    } finally {
      await am.stop();
    }
  });

  test.each(envs)('the %s file holds no secret, only the paths of the secret files the project names', (env) => {
    const inlineSecretKeys = new Set(['api_url', 'routing_key', 'service_key', 'url', 'auth_password', 'auth_secret', 'smtp_auth_password', 'smtp_auth_secret', 'password', 'credentials', 'bearer_token']);
    const found: string[] = [];
    const fileRefs: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}[${i}]`));
      else if (node !== null && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (inlineSecretKeys.has(k)) found.push(`${path}.${k}`);
          if (k.endsWith('_file') && typeof v === 'string') fileRefs.push(v);
          walk(v, `${path}.${k}`);
        }
      }
    };
    walk(built(env), '');
    expect(found).toEqual([]);
    const named = [project.alerting.heartbeatUrlFile, ...Object.values(project.alerting.receivers).flatMap((r) => Object.entries(r).filter(([k]) => k.endsWith('File')).map(([, v]) => v as string))];
    expect(fileRefs.sort()).toEqual(named.sort());
  });

  test("each receiver is the project's: PagerDuty's key, Slack's URL and e-mail's password from files, the channel and mail relay as configured", () => {
    const receivers = new Map(built('production').receivers.map((r) => [r.name, r]));
    expect(receivers.get('pager')?.pagerduty_configs?.[0]).toMatchObject({ routing_key_file: '/etc/alertmanager/secrets/pagerduty-routing-key', send_resolved: true });
    expect(receivers.get('chat')?.slack_configs?.[0]).toMatchObject({ api_url_file: '/etc/alertmanager/secrets/slack-api-url', channel: '#alerts' });
    expect(receivers.get('ticket')?.email_configs?.[0]).toMatchObject({
      to: 'tickets@example.com',
      from: 'alertmanager@example.com',
      smarthost: 'smtp.example.com:587',
      auth_username: 'alertmanager',
      auth_password_file: '/etc/alertmanager/secrets/smtp-password',
      require_tls: true,
    });
    expect(receivers.get(RECEIVER.heartbeat)?.webhook_configs).toEqual([{ url_file: project.alerting.heartbeatUrlFile, send_resolved: false }]);
    expect(receivers.get(RECEIVER.none)).toEqual({ name: RECEIVER.none });
  });

  test.each(envs)("%s groups by alert and service and waits as the environment's notifications say (30s / 5m / 4h by default)", (env) => {
    const route = built(env).route;
    expect(route.group_by).toEqual(['alertname', 'job']);
    const expected = { ...DEFAULT_TIMINGS, ...project.environments?.[env]?.notifications };
    expect([route.group_wait, route.group_interval, route.repeat_interval]).toEqual([expected.groupWait, expected.groupInterval, expected.repeatInterval]);
  });

  test('production keeps the design\'s 30s / 5m / 4h, staging repeats every 12h, development notifies within 10s', () => {
    const timings = (env: string) => [built(env).route.group_wait, built(env).route.group_interval, built(env).route.repeat_interval];
    expect(timings('production')).toEqual(['30s', '5m', '4h']);
    expect(timings('staging')).toEqual(['30s', '5m', '12h']);
    expect(timings('development')).toEqual(['10s', '1m', '1h']);
  });

  test('the test profile keeps the routing tree and inhibition and turns every receiver but null into the webhook', () => {
    const profile = alertmanagerConfig(production, { webhookUrlFile: '/tmp/url' });
    const real = built('production');
    expect(profile.route).toEqual(real.route);
    expect(profile.inhibit_rules).toEqual(real.inhibit_rules);
    expect(profile.receivers.map((r) => r.name)).toEqual(real.receivers.map((r) => r.name));
    for (const r of profile.receivers) expect(r).toEqual(r.name === RECEIVER.none ? { name: 'null' } : { name: r.name, webhook_configs: [{ url_file: '/tmp/url', send_resolved: true }] });
    expect(alertmanagerConfig(production, { webhookUrlFile: '/tmp/url', timings: { groupWait: '1s' } }).route.group_wait).toBe('1s');
  });

  test.each(envs)('in %s the Watchdog goes first to the heartbeat service, at its own fast timings, repeated every 1 to 5 minutes', (env) => {
    const [first] = built(env).route.routes!;
    expect(first).toMatchObject({ matchers: ['alertname="Watchdog"', 'watchdog="true"'], receiver: RECEIVER.heartbeat });
    expect([first!.group_wait, first!.group_interval, first!.repeat_interval]).toEqual([HEARTBEAT_TIMINGS.groupWait, HEARTBEAT_TIMINGS.groupInterval, HEARTBEAT_TIMINGS.repeatInterval]);
    expect(['1m', '2m', '3m', '4m', '5m']).toContain(first!.repeat_interval);
  });

  test('without a heartbeat service the Watchdog is not notified at all', () => {
    const { heartbeatUrlFile: _none, ...alerting } = project.alerting;
    const am = alertmanagerConfig(configFor({ ...project, alerting }, 'production'));
    expect(am.route.routes![0]).toMatchObject({ matchers: ['alertname="Watchdog"', 'watchdog="true"'], receiver: RECEIVER.none });
    expect(am.receivers.map((r) => r.name)).not.toContain(RECEIVER.heartbeat);
  });
});

// ---------------------------------------------------------------------------
// Routing: every alert class that ships, by amtool's own route resolution

interface AlertClass {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly expected: readonly string[];
}

/** The contract of the design, per team: critical pages, warning goes to chat and opens a ticket, info is not notified. */
const bySeverity = (team: TeamRouting): Readonly<Record<string, readonly string[]>> => ({
  critical: [team.page],
  warning: [team.chat, team.ticket].filter((r): r is string => r !== undefined),
  info: [RECEIVER.none],
});

const shipped = allGroups(production).flatMap((g) => g.rules.filter(isAlert));
const shippedWatchdog = shipped.find((a) => a.alert === WATCHDOG_LABELS.alertname)!;
/** Every alert that ships, about the service (its job) and about no service (a host, the stack): the service's team, or the platform team. */
const alertClasses: AlertClass[] = [
  ...new Map(
    shipped
      .filter((a) => a !== shippedWatchdog)
      .flatMap((a) => {
        const extra = Object.entries(a.labels ?? {}).map(([k, v]) => `, ${k}=${v}`).join('');
        const base = { alertname: a.alert, severity: a.severity, ...a.labels };
        return [
          { name: `${a.alert} (${a.severity}${extra}) of ${service.name}`, labels: { ...base, job: service.name }, expected: bySeverity(serviceTeam)[a.severity]! },
          { name: `${a.alert} (${a.severity}${extra}) of no service`, labels: base, expected: bySeverity(platform)[a.severity]! },
        ].map((c) => [JSON.stringify(c.labels), c] as const);
      }),
  ).values(),
  { name: 'Watchdog', labels: { alertname: shippedWatchdog.alert, severity: shippedWatchdog.severity, ...shippedWatchdog.labels }, expected: [RECEIVER.heartbeat] },
];

/** One probe of each branch of the tree, so it is covered whatever alerts ship. */
const probes: AlertClass[] = [
  ...Object.entries(bySeverity(serviceTeam)).map(([severity, expected]) => ({ name: `any ${severity} alert of ${service.name}`, labels: { alertname: 'SomeAlert', severity, job: service.name }, expected })),
  ...Object.entries(bySeverity(platform)).map(([severity, expected]) => ({ name: `any ${severity} alert of no service`, labels: { alertname: 'SomeAlert', severity }, expected })),
  { name: 'the Watchdog', labels: { ...WATCHDOG_LABELS, severity: 'info' }, expected: [RECEIVER.heartbeat] },
  { name: 'an alert without a severity', labels: { alertname: 'SomeAlert', job: service.name }, expected: [serviceTeam.chat!] },
  { name: 'an alert with an unknown severity', labels: { alertname: 'SomeAlert', severity: 'page' }, expected: [platform.chat!] },
];

async function routesTest(env: string, labels: Readonly<Record<string, string>>): Promise<string[]> {
  const { ok, stdout, output } = await runTool('amtool', ['config', 'routes', 'test', `--config.file=${configFile(env)}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)]);
  expect(ok, output).toBe(true);
  return stdout.trim().split(',');
}

describe('routing in production', () => {
  test.each(alertClasses.map((c) => [c.name, c] as const))('%s reaches its receivers', async (_name, c) => {
    expect(await routesTest('production', c.labels)).toEqual(c.expected);
  });
});

// The environments differ in timings only; a probe of each branch shows their trees route alike.
describe.each(envs)('routing in %s', (env) => {
  test.each(probes.map((c) => [c.name, c] as const))('%s reaches its receivers', async (_name, c) => {
    expect(await routesTest(env, c.labels)).toEqual(c.expected);
  });
});

test('the routing table reaches every receiver the project configures, and drops only info alerts', async () => {
  const rows = await Promise.all([...alertClasses, ...probes].map(async (c) => ({ c, receivers: await routesTest('production', c.labels) })));
  console.log(`${'alert class'.padEnd(72)} receivers\n${rows.map((r) => `${r.c.name.padEnd(72)} ${r.receivers.join(' + ')}`).join('\n')}`);
  const reached = new Set(rows.flatMap((r) => r.receivers));
  expect([...reached].sort()).toEqual([...Object.keys(project.alerting.receivers), RECEIVER.heartbeat, RECEIVER.none].sort());
  const dropped = rows.filter((r) => r.receivers.includes(RECEIVER.none)).map((r) => r.c.labels.severity);
  expect(dropped.length).toBeGreaterThan(0);
  expect(new Set(dropped)).toEqual(new Set(['info']));
  // Every page reaches the pager of the team that owns what fired.
  for (const r of rows.filter((x) => x.c.labels.severity === 'critical')) expect(r.receivers, r.c.name).toEqual([(r.c.labels.job === service.name ? serviceTeam : platform).page]);
});

// ---------------------------------------------------------------------------
// Notification templates, rendered by amtool with Alertmanager's own data model

describe('notification templates', () => {
  let dir: string;
  const externalURL = 'https://alertmanager.example.com';
  const firing = {
    status: 'firing',
    labels: { alertname: 'HttpErrorRatioHigh', job: 'shop', severity: 'critical', team: 'web shop' },
    annotations: {
      summary: 'A service answers too many requests with 5xx errors.',
      description: 'shop answered 51.2% of its requests with 5xx over the last 5 minutes (threshold 5%).',
      runbook_url: 'https://runbooks.example.com/HttpErrorRatioHigh.md',
      dashboard_url: 'https://grafana.example.com/d/service-overview',
    },
    startsAt: '2025-06-01T10:00:00Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph',
    fingerprint: '1',
  };
  const data = (alert: typeof firing) => ({
    receiver: platform.page,
    status: alert.status,
    alerts: [alert],
    groupLabels: { alertname: 'HttpErrorRatioHigh', job: 'shop' },
    commonLabels: alert.labels,
    commonAnnotations: alert.annotations,
    externalURL,
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'am-templates-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function render(template: string, alert: typeof firing): Promise<string> {
    const file = join(dir, `${alert.status}.json`);
    await writeFile(file, JSON.stringify(data(alert)));
    const { ok, stdout, output } = await runTool('amtool', [
      'template',
      'render',
      `--template.glob=${build.path('alertmanager/production/notifications.tmpl')}`,
      `--template.data=${file}`,
      `--template.text={{ template "${template}" . }}`,
    ]);
    expect(ok, output).toBe(true);
    return stdout;
  }

  test('the title names status, count, alert, service and severity', async () => {
    expect(await render('kit.title', firing)).toBe('[FIRING:1] HttpErrorRatioHigh shop (critical)');
  });

  test('a firing alert shows summary, description, severity, runbook, dashboard and a silence link', async () => {
    const text = await render('kit.text', firing);
    expect(text).toContain(`Summary: ${firing.annotations.summary}`);
    expect(text).toContain(`Description: ${firing.annotations.description}`);
    expect(text).toContain('Severity: critical');
    expect(text).toContain(`Runbook: ${firing.annotations.runbook_url}`);
    expect(text).toContain(`Dashboard: ${firing.annotations.dashboard_url}`);
    const silence = /Silence: (\S+)/.exec(text)?.[1];
    expect(silence).toBeDefined();
    const url = new URL(silence!);
    expect(`${url.origin}${url.pathname}`).toBe(`${externalURL}/`);
    // The UI reads the matchers from the fragment's query.
    const filter = decodeURIComponent(url.hash.slice(url.hash.indexOf('filter=') + 'filter='.length));
    expect(url.hash.startsWith('#/silences/new?filter=')).toBe(true);
    expect(filter).toBe('{alertname="HttpErrorRatioHigh",job="shop",severity="critical",team="web shop"}');
  });

  test('the group silence link matches the group: the alert and its service', async () => {
    const url = await render('kit.group_silence_url', firing);
    expect(decodeURIComponent(url)).toBe(`${externalURL}/#/silences/new?filter={alertname="HttpErrorRatioHigh",job="shop"}`);
  });

  test('a resolved alert says so, keeps the runbook and offers no silence', async () => {
    const resolved = { ...firing, status: 'resolved', endsAt: '2025-06-01T10:20:00Z' };
    expect(await render('kit.title', resolved)).toBe('[RESOLVED] HttpErrorRatioHigh shop (critical)');
    const text = await render('kit.text', resolved);
    expect(text).toMatch(/^RESOLVED HttpErrorRatioHigh \(critical\)/);
    expect(text).toContain('Runbook: ');
    expect(text).not.toContain('Silence: ');
    expect(text).toContain('resolved: 2025-06-01 10:20:00 UTC');
  });
});

// ---------------------------------------------------------------------------
// Inhibition on a real Alertmanager with the kit's rules, receivers pointed at a test webhook

describe('inhibition on a running Alertmanager', () => {
  let webhook: WebhookServer;
  let am: RunningAlertmanager;

  beforeAll(async () => {
    webhook = await startWebhook();
    am = await startKitAlertmanager({ config: production, webhookUrl: webhook.url });
  });
  afterAll(async () => {
    await am?.stop();
    await webhook?.stop();
  });

  const alert = (labels: Record<string, string>): PostableAlert => ({
    labels,
    annotations: { summary: 'Test alert.', description: `labels ${JSON.stringify(labels)}`, runbook_url: `https://runbooks.example.com/${labels.alertname}.md` },
    startsAt: new Date().toISOString(),
    generatorURL: 'http://prometheus.test/graph',
  });
  /** Notifications about one job: each test uses its own, so they don't see each other's. */
  const about = (job: string) => webhook.received.filter((r) => r.body.alerts.some((a) => a.labels.job === job));
  /** Long enough for any notification still due: group_wait + a few group_intervals of 1 s. */
  const settle = () => new Promise((r) => setTimeout(r, 3000));

  test('a critical alert inhibits the warning of the same alert and job: only the critical is delivered', async () => {
    // An alert that ships in both severities, e.g. HostCpuHigh.
    const bySeverity = Map.groupBy(shipped, (a) => a.alert);
    const name = [...bySeverity].find(([, v]) => v.some((a) => a.severity === 'critical') && v.some((a) => a.severity === 'warning'))?.[0] ?? 'HostCpuHigh';
    const job = 'inhibit-severity';
    const critical = alert({ alertname: name, job, instance: 'host-1', severity: 'critical' });
    const warning = alert({ alertname: name, job, instance: 'host-1', severity: 'warning' });
    await am.postAlerts([critical, warning]);

    await webhook.waitFor((n) => n.alerts.some((a) => a.labels.job === job), 15_000, 'no notification for the critical alert');
    await settle();
    const delivered = about(job);
    expect(delivered.map((r) => r.body.receiver)).toEqual([platform.page]);
    expect(delivered[0]!.body.status).toBe('firing');
    expect(delivered[0]!.body.alerts.map((a) => a.labels)).toEqual([critical.labels]);

    const state = await am.alerts();
    const crit = state.find((a) => a.labels.job === job && a.labels.severity === 'critical')!;
    const warn = state.find((a) => a.labels.job === job && a.labels.severity === 'warning')!;
    expect(crit.status.state).toBe('active');
    expect(warn.status).toMatchObject({ state: 'suppressed', inhibitedBy: [crit.fingerprint], silencedBy: [] });
    expect(warn.receivers.map((r) => r.name).sort()).toEqual([platform.chat!, platform.ticket!]);
  });

  test('a critical alert on one instance does not inhibit the warning of the same alert on another', async () => {
    const job = 'inhibit-other-instance';
    const critical = alert({ alertname: 'HostCpuHigh', job, instance: 'host-1', severity: 'critical' });
    const warning = alert({ alertname: 'HostCpuHigh', job, instance: 'host-2', severity: 'warning' });
    await am.postAlerts([critical, warning]);

    await waitFor(() => about(job).length >= 3, 15_000, 'expected host-1 on the pager and host-2 on chat and ticket');
    await settle();
    const receivers = about(job).map((r) => `${r.body.receiver}:${r.body.alerts.map((a) => a.labels.instance).join(',')}`).sort();
    expect(receivers).toEqual([`${platform.chat!}:host-2`, `${platform.page}:host-1`, `${platform.ticket!}:host-2`]);
  });

  test('JobMissing inhibits every other alert of its job, and only those', async () => {
    const job = 'inhibit-job';
    const missing = alert({ alertname: JOB_MISSING, job, severity: 'critical' });
    const sameJob = alert({ alertname: 'NodeEventLoopLagHigh', job, instance: 'pod-a:9464', severity: 'warning' });
    const otherJob = alert({ alertname: 'NodeEventLoopLagHigh', job: 'inhibit-job-other', instance: 'pod-b:9464', severity: 'warning' });
    await am.postAlerts([missing, sameJob, otherJob]);

    await waitFor(() => about(job).length + about('inhibit-job-other').length >= 3, 15_000, 'expected JobMissing on the pager and the other job on chat and ticket');
    await settle();
    expect(about(job).map((r) => ({ receiver: r.body.receiver, alerts: r.body.alerts.map((a) => a.labels.alertname) }))).toEqual([{ receiver: platform.page, alerts: [JOB_MISSING] }]);
    expect(about('inhibit-job-other').map((r) => r.body.receiver).sort()).toEqual([platform.chat!, platform.ticket!].sort());
    const state = await am.alerts();
    const missingState = state.find((a) => a.labels.job === job && a.labels.alertname === JOB_MISSING)!;
    expect(state.find((a) => a.labels.job === job && a.labels.alertname !== JOB_MISSING)!.status).toMatchObject({ state: 'suppressed', inhibitedBy: [missingState.fingerprint] });
  });

  test("the SLO page silences the threshold warnings on the same requests of its service, and not another service's", async () => {
    const job = 'inhibit-slo';
    const page = alert({ alertname: 'ErrorBudgetBurn', job, slo: `${job}-availability`, long_window: '1h', short_window: '5m', severity: 'critical' });
    const explained = EXPLAINED_BY_SLO_PAGE.map((alertname) => alert({ alertname, job, severity: 'warning' }));
    const otherService = alert({ alertname: 'HttpErrorRatioHigh', job: 'inhibit-slo-other', severity: 'warning' });
    await am.postAlerts([page, ...explained, otherService]);

    await waitFor(() => about(job).length >= 1 && about('inhibit-slo-other').length >= 2, 15_000, 'expected the page and the other service\'s warning');
    await settle();
    expect(about(job).map((r) => ({ receiver: r.body.receiver, alerts: r.body.alerts.map((a) => a.labels.alertname) }))).toEqual([{ receiver: platform.page, alerts: ['ErrorBudgetBurn'] }]);
    expect(about('inhibit-slo-other').map((r) => r.body.receiver).sort()).toEqual([platform.chat!, platform.ticket!].sort());
  });

  test("the fast burn's page stands for the slow burn's page of the same SLO: one page, not two", async () => {
    const job = 'inhibit-burn';
    const burn = (long: string, short: string, slo = `${job}-availability`) => alert({ alertname: 'ErrorBudgetBurn', job, slo, long_window: long, short_window: short, severity: 'critical' });
    await am.postAlerts([burn('1h', '5m'), burn('6h', '30m'), burn('6h', '30m', `${job}-latency`)]);

    await waitFor(() => about(job).length >= 1, 15_000, 'expected one page');
    await settle();
    const paged = about(job).flatMap((r) => r.body.alerts.filter((a) => a.status === 'firing').map((a) => `${a.labels.slo}:${a.labels.long_window}`));
    expect(new Set(paged)).toEqual(new Set([`${job}-availability:1h`, `${job}-latency:6h`]));
  });
});
