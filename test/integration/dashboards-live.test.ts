// Every panel of the demo project's dashboards proven against a real
// Prometheus: the demo service under traffic, Prometheus 3 with the rule file
// the project's build generates for the dashboards' environment scraping it,
// itself and a real Alertmanager, and a week-old block backfilled with
// promtool into its data directory before it starts, so `offset 1w` has
// last week to read. Each dashboard's variables
// are resolved the way Grafana does (label_values through the API, All as
// the variable defines it), and every query of every panel runs through the
// query API. One message lists every panel that fails or comes back empty.
import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Dashboard, Panel, VariableModel } from '@grafana/grafana-foundation-sdk/dashboard';
import { afterAll, expect, test } from 'vitest';
import { buildAlerts } from '../../alerts/build.ts';
import { allSpecs } from '../../catalog/index.ts';
import { builtDashboards } from '../../dashboards/build.ts';
import { dashboardSettings } from '../../dashboards/dashboard-settings.ts';
import demoConfig from '../../examples/demo-shop/observability.config.ts';
import { environmentsOf } from '../../signals/alert-settings.ts';
import { businessDashboardUid } from '../../signals/project/business.ts';
import { validateProject } from '../../signals/project/validate.ts';
import { metricNames } from '../../signals/promql.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { type RunningAlertmanager, startKitAlertmanager } from '../support/alertmanager.ts';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { interpolate, RANGE_SECONDS, resolveVariables, runDashboard } from '../support/live-panels.ts';
import { waitFor } from '../support/net.ts';
import { type RunningNodeExporter, startNodeExporter } from '../../stack/node-exporter.ts';
import { type RunningPrometheus, startPrometheus } from '../../stack/prometheus.ts';
import { inScratchDir } from '../support/scratch.ts';
import { startWebhook, type WebhookServer } from '../support/webhook.ts';

const run = promisify(execFile);
const project = validateProject(demoConfig);
const config = dashboardSettings(project);
const jobs = config.alerts.stack.jobs;
/** The rules of the environment the dashboards take their thresholds from. */
const RULE_FILE = `prometheus/${environmentsOf(project)[0]}/rules.yml`;

/**
 * Panels whose data comes from a component that cannot run on this machine.
 * Their queries must still run without error; only the data requirement is
 * waived. Keyed `<dashboard uid>/<panel title>`.
 */
const NO_COMPONENT_HERE: Readonly<Record<string, string>> = {
  'stack-health/Jaeger spans received and stored': 'Jaeger 2 (an OpenTelemetry Collector build) does not run here; its otelcol_* series exist only when it is scraped',
  'stack-health/Logstash events in and out': 'Logstash and its exporter (a JVM and a Go binary not available here) do not run here',
  'stack-health/Elasticsearch cluster health': 'Elasticsearch and elasticsearch_exporter do not run here',
  'stack-health/Elasticsearch indexing rate': 'Elasticsearch and elasticsearch_exporter do not run here',
  // kube-state-metrics and the kubelet's cAdvisor need a cluster; the panels' PromQL still runs (no error) and the lint checks their names.
  'kubernetes-workloads/Replicas and the autoscaler range': 'kube-state-metrics needs a Kubernetes API server, which does not run here',
  'kubernetes-workloads/Container restarts': 'kube-state-metrics needs a Kubernetes API server, which does not run here',
  'kubernetes-workloads/CPU throttling': "the kubelet's cAdvisor needs a Kubernetes node, which does not run here",
  'kubernetes-workloads/Memory against the limit': "the kubelet's cAdvisor and kube-state-metrics need a Kubernetes cluster, which does not run here",
  'system/Container memory / limit': "this machine's cgroup sets no memory limit (0), and the panel draws no line without one; the cgroup reader is tested on v1 and v2 fixtures with limits (test/unit/container-metrics.test.ts)",
};

let demo: DemoProcess | undefined;
let webhook: WebhookServer | undefined;
let am: RunningAlertmanager | undefined;
let prometheus: RunningPrometheus | undefined;
let nodeExporter: RunningNodeExporter | undefined;

afterAll(async () => {
  await prometheus?.stop();
  await nodeExporter?.stop();
  await am?.stop();
  await demo?.stop();
  await webhook?.stop();
});

const api = <T>(path: string) => prometheus!.api<T>(path);
/** The datasource variable: one Prometheus here. */
const FIXED = { [config.datasources.prometheus.uid]: '' };
const enc = encodeURIComponent;
const nowSeconds = () => Date.now() / 1000;

/** Sample lines of the text exposition, by metric name: `name{labels} value`. */
function exposedSamples(text: string, name: string): { labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => {
      const m = /^[^{\s]+(?:\{(.*)\})?\s+(\S+)/.exec(l)!;
      return { labels: m[1] ?? '', value: Number(m[2]) };
    });
}

/**
 * Last week, as Prometheus would have recorded it: the series of every metric
 * a panel reads with `offset`, with the labels the demo exposes now plus the
 * job and instance the scrape adds, a week back (15 minutes around now − 1w,
 * one sample a second), counters growing at their average rate since the
 * demo started (at least 0.05/s, so every one of them moves). Written as
 * OpenMetrics, turned into TSDB blocks by promtool, and moved whole into the
 * data directory Prometheus then starts on.
 */
async function backfillLastWeek(dataDir: string, names: readonly string[], demoMetrics: string, scrapeLabels: string, demoStarted: number): Promise<void> {
  const specs = [...allSpecs(), ...project.services.flatMap((s) => Object.values(s.metrics ?? {}))];
  const counters = new Set(specs.filter((s) => s.type === 'counter').map((s) => s.name));
  const now = nowSeconds();
  const weekAgo = Math.floor(now) - 7 * 86_400;
  const lines: string[] = [];
  for (const name of names) {
    const samples = exposedSamples(demoMetrics, name);
    if (samples.length === 0) throw new Error(`the demo exposes no ${name} to backfill last week from`);
    for (const s of samples) {
      const labels = [scrapeLabels, s.labels].filter((x) => x !== '').join(',');
      const perSecond = Math.max(0.05, s.value / Math.max(1, now - demoStarted));
      for (let t = -600; t <= 300; t++) {
        const value = counters.has(name) ? s.value + 1000 + perSecond * t : s.value;
        lines.push(`${name}{${labels}} ${value} ${weekAgo + t}`);
      }
    }
  }
  const dir = join(dataDir, '..', 'backfill');
  await mkdir(dir, { recursive: true });
  await mkdir(dataDir, { recursive: true });
  await writeFile(join(dir, 'last-week.om'), `${lines.join('\n')}\n# EOF\n`);
  await run(await resolveTool('promtool'), ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', join(dir, 'last-week.om'), join(dir, 'blocks')]);
  const blocks = (await readdir(join(dir, 'blocks'))).filter((b) => /^[0-9A-Z]{26}$/.test(b));
  if (blocks.length === 0) throw new Error('promtool wrote no block');
  for (const b of blocks) await rename(join(dir, 'blocks', b), join(dataDir, b));
}


test(
  "every panel query of every dashboard of the demo project runs on a real Prometheus and returns data for the demo service",
  { timeout: 150_000 },
  async () => {
    const started = Date.now();
    const log = (msg: string) => console.log(`[+${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
    const dashboards = builtDashboards(config).map((d) => d.json);
    // The demo's own business dashboard is among them, built from its panels in the project config.
    expect(dashboards.map((d) => d.uid)).toContain(businessDashboardUid(project.services[0]!.name));

    webhook = await startWebhook();
    am = await startKitAlertmanager({ webhookUrl: webhook.url, config: config.alerts });
    const ruleText = buildAlerts(project).get(RULE_FILE);
    if (ruleText === undefined) throw new Error(`the project's build has no ${RULE_FILE}`);
    demo = await startDemoProcess({ TRAFFIC_RPS: '20' });
    // This machine's real node-exporter, under the bundles' job name: the host panels read it.
    nodeExporter = await startNodeExporter();
    // The dashboards' job variables offer the project's services: the demo must be scraped under its service's name.
    expect(project.services.map((s) => s.name)).toContain(demo.service);
    const demoStarted = nowSeconds();
    const target = new URL(demo.metricsUrl);
    const demoMetrics = () => fetch(demo!.metricsUrl).then((r) => r.text());

    // Last week, for every metric a panel reads with `offset`, from the demo's first orders on.
    const weekly = [...new Set(dashboards.flatMap((d) => (d.panels ?? []).flatMap((p) => ((p as Panel).targets ?? []) as unknown as { expr: string }[])).filter((t) => /\boffset\b/.test(t.expr)).flatMap((t) => metricNames(t.expr)))].sort();
    expect(weekly.length).toBeGreaterThan(0);
    await waitFor(async () => exposedSamples(await demoMetrics(), 'shop_orders_placed_total').some((s) => s.value > 0), 20_000, 'the demo placed no order', 250);

    prometheus = await inScratchDir('prom-dashboards-', async (dir, port) => {
      await backfillLastWeek(join(dir, 'data'), weekly, await demoMetrics(), `job="${demo!.service}",instance="${target.host}"`, demoStarted);
      return startPrometheus({
        dir,
        port,
        // The service's job is its name, as OpenTelemetry maps service.name to job: the links to logs and traces rely on it.
        jobs: [
          { job: demo!.service, targets: [target.host], metricsPath: target.pathname },
          { job: jobs.prometheus, targets: [`127.0.0.1:${port}`] },
          { job: jobs.alertmanager, targets: [am!.address] },
          { job: jobs.nodeExporter, targets: [nodeExporter!.address] },
        ],
        scrapeInterval: '1s',
        evaluationInterval: '1s',
        rules: [ruleText],
        alertmanagers: [am!.address],
        extraFlags: ['--enable-feature=exemplar-storage'],
      });
    });
    log(`demo (job ${demo.service}), Alertmanager and Prometheus (rules: ${RULE_FILE}) started on a backfilled week-old block of ${weekly.join(', ')}`);

    // Ready when last week is loaded, rules have run over a few scrapes and alerts are evaluated.
    const ready = [
      ...weekly.map((n) => `${n} offset 1w`),
      `count(ALERTS{alertstate="firing"})`,
      `count(ALERTS_FOR_STATE)`,
      `count_over_time(up{job="${jobs.prometheus}"}[1m]) > 10`,
      `count_over_time(up{job="${demo.service}"}[1m]) > 15`,
    ];
    let waiting: string[] = ready;
    await waitFor(
      async () => {
        waiting = [];
        for (const q of ready) if ((await prometheus!.query(q)).length === 0) waiting.push(q);
        return waiting.length === 0;
      },
      60_000,
      'Prometheus never had everything the panels read',
      1000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: still empty: ${waiting.join('; ')}`);
    });
    log('last week loaded, rules and alerts evaluated');

    const problems: string[] = [];
    let queries = 0;
    const exempted = new Set<string>();
    for (const d of dashboards) {
      for (const o of await runDashboard(api, d, 'default', problems, FIXED)) {
        queries++;
        const panelKey = o.key.replace(/ \[[A-Z]\]$/, '');
        if (o.error) problems.push(`${o.key}: query failed: ${o.error}\n    ${o.expr}`);
        else if (o.empty && panelKey in NO_COMPONENT_HERE) exempted.add(panelKey);
        else if (o.empty) problems.push(`${o.key}: no data\n    ${o.expr}`);
      }
      // Another selection: each variable at its first value. The queries must still run.
      for (const o of await runDashboard(api, d, 'first', problems, FIXED)) {
        queries++;
        if (o.error) problems.push(`${o.key} (first value of each variable): query failed: ${o.error}\n    ${o.expr}`);
      }
    }
    for (const key of Object.keys(NO_COMPONENT_HERE)) {
      // The uid has no '/', a title may ("Container memory / limit").
      const uid = key.slice(0, key.indexOf('/'));
      const title = key.slice(key.indexOf('/') + 1);
      const exists = dashboards.some((d) => d.uid === uid && (d.panels ?? []).some((p) => p.title === title));
      if (!exists) problems.push(`${key}: on the allow-list of panels without data here, but no such panel`);
    }
    log(`${queries} queries over ${dashboards.length} dashboards; no data expected (component absent) for ${[...exempted].join(', ')}`);
    expect(problems, `panels failing or empty:\n${problems.join('\n')}`).toEqual([]);

    // Exemplars: the latency panels ask for them; Prometheus must serve the ones the demo exposes.
    const exposed = (await (await fetch(demo.metricsUrl, { headers: { accept: 'application/openmetrics-text; version=1.0.0' } })).text()).match(/ # \{[^}]*trace_id="/g)?.length ?? 0;
    const values = await resolveVariables(api, dashboards.find((d) => d.uid === 'service-overview')!, 'default', problems, FIXED);
    let found = 0;
    for (const d of dashboards) {
      for (const p of (d.panels ?? []) as Panel[]) {
        for (const t of ((p.targets ?? []) as unknown as { expr: string; exemplar?: boolean }[]).filter((x) => x.exemplar)) {
          const end = nowSeconds();
          const result = await api<{ exemplars: { labels: Record<string, string> }[] }[]>(`/api/v1/query_exemplars?query=${enc(interpolate(t.expr, values))}&start=${end - RANGE_SECONDS}&end=${end}`);
          found += result.flatMap((r) => r.exemplars).filter((e) => config.exemplarTraceIdLabel in e.labels).length;
        }
      }
    }
    log(`exemplars: the demo exposes ${exposed} with ${config.exemplarTraceIdLabel}; the latency panels' queries return ${found}`);
    if (exposed > 0) expect(found, 'the demo exposes trace exemplars but the latency panels get none').toBeGreaterThan(0);

    // The alert list reads Prometheus's rules API, not PromQL: the kit's rules are there, the Watchdog fires.
    const rules = await api<{ groups: { rules: { name: string; type: string; state?: string }[] }[] }>('/api/v1/rules?type=alert');
    const alerting = rules.groups.flatMap((g) => g.rules);
    expect(alerting.length).toBeGreaterThan(20);
    expect(alerting.find((r) => r.name === 'Watchdog')?.state).toBe('firing');
    log(`whole test ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },
);
