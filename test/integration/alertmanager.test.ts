// The generated Alertmanager configuration passes amtool, routes every alert
// class to the receiver its severity promises, renders notifications with the
// links on-call needs, and its inhibition works on a real Alertmanager.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alertmanagerConfig, RECEIVER, WATCHDOG_LABELS } from '../../alerts/alertmanager/index.ts';
import type { AlertmanagerConfigFile } from '../../alerts/alertmanager/schema.ts';
import { ALERTS_DIR, buildAlerts } from '../../alerts/build.ts';
import { configFor, ENVIRONMENTS, type Environment } from '../../signals/alert-settings.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { isAlert } from '../../signals/rule-types.ts';
import { resolveTool } from '../../toolchain/tools.ts';
import { type PostableAlert, type RunningAlertmanager, startAlertmanager, startKitAlertmanager } from '../support/alertmanager.ts';
import { waitFor } from '../support/net.ts';
import { startWebhook, type WebhookServer } from '../support/webhook.ts';

const run = promisify(execFile);
const generated = (env: Environment, file: string) => join(ALERTS_DIR, 'generated', env, file);
const built = (env: Environment) => parse(buildAlerts().get(`generated/${env}/alertmanager.yml`)!) as AlertmanagerConfigFile;

describe('the generated alertmanager.yml', () => {
  test.each(ENVIRONMENTS)('amtool check-config accepts the %s file and loads its notification template', async (env) => {
    const { stdout } = await run(await resolveTool('amtool'), ['check-config', generated(env, 'alertmanager.yml')]);
    expect(stdout).toContain('SUCCESS');
    expect(stdout).toContain(' - 1 templates');
    expect(stdout).toContain(' - 2 inhibit rules');
  });

  test.each(ENVIRONMENTS)('Alertmanager itself starts with the %s file and its templates (secret files are read only when notifying)', async (env) => {
    const files = buildAlerts();
    const am = await startAlertmanager({
      config: files.get(`generated/${env}/alertmanager.yml`)!,
      files: { 'notifications.tmpl': files.get(`generated/${env}/notifications.tmpl`)! },
    });
    try {
      const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as { config: { original: string }; cluster: { status: string } };
      expect(parse(status.config.original)).toMatchObject({ route: { receiver: RECEIVER.chat }, templates: [expect.stringMatching(/\*\.tmpl$/)] });
      expect(status.cluster.status).toBe('disabled');
    } finally {
      await am.stop();
    }
  });

  test.each(ENVIRONMENTS)('the %s file holds no secret, only paths of secret files under /etc/alertmanager/secrets', (env) => {
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
    expect(fileRefs.length).toBeGreaterThanOrEqual(4);
    for (const f of fileRefs) expect(f).toMatch(/^\/etc\/alertmanager\/secrets\/[a-z-]+$/);
  });

  test('production groups by alert and service and waits 30s / 5m / 4h; development is quicker', () => {
    const prod = built('production').route;
    expect(prod.group_by).toEqual(['alertname', 'job']);
    expect([prod.group_wait, prod.group_interval, prod.repeat_interval]).toEqual(['30s', '5m', '4h']);
    const dev = built('development').route;
    const seconds = (d: string | undefined) => Number(d!.slice(0, -1)) * { s: 1, m: 60, h: 3600 }[d!.slice(-1) as 's' | 'm' | 'h'];
    expect(seconds(dev.group_wait)).toBeLessThan(seconds(prod.group_wait));
    expect(seconds(dev.repeat_interval)).toBeLessThan(seconds(prod.repeat_interval));
  });

  test('the test profile keeps the routing tree and inhibition and turns every receiver but null into the webhook', () => {
    const prod = alertmanagerConfig('production');
    const profile = alertmanagerConfig('production', { webhookUrlFile: '/tmp/url' });
    expect(profile.route).toEqual(prod.route);
    expect(profile.inhibit_rules).toEqual(prod.inhibit_rules);
    expect(profile.receivers.map((r) => r.name)).toEqual(prod.receivers.map((r) => r.name));
    for (const r of profile.receivers) expect(r).toEqual(r.name === RECEIVER.none ? { name: 'null' } : { name: r.name, webhook_configs: [{ url_file: '/tmp/url', send_resolved: true }] });
    expect(alertmanagerConfig('production', { webhookUrlFile: '/tmp/url', timings: { groupWait: '1s' } }).route.group_wait).toBe('1s');
  });

  test('the Watchdog route repeats every 1 to 5 minutes, so a heartbeat service notices when it stops', () => {
    const watchdog = built('production').route.routes!.find((r) => r.receiver === RECEIVER.heartbeat)!;
    expect(watchdog.matchers).toEqual(['alertname="Watchdog"', 'watchdog="true"']);
    expect(['1m', '2m', '3m', '4m', '5m']).toContain(watchdog.repeat_interval);
  });
});

// ---------------------------------------------------------------------------
// Routing: every alert class that ships, by amtool's own route resolution

interface AlertClass {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly expected: readonly string[];
}

/** The contract of the design: critical pages, warning goes to chat and opens a ticket, info is not routed. */
const BY_SEVERITY: Readonly<Record<string, readonly string[]>> = {
  critical: [RECEIVER.pager],
  warning: [RECEIVER.chat, RECEIVER.ticket],
  info: [RECEIVER.none],
};

const shipped = allGroups(configFor('production')).flatMap((g) => g.rules.filter(isAlert));
const shippedWatchdog = shipped.find((a) => a.alert === WATCHDOG_LABELS.alertname);
const classes: AlertClass[] = [
  ...new Map(
    shipped
      .filter((a) => a !== shippedWatchdog)
      .map((a) => {
        const labels = { alertname: a.alert, severity: a.severity, job: 'shop', ...a.labels };
        const extra = Object.entries(a.labels ?? {}).map(([k, v]) => `, ${k}=${v}`).join('');
        return [JSON.stringify(labels), { name: `${a.alert} (${a.severity}${extra})`, labels, expected: BY_SEVERITY[a.severity]! }] as const;
      }),
  ).values(),
  // The stack rules' Watchdog when it exists; until then the labels it must carry.
  {
    name: 'Watchdog',
    labels: shippedWatchdog ? { alertname: shippedWatchdog.alert, severity: shippedWatchdog.severity, ...shippedWatchdog.labels } : { ...WATCHDOG_LABELS, severity: 'none' },
    expected: [RECEIVER.heartbeat],
  },
  // Probes of each branch, so the tree is covered even before every severity has an alert.
  ...Object.entries(BY_SEVERITY).map(([severity, expected]) => ({ name: `any ${severity} alert`, labels: { alertname: 'SomeAlert', severity, job: 'shop' }, expected })),
  { name: 'an alert without a severity', labels: { alertname: 'SomeAlert', job: 'shop' }, expected: [RECEIVER.chat] },
  { name: 'an alert with an unknown severity', labels: { alertname: 'SomeAlert', severity: 'page', job: 'shop' }, expected: [RECEIVER.chat] },
];

async function routesTest(env: Environment, labels: Readonly<Record<string, string>>): Promise<string[]> {
  const args = ['config', 'routes', 'test', `--config.file=${generated(env, 'alertmanager.yml')}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
  const { stdout } = await run(await resolveTool('amtool'), args);
  return stdout.trim().split(',');
}

describe.each(ENVIRONMENTS)('routing in %s', (env) => {
  test.each(classes.map((c) => [c.name, c] as const))('%s reaches its receivers', async (_name, c) => {
    expect(await routesTest(env, c.labels)).toEqual(c.expected);
  });
});

test('the routing table (printed for the record)', async () => {
  const rows = await Promise.all(classes.map(async (c) => `${c.name.padEnd(60)} ${(await routesTest('production', c.labels)).join(' + ')}`));
  console.log(`${'alert class'.padEnd(60)} receivers\n${rows.join('\n')}`);
  expect(rows.length).toBe(classes.length);
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
    receiver: RECEIVER.pager,
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
    const { stdout } = await run(await resolveTool('amtool'), [
      'template',
      'render',
      `--template.glob=${generated('production', 'notifications.tmpl')}`,
      `--template.data=${file}`,
      `--template.text={{ template "${template}" . }}`,
    ]);
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
    am = await startKitAlertmanager({ webhookUrl: webhook.url });
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
    expect(delivered.map((r) => r.body.receiver)).toEqual([RECEIVER.pager]);
    expect(delivered[0]!.body.status).toBe('firing');
    expect(delivered[0]!.body.alerts.map((a) => a.labels)).toEqual([critical.labels]);

    const state = await am.alerts();
    const crit = state.find((a) => a.labels.job === job && a.labels.severity === 'critical')!;
    const warn = state.find((a) => a.labels.job === job && a.labels.severity === 'warning')!;
    expect(crit.status.state).toBe('active');
    expect(warn.status).toMatchObject({ state: 'suppressed', inhibitedBy: [crit.fingerprint], silencedBy: [] });
    expect(warn.receivers.map((r) => r.name).sort()).toEqual([RECEIVER.chat, RECEIVER.ticket]);
  });

  test('a critical alert on one instance does not inhibit the warning of the same alert on another', async () => {
    const job = 'inhibit-other-instance';
    const critical = alert({ alertname: 'HostCpuHigh', job, instance: 'host-1', severity: 'critical' });
    const warning = alert({ alertname: 'HostCpuHigh', job, instance: 'host-2', severity: 'warning' });
    await am.postAlerts([critical, warning]);

    await waitFor(() => about(job).length >= 3, 15_000, 'expected host-1 on the pager and host-2 on chat and ticket');
    await settle();
    const receivers = about(job).map((r) => `${r.body.receiver}:${r.body.alerts.map((a) => a.labels.instance).join(',')}`).sort();
    expect(receivers).toEqual([`${RECEIVER.chat}:host-2`, `${RECEIVER.pager}:host-1`, `${RECEIVER.ticket}:host-2`]);
  });

  test('TargetDown inhibits every other alert of its job and instance, and only those', async () => {
    const job = 'inhibit-target';
    const down = alert({ alertname: 'TargetDown', job, instance: 'pod-a:9464', severity: 'critical' });
    const samePod = alert({ alertname: 'NodeEventLoopLagHigh', job, instance: 'pod-a:9464', severity: 'warning' });
    const otherPod = alert({ alertname: 'NodeEventLoopLagHigh', job, instance: 'pod-b:9464', severity: 'warning' });
    await am.postAlerts([down, samePod, otherPod]);

    await waitFor(() => about(job).length >= 3, 15_000, 'expected TargetDown on the pager and pod-b on chat and ticket');
    await settle();
    const delivered = about(job).map((r) => ({ receiver: r.body.receiver, instances: r.body.alerts.map((a) => `${a.labels.alertname}@${a.labels.instance}`) }));
    expect(delivered).toHaveLength(3);
    expect(delivered).toEqual(
      expect.arrayContaining([
        { receiver: RECEIVER.pager, instances: ['TargetDown@pod-a:9464'] },
        { receiver: RECEIVER.chat, instances: ['NodeEventLoopLagHigh@pod-b:9464'] },
        { receiver: RECEIVER.ticket, instances: ['NodeEventLoopLagHigh@pod-b:9464'] },
      ]),
    );
    const state = await am.alerts();
    const downState = state.find((a) => a.labels.job === job && a.labels.alertname === 'TargetDown')!;
    const podA = state.find((a) => a.labels.job === job && a.labels.instance === 'pod-a:9464' && a.labels.alertname !== 'TargetDown')!;
    expect(podA.status).toMatchObject({ state: 'suppressed', inhibitedBy: [downState.fingerprint] });
  });
});
