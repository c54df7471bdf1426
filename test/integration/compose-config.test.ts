// The files the demo's generated compose.yaml mounts: they exist in the
// output folder, the real promtool and amtool accept them laid out as the
// containers see them, and every address in them (scrape targets,
// Alertmanager, Grafana datasources, the service's telemetry) names a service
// of the bundle on a port that service listens on.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { addressProblem, checkComposeBundle, prometheusConfigProblems } from '../../compose/check.ts';
import { bindMounts, copyMounts, environmentOf, loadCompose } from '../../compose/model.ts';
import { bundleServices } from '../../compose/services.ts';
import { STACK_JOBS } from '../../signals/alert-settings.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { demoProject, generateInto } from '../support/bundle.ts';

const run = promisify(execFile);
const project = demoProject();
const SERVICE = project.services[0]!.name;
const out = await generateInto(project, 'compose-config-');
afterAll(() => out.remove());
const composeDir = out.compose;
const compose = loadCompose(composeDir);
const described = new Map(bundleServices(project).map((s) => [s.name, s]));

interface PromConfig {
  global: Record<string, unknown>;
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: {
    job_name: string;
    metrics_path: string;
    static_configs?: { targets: string[] }[];
    dns_sd_configs?: { names: string[]; type: string; port: number }[];
  }[];
}
const promConfig = parse(readFileSync(join(composeDir, 'prometheus.yml'), 'utf8')) as PromConfig;

/** `host:port` → a service of the bundle declaring that port and described as listening on it, or why not. */
function problemWith(address: string): string | undefined {
  const problem = addressProblem(compose, address);
  if (problem !== undefined) return problem;
  const url = /^[a-z]+:\/\//.test(address) ? new URL(address) : new URL(`http://${address}`);
  const port = Number(url.port || 80);
  if (!described.get(url.hostname)?.listens.includes(port)) return `${address}: services.ts says ${url.hostname} does not listen on ${port}`;
  return undefined;
}

/** A temp folder holding `serviceName`'s bind mounts at their container paths, for the tests of one describe block. */
function containerViewOf(serviceName: string): { root: () => string } {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `compose-${serviceName}-`));
    await copyMounts(compose.services[serviceName]!, composeDir, dir);
  });
  afterAll(() => (dir === undefined ? undefined : rm(dir, { recursive: true, force: true })));
  return { root: () => dir! };
}

describe('mounted files', () => {
  const mounts = Object.entries(compose.services).flatMap(([name, s]) => bindMounts(s).filter((m) => !m.source.startsWith('/')).map((m) => [name, m.source] as const));

  test('the bundle mounts its Prometheus config, and the first environment’s rules and Alertmanager config and the dashboards from the output folder', () => {
    expect(mounts.map(([, source]) => source)).toEqual(
      expect.arrayContaining(['./prometheus.yml', '../prometheus/production', '../alertmanager/production', '../grafana/provisioning', '../grafana/dashboards']),
    );
  });

  test.each(mounts)('%s mounts %s, which exists', (_name, source) => {
    expect(existsSync(resolve(composeDir, source))).toBe(true);
  });

  test('the only host path mounted is / into node-exporter, read-only', () => {
    const host = Object.entries(compose.services).flatMap(([name, s]) => bindMounts(s).filter((m) => m.source.startsWith('/')).map((m) => `${name} ${m.source}:${m.target}`));
    expect(host).toEqual(['node-exporter /:/host']);
    expect(compose.services['node-exporter']!.volumes).toContain('/:/host:ro,rslave');
  });

  test('checkComposeBundle finds nothing wrong, and reports a mount whose source is gone', async () => {
    expect(await checkComposeBundle(composeDir)).toEqual([]);
    const copy = await mkdtemp(join(tmpdir(), 'compose-broken-'));
    try {
      await cp(out.dir, copy, { recursive: true });
      await rm(join(copy, 'alertmanager', 'production'), { recursive: true });
      expect(await checkComposeBundle(join(copy, 'compose'))).toEqual(expect.arrayContaining(['service alertmanager mounts ../alertmanager/production, which does not exist']));
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });
});

describe('Prometheus configuration', () => {
  const view = containerViewOf('prometheus');

  test('promtool check config accepts it with its rule files, laid out as in the container', async () => {
    const file = join(view.root(), 'etc/prometheus/prometheus.yml');
    const config = parse(await readFile(file, 'utf8')) as PromConfig;
    // Absolute container paths, re-rooted where the container's view was copied.
    config.rule_files = config.rule_files.map((f) => join(view.root(), f));
    for (const f of config.rule_files) expect(existsSync(f), `rule file ${f} is mounted`).toBe(true);
    await writeFile(file, stringify(config));
    const { stdout } = await run(await resolveTool('promtool'), ['check', 'config', file]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  test('promtool rejects a broken copy, and checkComposeBundle says so (the check is not a no-op)', async () => {
    const file = join(view.root(), 'broken.yml');
    await writeFile(file, stringify({ ...promConfig, rule_files: [], scrape_configs: [{ job_name: 'x', scrape_interval: 'soon' }] }));
    await expect(run(await resolveTool('promtool'), ['check', 'config', file])).rejects.toThrow();
    const copy = await mkdtemp(join(tmpdir(), 'compose-broken-'));
    try {
      await cp(out.dir, copy, { recursive: true });
      await writeFile(join(copy, 'compose', 'prometheus.yml'), stringify({ ...promConfig, global: { ...promConfig.global, scrape_interval: 'soon' } }));
      expect(await prometheusConfigProblems(join(copy, 'compose'))).toEqual([expect.stringContaining('promtool check config prometheus.yml')]);
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  });

  test('it loads the first environment’s rule file and runs the exemplar, retention, lifecycle and external-URL flags of the config', () => {
    const prom = compose.services.prometheus!;
    const mounted = bindMounts(prom).find((m) => m.source === '../prometheus/production');
    expect(promConfig.rule_files).toEqual([`${mounted!.target}/rules.yml`]);
    expect(prom.command).toEqual(
      expect.arrayContaining([
        '--enable-feature=exemplar-storage',
        '--web.enable-lifecycle',
        '--config.file=/etc/prometheus/prometheus.yml',
        '--storage.tsdb.retention.time=${PROMETHEUS_RETENTION_TIME:-30d}',
        `--web.external-url=${project.alerting.urls.prometheus}`,
        '--web.route-prefix=/',
      ]),
    );
    expect((prom.command as string[]).some((f) => f.startsWith('--storage.tsdb.retention.size='))).toBe(true);
    expect(bindMounts(prom).find((m) => m.source === './prometheus.yml')?.target).toBe('/etc/prometheus/prometheus.yml');
    expect(promConfig.global).toMatchObject({ scrape_interval: '15s', evaluation_interval: '15s', external_labels: { environment: 'production' } });
  });

  test('the job names are the stack jobs of signals/alert-settings.ts and the project’s service', () => {
    expect(promConfig.scrape_configs.map((c) => c.job_name).sort()).toEqual([...Object.values(STACK_JOBS), SERVICE].sort());
  });

  test('the service is scraped as its service.name, on its port and metrics path', () => {
    const service = compose.services[SERVICE]!;
    expect(environmentOf(service).get('SERVICE_NAME')).toBe(SERVICE);
    const job = promConfig.scrape_configs.find((c) => c.job_name === SERVICE);
    expect(job?.static_configs?.[0]?.targets).toEqual([`${SERVICE}:8080`]);
    expect(job?.metrics_path).toBe('/metrics');
    expect(environmentOf(service).get('PORT')).toBe('8080');
  });

  test('every scrape target and the Alertmanager address name a service on a port it listens on', () => {
    const addresses = [
      ...promConfig.scrape_configs.flatMap((c) => [
        ...(c.static_configs ?? []).flatMap((s) => s.targets),
        ...(c.dns_sd_configs ?? []).flatMap((d) => d.names.map((n) => `${n}:${d.port}`)),
      ]),
      ...promConfig.alerting.alertmanagers.flatMap((a) => a.static_configs.flatMap((s) => s.targets)),
    ];
    expect(addresses.length).toBe(promConfig.scrape_configs.length + 1);
    expect(addresses.map(problemWith).filter((p) => p !== undefined)).toEqual([]);
    expect(problemWith('grafana:3001')).toBe('grafana:3001: grafana does not expose 3001');
  });

  test('services outside the default profile are found by DNS, so a light stack has no down targets', () => {
    for (const c of promConfig.scrape_configs) {
      const name = c.static_configs?.[0]?.targets[0]?.split(':')[0] ?? c.dns_sd_configs?.[0]?.names[0];
      const optional = compose.services[name!]?.profiles !== undefined;
      expect(c.dns_sd_configs !== undefined, c.job_name).toBe(optional);
    }
  });
});

describe('Alertmanager configuration', () => {
  const view = containerViewOf('alertmanager');

  test('amtool check-config accepts it with the mounted notification template', async () => {
    const { stdout } = await run(await resolveTool('amtool'), ['check-config', join(view.root(), 'etc/alertmanager/config/alertmanager.yml')]);
    expect(stdout).toContain('SUCCESS');
    // The templates glob (*.tmpl, beside the config) finds the mounted notifications.tmpl and it parses.
    expect(stdout).toMatch(/- 1 templates\s*\n\s*SUCCESS/);
  });

  test('every secret file the receivers read is a Compose secret fed from .env', () => {
    const text = readFileSync(join(view.root(), 'etc/alertmanager/config/alertmanager.yml'), 'utf8');
    const wanted = [...text.matchAll(/_file: (\S+)/g)].map((m) => m[1]!).sort();
    expect(wanted.length).toBeGreaterThan(0);
    const secrets = (compose.services.alertmanager!.secrets ?? []).map((s) => (typeof s === 'string' ? { source: s, target: `/run/secrets/${s}` } : s));
    expect(secrets.map((s) => s.target).sort()).toEqual(wanted);
    for (const s of secrets) expect(compose.secrets?.[s.source]?.environment, s.source).toMatch(/^ALERTMANAGER_[A-Z_]+$/);
  });

  test('its state is kept in a named volume at --storage.path, and its links use the config’s URL', () => {
    const am = compose.services.alertmanager!;
    expect(am.command).toContain('--storage.path=/alertmanager');
    expect(am.command).toContain(`--web.external-url=${project.alerting.urls.alertmanager}`);
    expect(am.volumes).toContain('alertmanager-data:/alertmanager');
  });
});

describe('Grafana provisioning', () => {
  const grafana = compose.services.grafana!;
  const provisioning = bindMounts(grafana).find((m) => m.target === '/etc/grafana/provisioning')!;
  const datasources = parse(readFileSync(resolve(composeDir, provisioning.source, 'datasources/datasources.yaml'), 'utf8')) as { datasources: { name: string; url: string }[] };

  test('every datasource URL names a service of the bundle on a port it listens on', () => {
    expect(datasources.datasources.map((d) => problemWith(d.url)).filter((p) => p !== undefined)).toEqual([]);
  });

  test('the dashboards are mounted where the providers look for them', () => {
    const providers = parse(readFileSync(resolve(composeDir, provisioning.source, 'dashboards/dashboards.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const dashboards = bindMounts(grafana).find((m) => m.source === '../grafana/dashboards')!;
    expect(providers.providers.length).toBeGreaterThan(0);
    for (const p of providers.providers) {
      expect(p.options.path.startsWith(`${dashboards.target}/`)).toBe(true);
      expect(existsSync(resolve(composeDir, dashboards.source, p.options.path.slice(dashboards.target.length + 1)))).toBe(true);
    }
  });

  test('every variable the provisioning files expand is set in the Grafana container', () => {
    const text = readFileSync(resolve(composeDir, provisioning.source, 'datasources/datasources.yaml'), 'utf8');
    const vars = [...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
    expect(vars).toEqual(expect.arrayContaining(['ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD']));
    const env = environmentOf(grafana);
    expect(vars.filter((v) => !env.has(v))).toEqual([]);
  });

  test('the admin password is required from .env, anonymous access is off, and the root URL is the config’s', () => {
    const env = environmentOf(grafana);
    expect(env.get('GF_SECURITY_ADMIN_PASSWORD')).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?.+\}$/);
    expect(env.get('GF_AUTH_ANONYMOUS_ENABLED')).toBe('false');
    expect(env.get('GF_SERVER_ROOT_URL')).toBe(project.alerting.urls.grafana);
  });
});

describe('Jaeger configuration', () => {
  const jaeger = compose.services.jaeger!;
  const file = bindMounts(jaeger).find((m) => m.target === '/etc/jaeger/config.yaml')!;
  const text = readFileSync(resolve(composeDir, file.source), 'utf8');
  const config = parse(text) as {
    service: { telemetry: { metrics: { readers: { pull: { exporter: { prometheus: { host: string; port: number } } } }[] } } };
  };

  test('it is the file the container is started with', () => {
    expect(jaeger.command).toEqual(['--config', file.target]);
  });

  test('its listeners are the ports services.ts describes, on every interface of the container', () => {
    const endpoints = [...text.matchAll(/endpoint: ([0-9.]+):(\d+)/g)].map((m) => ({ host: m[1], port: Number(m[2]) }));
    const metrics = config.service.telemetry.metrics.readers[0]!.pull.exporter.prometheus;
    const listening = [...endpoints, { host: metrics.host, port: metrics.port }];
    for (const e of listening) expect(e.host).toBe('0.0.0.0');
    const ports = listening.map((e) => e.port).filter((p) => p !== 16685);
    expect(ports.sort()).toEqual([...described.get('jaeger')!.listens].sort());
    expect(metrics.port).toBe(described.get('jaeger')!.scrape!.port);
  });

  test('the service sends OTLP/HTTP to it', () => {
    const endpoint = environmentOf(compose.services[SERVICE]!).get('OTEL_EXPORTER_OTLP_ENDPOINT')!;
    expect(endpoint).toBe('http://jaeger:4318');
    expect(problemWith(endpoint)).toBeUndefined();
  });
});
