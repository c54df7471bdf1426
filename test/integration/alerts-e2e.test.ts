// End to end, with real processes only: the demo service fails on purpose,
// a real Prometheus evaluates the rules generated from the demo's project
// config and a real Alertmanager with its routing pages the service team's
// pager (a webhook) once, with the availability SLO's fast-burn alert — the
// threshold warning on the same errors stays silent behind it; Alertmanager
// restarts while the alert fires; the fault ends and the page resolves.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { configFor } from '../../signals/alert-settings.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { recorded, recordingRules } from '../../signals/recording-rules.ts';
import { ruleFile, runbookUrl } from '../../alerts/lib/compile.ts';
import { isAlert } from '../../signals/rule-types.ts';
import { withShorterWindows } from '../../alerts/lib/windows.ts';
import { demoProject } from '../support/alert-build.ts';
import { type RunningAlertmanager, startKitAlertmanager } from '../support/alertmanager.ts';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { waitFor } from '../support/net.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';
import { startWebhook, type WebhookNotification, type WebhookServer } from '../support/webhook.ts';

const ALERT = 'ErrorBudgetBurn';
/** The threshold warning on the same 5xx: inhibited by the page. */
const WARNING = 'HttpErrorRatioHigh';
const service = demoProject.services[0]!;
/** Prometheus scrapes the demo under its service name, as the generated scrape configs do. */
const JOB = service.name;
/** The team whose pager the service's pages reach. */
const team = demoProject.alerting.teams[service.team]!;
/** The production rules with a 5 s `for` and no keep-firing on the warning, so the test waits seconds, not minutes. */
const config = configFor(demoProject, 'production', { service: { errorRatio: { value: 0.05, for: '5s' }, keepFiringFor: '0s' } });
/**
 * The HTTP recording rules and the SLO's short page window look back 5
 * minutes. After a fault the 5xx stay in that window for 5 minutes, so the
 * page could not resolve within the test's budget. The test compresses that
 * window (in the http-recording and the availability SLO's groups) to 20 s:
 * the alerts, thresholds, guards, labels and annotations are the generated
 * ones, and the page resolves the way it does in production, when the short
 * window slides past the errors.
 */
const WINDOW = '20s';
const SLO_GROUP = `slo-${JOB}-availability`;

/**
 * The fast page keeps firing for the slower page's short window (30 m), so
 * that the 6 h page cannot page again as the fast one resolves (the on-call
 * drill, test/drills/, shows one page per incident with it). Here it is
 * dropped, so the resolve path is seen in seconds.
 */
const withoutKeepFiring = (groups: ReturnType<typeof allGroups>) =>
  groups.map((g) => ({ ...g, rules: g.rules.map((r) => (isAlert(r) && r.alert === ALERT ? (({ keepFiringFor: _, ...rest }) => rest)(r) : r)) }));

function testRules(): string {
  const short = withShorterWindows(withShorterWindows(allGroups(config), recordingRules().name, '5m', WINDOW), SLO_GROUP, '5m', WINDOW);
  return ruleFile(withoutKeepFiring(short), config);
}

let demo: DemoProcess | undefined;
let webhook: WebhookServer | undefined;
let am: RunningAlertmanager | undefined;
let prometheus: RunningPrometheus | undefined;

afterAll(async () => {
  await prometheus?.stop();
  await am?.stop();
  await demo?.stop();
  await webhook?.stop();
});

const pages = (status: 'firing' | 'resolved') => (n: WebhookNotification) => n.status === status && n.alerts.some((a) => a.labels.alertname === ALERT && a.status === status);
const fault = (method: 'PUT' | 'DELETE') =>
  fetch(`${demo!.url}/admin/fault`, {
    method,
    ...(method === 'PUT' && { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error_ratio: 0.5, latency_ms: 0 }) }),
  }).then((res) => expect(res.status).toBe(200));

test(
  `a 50% 5xx fault pages through Prometheus and Alertmanager, survives an Alertmanager restart, and resolves`,
  { timeout: 120_000 },
  async () => {
    const started = Date.now();
    const log = (msg: string) => console.log(`[+${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

    webhook = await startWebhook();
    // --dispatch.start-delay matches Prometheus's resend delay: after a (re)start, groups wait until every alert was re-sent.
    am = await startKitAlertmanager({ config, webhookUrl: webhook.url, extraFlags: ['--dispatch.start-delay=1s'] });
    demo = await startDemoProcess({ TRAFFIC_RPS: '20' });
    const target = new URL(demo.metricsUrl);
    prometheus = await startPrometheus({
      jobs: [{ job: JOB, targets: [target.host], metricsPath: target.pathname }],
      scrapeInterval: '1s',
      evaluationInterval: '1s',
      // No rules until the window is full of normal traffic: a 2% baseline of
      // 5xx over the first few seconds' handful of requests could cross 5% by chance.
      rules: ['groups: []\n'],
      alertmanagers: [am.address],
      extraFlags: ['--rules.alert.resend-delay=1s'],
    });
    log('demo, Prometheus and Alertmanager started');

    await waitFor(async () => Number((await prometheus!.query(`count_over_time(up{job="${JOB}"}[${WINDOW}])`))[0]?.value[1] ?? 0) >= 18, 45_000, 'no full window of scrapes', 500);
    await writeFile(join(prometheus.dir, 'rules-0.yml'), testRules());
    await prometheus.reload();
    await waitFor(async () => (await prometheus!.query(recorded.errorRatio)).length > 0, 10_000, 'no recorded error ratio');
    const baseline = Number((await prometheus.query(recorded.errorRatio))[0]!.value[1]);
    expect((await prometheus.alerts()).filter((a) => a.labels.alertname === ALERT)).toEqual([]);
    const amTargets = await prometheus.api<{ activeAlertmanagers: { url: string }[] }>('/api/v1/alertmanagers');
    expect(amTargets.activeAlertmanagers.map((a) => new URL(a.url).host)).toEqual([am.address]);
    log(`rules loaded; baseline 5xx ratio ${(baseline * 100).toFixed(1)}%`);

    // 1. Fault on: the page arrives with the alert's labels and annotations.
    const faultOn = Date.now();
    await fault('PUT');
    const page = await webhook.waitFor(pages('firing'), 45_000, `${ALERT} never reached the webhook`);
    const toPage = (page.at - faultOn) / 1000;
    log(`fault on -> page in ${toPage.toFixed(1)} s`);
    expect(page.body.receiver).toBe(team.page);
    expect(page.body.groupLabels).toEqual({ alertname: ALERT, job: JOB });
    expect(page.body.externalURL).toBe(am.url);
    const firing = page.body.alerts.find((a) => a.labels.alertname === ALERT)!;
    expect(firing.labels).toMatchObject({ alertname: ALERT, severity: 'critical', job: JOB, slo: SLO_GROUP.slice('slo-'.length), long_window: '1h' });
    const rule = allGroups(config).flatMap((g) => g.rules.filter(isAlert)).find((r) => r.alert === ALERT)!;
    expect(firing.annotations.summary).toBe(rule.summary);
    expect(firing.annotations.description).toMatch(new RegExp(`^${JOB} is spending the error budget of its ${SLO_GROUP.slice('slo-'.length)} SLO`));
    // The threshold warning on the same errors stands down behind the page: its ratio is over its
    // threshold for longer than its `for`, yet it does not fire.
    await new Promise((r) => setTimeout(r, 8000));
    expect(Number((await prometheus.query(recorded.errorRatio))[0]!.value[1])).toBeGreaterThan(config.service.errorRatio.value);
    expect((await prometheus.alerts()).filter((a) => a.labels.alertname === WARNING)).toEqual([]);
    expect(firing.annotations.runbook_url).toBe(runbookUrl(config, ALERT));
    expect(firing.generatorURL).toContain('/graph?g0.expr=');

    // 2. Alertmanager restarts while the alert fires: same port, same storage.
    const firingBefore = webhook.received.filter((r) => pages('firing')(r.body)).length;
    await am.restart();
    const restarted = Date.now();
    let seen: unknown[] = [];
    await waitFor(
      async () => {
        const alerts = (await am!.alerts()).filter((a) => a.labels.alertname === ALERT);
        seen = alerts.map((a) => ({ startsAt: a.startsAt, endsAt: a.endsAt, status: a.status }));
        return alerts.some((a) => a.status.state === 'active' && Date.parse(a.startsAt) === Date.parse(firing.startsAt));
      },
      15_000,
      `${ALERT} did not come back to Alertmanager after the restart`,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}; page startsAt ${firing.startsAt}; Alertmanager has ${JSON.stringify(seen)}; Prometheus has ${JSON.stringify((await prometheus!.alerts()).filter((a) => a.labels.alertname === ALERT))}\n${am!.stderr()}`);
    });
    log(`Alertmanager restarted; Prometheus re-sent the firing alert within ${((Date.now() - restarted) / 1000).toFixed(1)} s`);
    // Its notification log was snapshotted on SIGTERM and read back: the on-call person is not paged twice.
    await new Promise((r) => setTimeout(r, 3000));
    expect(webhook.received.filter((r) => pages('firing')(r.body))).toHaveLength(firingBefore);

    // 3. Fault off: the resolved notification arrives, through the restarted Alertmanager.
    const faultOff = Date.now();
    await fault('DELETE');
    const resolved = await webhook.waitFor(pages('resolved'), 60_000, `${ALERT} never resolved`);
    const toResolved = (resolved.at - faultOff) / 1000;
    log(`fault off -> resolved in ${toResolved.toFixed(1)} s (the ${WINDOW} window has to slide past the errors)`);
    expect(resolved.body.receiver).toBe(team.page);
    const done = resolved.body.alerts.find((a) => a.labels.alertname === ALERT)!;
    expect(done.status).toBe('resolved');
    expect(done.labels).toEqual(firing.labels);
    expect(done.startsAt).toBe(firing.startsAt);
    expect(Date.parse(done.endsAt)).toBeGreaterThan(Date.parse(done.startsAt));

    console.log(`fault -> page: ${toPage.toFixed(1)} s; fault off -> resolved: ${toResolved.toFixed(1)} s; whole test ${((Date.now() - started) / 1000).toFixed(1)} s`);
    // Each incident notified exactly once per state: one page, one resolution.
    const about = webhook.received.filter((r) => r.body.alerts.some((a) => a.labels.alertname === ALERT)).map((r) => r.body.status);
    expect(about).toEqual(['firing', 'resolved']);
    expect(webhook.received.filter((r) => r.body.alerts.some((a) => a.labels.alertname === WARNING))).toEqual([]);
  },
);
