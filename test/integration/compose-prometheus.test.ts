// The demo's compose bundle's Prometheus, for real: the generated prometheus.yml with the
// rule file compose.yaml mounts and the flags compose.yaml passes, in a real
// Prometheus on loopback. Only what Docker would provide is replaced: service
// names become 127.0.0.1 (the demo's and Prometheus's own port where they run
// here, a closed port for the components that cannot run on this machine),
// and container paths become this test's copy of the mounts. The scrape and
// evaluation intervals drop to 1 s so the test does not wait 15 s.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { copyMounts, loadCompose, withDefaults } from '../../compose/model.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { httpOk, type ManagedProcess, startReady } from '../../stack/processes.ts';
import { type DemoProcess, startDemoProcess } from '../support/demo-process.ts';
import { demoProject, generateInto, type WrittenOutput } from '../support/bundle.ts';
import { freePort, waitFor } from '../support/net.ts';

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
  dns_sd_configs?: { names: string[]; port: number }[];
  [key: string]: unknown;
}
interface PromConfig {
  global: Record<string, string>;
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: ScrapeConfig[];
}


const DEMO_JOB = demoProject().services[0]!.name;
let out: WrittenOutput;

let dir: string;
let demo: DemoProcess;
let prometheus: ManagedProcess;
let url: string;
let config: PromConfig;

async function api<T>(path: string): Promise<T> {
  const body = (await (await fetch(`${url}${path}`)).json()) as { status: string; data: T };
  expect(body.status).toBe('success');
  return body.data;
}
type Target = { labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string };
const targets = async () => (await api<{ activeTargets: Target[] }>('/api/v1/targets')).activeTargets;
type Group = { name: string; rules: { name: string; health: string; lastError?: string }[] };
const ruleGroups = async () => (await api<{ groups: Group[] }>('/api/v1/rules')).groups;

beforeAll(async () => {
  out = await generateInto(demoProject(), 'compose-live-bundle-');
  const prometheusService = loadCompose(out.compose).services.prometheus!;
  dir = await mkdtemp(join(tmpdir(), 'compose-live-'));
  demo = await startDemoProcess({ SERVICE_NAME: DEMO_JOB, TRAFFIC_RPS: '5' });
  const demoPort = Number(new URL(demo.url).port);
  const port = await freePort();
  // Nothing listens here: the components that cannot run on this machine.
  const closed = await freePort();
  url = `http://127.0.0.1:${port}`;

  // The container's view of its files.
  await copyMounts(prometheusService, out.compose, dir);
  const configFile = join(dir, 'etc/prometheus/prometheus.yml');
  config = parse(await readFile(configFile, 'utf8')) as PromConfig;
  const loopback = (target: string) => {
    const [host] = target.split(':');
    return `127.0.0.1:${host === DEMO_JOB ? demoPort : host === 'prometheus' ? port : closed}`;
  };
  const rewritten: PromConfig = {
    ...config,
    global: { ...config.global, scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: config.rule_files.map((f) => join(dir, f)),
    alerting: { alertmanagers: config.alerting.alertmanagers.map((a) => ({ ...a, static_configs: [{ targets: [`127.0.0.1:${closed}`] }] })) },
    scrape_configs: config.scrape_configs.map(({ static_configs, dns_sd_configs, ...rest }) => ({
      ...rest,
      static_configs: [
        { targets: [...(static_configs ?? []).flatMap((s) => s.targets), ...(dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`))].map(loopback) },
      ],
    })),
  };
  await writeFile(configFile, stringify(rewritten));

  // compose.yaml's flags, with the paths and the listen address of this test.
  const flags = (prometheusService.command as string[])
    .map(withDefaults)
    .filter((f) => !/^--(config\.file|storage\.tsdb\.path|web\.external-url|web\.route-prefix)=/.test(f));
  prometheus = await startReady(
    {
      name: 'prometheus',
      command: await resolveTool('prometheus'),
      args: [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, ...flags],
    },
    () => httpOk(`${url}/-/ready`),
    'ready',
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await demo?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  await out?.remove();
});

describe('the compose bundle’s Prometheus configuration in a real Prometheus', () => {
  test('it runs with the exemplar-storage feature and the bundle’s retention', async () => {
    const flags = await api<Record<string, string>>('/api/v1/status/flags');
    expect(flags['enable-feature']).toContain('exemplar-storage');
    expect(flags['storage.tsdb.retention.time']).toBe('30d');
    expect(flags['web.enable-lifecycle']).toBe('true');
  });

  test('it scrapes the demo service as job demo-shop, and has a target for every job', async () => {
    await waitFor(async () => (await targets()).some((t) => t.labels.job === DEMO_JOB && t.health === 'up'), 30_000, 'demo-shop target up');
    const all = await targets();
    expect([...new Set(all.map((t) => t.labels.job))].sort()).toEqual(config.scrape_configs.map((c) => c.job_name).sort());
    const demoTarget = all.find((t) => t.labels.job === DEMO_JOB)!;
    expect(demoTarget.lastError).toBe('');
    expect(demoTarget.scrapeUrl).toBe(`${demo.metricsUrl}`);
    // The demo's own traffic generator runs: its request histogram is stored under the job the dashboards use.
    const query = encodeURIComponent(`sum(http_server_request_duration_seconds_count{job="${DEMO_JOB}"})`);
    await waitFor(async () => (await api<{ result: unknown[] }>(`/api/v1/query?query=${query}`)).result.length > 0, 15_000, 'demo request metrics');
  });

  test('every rule group of the mounted rule file loads and evaluates with health ok', async () => {
    const file = parse(await readFile(join(dir, config.rule_files[0]!), 'utf8')) as { groups: { name: string }[] };
    await waitFor(async () => (await ruleGroups()).every((g) => g.rules.every((r) => r.health !== 'unknown')), 30_000, 'every rule evaluated');
    const groups = await ruleGroups();
    expect(groups.map((g) => g.name).sort()).toEqual(file.groups.map((g) => g.name).sort());
    const unhealthy = groups.flatMap((g) => g.rules.filter((r) => r.health !== 'ok').map((r) => `${g.name}/${r.name}: ${r.health} ${r.lastError ?? ''}`));
    expect(unhealthy).toEqual([]);
  });

  test('POST /-/reload re-reads the configuration (--web.enable-lifecycle), as the README says', async () => {
    const res = await fetch(`${url}/-/reload`, { method: 'POST' });
    expect(res.status).toBe(200);
    const info = await api<{ reloadConfigSuccess: boolean }>('/api/v1/status/runtimeinfo');
    expect(info.reloadConfigSuccess).toBe(true);
  });
});
