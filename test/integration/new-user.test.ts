// The new-user path, end to end, outside this repository: a small Express
// app of its own installs the kit from `npm pack`'s tarball, runs `init`,
// writes a config with two services (a 99.9% availability SLO, one business
// alert with its test case, two teams), runs `generate` and `check` through
// the package's `bin`, and then a real Prometheus loaded with the generated
// rules scrapes the running app: the business alert fires under a fault and
// the generated dashboards' queries for that service return data.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runDashboard } from '../support/live-panels.ts';
import { freePort, waitFor } from '../support/net.ts';
import { type RunningPrometheus, startPrometheus } from '../support/prometheus.ts';

const run = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const NODE_BIN = dirname(process.execPath);
/** The app's commands run on the Node that runs the tests (24), found first on PATH as npm's scripts would. */
const ENV = { ...process.env, PATH: `${NODE_BIN}:${process.env.PATH ?? ''}`, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };

const METRICS_TS = `import { counter } from 'node-observability-kit/exporter';

export const appMetrics = {
  payments: counter({
    name: 'acme_payments_total',
    help: 'Payment attempts by outcome.',
    unit: '',
    labels: ['outcome'],
    values: { outcome: ['ok', 'failed'] },
  }),
};
`;

const SERVER_TS = `import express from 'express';
import { createExporter } from 'node-observability-kit/exporter';
import { appMetrics } from './metrics.ts';

const exporter = createExporter();
const metrics = exporter.defineMetrics(appMetrics);
let failing = false;

const app = express();
app.use(exporter.middleware);
app.get('/metrics', exporter.metricsHandler);
const orders = express.Router({ mergeParams: true });
orders.get('/:orderId', (req, res) => { res.json({ id: req.params.orderId }); });
const api = express.Router();
api.use('/orders', orders);
api.post('/pay', (_req, res) => {
  metrics.payments.inc({ outcome: failing ? 'failed' : 'ok' });
  res.status(failing ? 502 : 200).json({ paid: !failing });
});
app.use('/api', api);
app.put('/fault', (_req, res) => { failing = true; res.sendStatus(204); });
const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const CONFIG_TS = `import { defineConfig, ratioAbove, ratePanel, series, where } from 'node-observability-kit/config';
import { appMetrics } from './src/metrics.ts';

const paymentsFailing = ratioAbove({
  alert: 'PaymentsFailing',
  bad: where(appMetrics.payments, { outcome: ['failed'] }),
  total: [appMetrics.payments],
  threshold: 0.5,
  window: '30s',
  for: '10s',
  severity: 'critical',
  summary: 'Most payments fail.',
  description: '{{ $labels.job }}: {{ $value | humanizePercentage }} of payments failed.',
  runbook: {
    meaning: 'More than half of the payment attempts failed.',
    impact: 'Customers cannot pay.',
    diagnosis: ['Check the payment provider.'],
    mitigation: ['Switch to the fallback provider.'],
    escalation: 'Payments team.',
  },
  tests: [
    {
      name: 'fires when nine payments in ten fail',
      interval: '10s',
      series: [series(appMetrics.payments, { outcome: 'ok' }, '0+1x60'), series(appMetrics.payments, { outcome: 'failed' }, '0+9x60')],
      evalTime: '5m',
      expect: [{ description: 'acme-orders: 90% of payments failed.' }],
    },
    {
      name: 'stays quiet while payments succeed',
      interval: '10s',
      series: [series(appMetrics.payments, { outcome: 'ok' }, '0+10x60'), series(appMetrics.payments, { outcome: 'failed' }, '0x60')],
      evalTime: '5m',
      expect: [],
    },
  ],
});

export default defineConfig({
  name: 'acme',
  services: [
    {
      name: 'acme-orders',
      port: 3000,
      team: 'payments',
      image: 'registry.example.com/acme-orders:1.2.3',
      command: ['node', 'src/server.ts'],
      metrics: appMetrics,
      slos: [{ kind: 'availability', objective: 0.999 }],
      alerts: [paymentsFailing],
      panels: [ratePanel({ title: 'Payments per minute', description: 'Payment attempts by outcome.', metric: appMetrics.payments, by: ['outcome'] })],
    },
    { name: 'acme-billing', port: 3001, team: 'billing', image: 'registry.example.com/acme-billing:0.4.0' },
  ],
  alerting: {
    runbookBaseUrl: 'https://git.example.com/acme/orders/-/blob/main/observability/runbooks',
    urls: { grafana: 'https://grafana.acme.example', prometheus: 'https://prometheus.acme.example', alertmanager: 'https://alertmanager.acme.example' },
    receivers: {
      payments: { type: 'pagerduty', routingKeyFile: '/etc/alertmanager/secrets/payments-pagerduty' },
      billing: { type: 'slack', apiUrlFile: '/etc/alertmanager/secrets/billing-slack', channel: '#billing-alerts' },
    },
    teams: { payments: { page: 'payments' }, billing: { page: 'billing', chat: 'billing' } },
    platformTeam: 'payments',
  },
});
`;

let app: string;
let tarball: string;
const children: ChildProcess[] = [];
let prometheus: RunningPrometheus | undefined;

/** Runs the installed package's bin as a user would (`npx observability-kit …`). */
function kit(...args: string[]) {
  return run(join(app, 'node_modules/.bin/observability-kit'), args, { cwd: app, env: ENV, maxBuffer: 1 << 26 });
}

beforeAll(async () => {
  app = await mkdtemp(join(tmpdir(), 'kit-new-user-'));
  const packDir = join(app, '..', `${app.split('/').pop()}-pack`);
  await mkdir(packDir);
  // npm pack runs the package's prepack (the build) like a publish would.
  const { stdout } = await run('npm', ['pack', '--pack-destination', packDir, '--json'], { cwd: REPO, env: ENV, maxBuffer: 1 << 26 });
  // The build's own lines may come first: the report is the JSON array at the end.
  tarball = join(packDir, (JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as { filename: string }[])[0]!.filename);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: '@acme/orders', version: '1.2.3', private: true, type: 'module', scripts: { start: 'node src/server.ts' } }, null, 2));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, 'express@5.3.0'], { cwd: app, env: ENV, maxBuffer: 1 << 26 });
  await mkdir(join(app, 'src'));
  await writeFile(join(app, 'src/metrics.ts'), METRICS_TS);
  await writeFile(join(app, 'src/server.ts'), SERVER_TS);
}, 600_000);

afterAll(async () => {
  await prometheus?.stop();
  for (const c of children) c.kill('SIGKILL');
  if (app !== undefined) await rm(app, { recursive: true, force: true });
  if (tarball !== undefined) await rm(dirname(tarball), { recursive: true, force: true });
});

describe('a new user, outside this repository', () => {
  test('the package bin answers --help for every command', async () => {
    const { stdout } = await kit('--help');
    for (const command of ['init', 'generate', 'check', 'stack']) {
      expect(stdout).toContain(`  ${command} `);
      const help = await kit(command, '--help');
      expect(help.stdout).toMatch(new RegExp(`^Usage: observability-kit ${command}`));
    }
  });

  test('init writes a starter config named after package.json, which generates as it is', async () => {
    const { stdout } = await kit('init');
    expect(stdout).toContain('Wrote observability.config.ts for the service "orders".');
    const starter = await readFile(join(app, 'observability.config.ts'), 'utf8');
    expect(starter).toContain("name: 'orders'");
    expect(starter).toContain("image: 'orders:1.2.3'");
    await expect(kit('init')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('exists already') });
    await kit('generate');
    expect((await readdir(join(app, 'observability'))).sort()).toEqual(expect.arrayContaining(['alertmanager', 'compose', 'grafana', 'k8s', 'prometheus', 'runbooks']));
  }, 120_000);

  test('generate and check succeed on a config of two services, two teams, an SLO and a business alert', async () => {
    await writeFile(join(app, 'observability.config.ts'), CONFIG_TS);
    const generated = await kit('generate');
    expect(generated.stdout).toMatch(/^Wrote \d+ files to observability\//);
    const rules = await readFile(join(app, 'observability/prometheus/production/rules.yml'), 'utf8');
    expect(rules).toContain('alert: PaymentsFailing');
    expect(rules).toContain('0.999');
    expect(await readFile(join(app, 'observability/runbooks/PaymentsFailing.md'), 'utf8')).toContain('More than half of the payment attempts failed.');
    const checked = await kit('check');
    expect(checked.stdout).toMatch(/(\d+) of \1 checks passed\./);
    const again = await kit('generate', '--check');
    expect(again.stdout).toMatch(/observability\/ is up to date/);
  }, 300_000);

  test('a real Prometheus with the generated rules scrapes the app: the business alert fires under a fault, and the dashboards show the service', async () => {
    const port = await freePort();
    const server = spawn(process.execPath, ['src/server.ts'], { cwd: app, env: { ...ENV, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(server);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(() => fetch(`${base}/metrics`).then((r) => r.ok, () => false), 20_000, 'the app did not start');
    let stop = false;
    const traffic = (async () => {
      for (let i = 0; !stop; i++) {
        await fetch(`${base}/api/pay`, { method: 'POST' }).catch(() => undefined);
        await fetch(`${base}/api/orders/${i}`).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    try {
      prometheus = await startPrometheus({ jobs: [{ job: 'acme-orders', targets: [`127.0.0.1:${port}`] }], ruleFiles: [join(app, 'observability/prometheus/production/rules.yml')], evaluationInterval: '1s' });
      await waitFor(async () => (await prometheus!.activeTargets()).some((t) => t.health === 'up'), 30_000, 'Prometheus never scraped the app');
      expect((await prometheus.ruleGroups()).every((g) => g.rules.every((r) => r.health !== 'err'))).toBe(true);
      // Quiet while payments succeed.
      await new Promise((r) => setTimeout(r, 5_000));
      expect((await prometheus.alerts()).filter((a) => a.labels.alertname === 'PaymentsFailing')).toEqual([]);

      // The dashboards generated for the service return data for it.
      const dashboardsDir = join(app, 'observability/grafana/dashboards');
      const files = (await readdir(dashboardsDir, { recursive: true })).filter((f) => f.endsWith('.json'));
      const problems: string[] = [];
      const wanted = new Map<string, Dashboard>();
      for (const f of files) {
        const d = JSON.parse(await readFile(join(dashboardsDir, f), 'utf8')) as Dashboard;
        if (d.uid === 'service-overview' || (d.panels ?? []).some((p) => JSON.stringify(p).includes('acme_payments_total'))) wanted.set(d.uid!, d);
      }
      expect(wanted.size).toBeGreaterThanOrEqual(2);
      for (const d of wanted.values()) {
        const outcomes = await runDashboard(prometheus.api, d, 'first', problems, { datasource: '', job: 'acme-orders' });
        const business = outcomes.filter((o) => o.expr.includes('acme_payments_total'));
        if (d.uid !== 'service-overview') expect(business.length).toBeGreaterThan(0);
        for (const o of outcomes) if (o.error !== undefined) problems.push(`${o.key}: ${o.error}`);
        for (const o of business) if (o.empty) problems.push(`${o.key}: no data for ${o.expr}`);
      }
      const requestPanels = (await runDashboard(prometheus.api, wanted.get('service-overview')!, 'first', problems, { datasource: '', job: 'acme-orders' })).filter((o) => /http_server_request_duration_seconds_count/.test(o.expr));
      expect(requestPanels.length).toBeGreaterThan(0);
      expect(requestPanels.filter((o) => !o.empty).length).toBeGreaterThan(0);
      expect(problems).toEqual([]);

      // The fault: every payment fails; the alert fires within its 30 s window and 10 s `for`.
      await fetch(`${base}/fault`, { method: 'PUT' });
      await waitFor(async () => (await prometheus!.alerts()).some((a) => a.labels.alertname === 'PaymentsFailing' && a.state === 'firing'), 90_000, 'PaymentsFailing never fired');
      const firing = (await prometheus.alerts()).find((a) => a.labels.alertname === 'PaymentsFailing')!;
      expect(firing.labels).toMatchObject({ severity: 'critical', job: 'acme-orders' });
      expect(firing.annotations.runbook_url).toBe('https://git.example.com/acme/orders/-/blob/main/observability/runbooks/PaymentsFailing.md');
    } finally {
      stop = true;
      await traffic;
    }
  }, 240_000);
});
