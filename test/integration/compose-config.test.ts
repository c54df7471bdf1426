// The files compose/compose.yaml mounts: they exist, the generated ones equal
// a fresh build, the real promtool and amtool accept them laid out as the
// containers see them, and every address in them (scrape targets, Alertmanager,
// Grafana datasources, the demo's telemetry) names a service of the bundle on
// a port that service listens on.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parse, stringify } from 'yaml';
import { baseConfig } from '../../signals/alert-settings.ts';
import { buildCompose, COMPOSE_DIR } from '../../compose/build.ts';
import { bindMounts, copyMounts, declaredPorts, environmentOf, loadCompose } from '../../compose/model.ts';
import { DEMO_JOB, SERVICES, type StackService } from '../../compose/services.ts';
import { resolveTool } from '../../toolchain/tools.ts';

const run = promisify(execFile);
const compose = loadCompose();
const described = new Map((SERVICES as readonly StackService[]).map((s) => [s.name, s]));

interface PromConfig {
  rule_files: string[];
  alerting: { alertmanagers: { static_configs: { targets: string[] }[] }[] };
  scrape_configs: {
    job_name: string;
    metrics_path: string;
    static_configs?: { targets: string[] }[];
    dns_sd_configs?: { names: string[]; type: string; port: number }[];
  }[];
}
const promConfig = parse(readFileSync(join(COMPOSE_DIR, 'generated/prometheus.yml'), 'utf8')) as PromConfig;

/** `host:port` → a service of the bundle listening there, or why not. */
function problemWith(address: string): string | undefined {
  const url = /^[a-z]+:\/\//.test(address) ? new URL(address) : new URL(`http://${address}`);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const service = compose.services[url.hostname];
  if (service === undefined) return `${address}: no service ${url.hostname}`;
  if (!declaredPorts(service).has(port)) return `${address}: ${url.hostname} does not expose ${port}`;
  if (!described.get(url.hostname)?.listens.includes(port)) return `${address}: services.ts says ${url.hostname} does not listen on ${port}`;
  return undefined;
}

/** A temp folder holding `serviceName`'s bind mounts at their container paths, for the tests of one describe block. */
function containerViewOf(serviceName: string): { root: () => string } {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `compose-${serviceName}-`));
    await copyMounts(compose.services[serviceName]!, dir);
  });
  afterAll(() => (dir === undefined ? undefined : rm(dir, { recursive: true, force: true })));
  return { root: () => dir! };
}

describe('mounted files', () => {
  const mounts = Object.entries(compose.services).flatMap(([name, s]) => bindMounts(s).filter((m) => !m.source.startsWith('/')).map((m) => [name, m.source] as const));

  test('the bundle mounts the generated rules, Alertmanager config, dashboards and Prometheus config', () => {
    const sources = mounts.map(([, source]) => source);
    expect(sources).toEqual(
      expect.arrayContaining([
        './generated/prometheus.yml',
        '../alerts/generated/production/rules.yml',
        '../alerts/generated/production/alertmanager.yml',
        '../alerts/generated/production/notifications.tmpl',
        '../dashboards/generated/provisioning',
        '../dashboards/generated/dashboards',
      ]),
    );
  });

  test.each(mounts)('%s mounts %s, which exists', (_name, source) => {
    expect(existsSync(resolve(COMPOSE_DIR, source))).toBe(true);
  });

  test('the only host path mounted is / into node-exporter, read-only', () => {
    const host = Object.entries(compose.services).flatMap(([name, s]) => bindMounts(s).filter((m) => m.source.startsWith('/')).map((m) => `${name} ${m.source}:${m.target}`));
    expect(host).toEqual(['node-exporter /:/host']);
    expect(compose.services['node-exporter']!.volumes).toContain('/:/host:ro,rslave');
  });

  test('the committed generated files equal a fresh build (run `npm run build:compose`)', async () => {
    for (const [path, content] of buildCompose()) {
      expect(await readFile(join(COMPOSE_DIR, path), 'utf8'), path).toBe(content);
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

  test('promtool rejects a broken copy (the check is not a no-op)', async () => {
    const file = join(view.root(), 'broken.yml');
    await writeFile(file, stringify({ ...promConfig, rule_files: [], scrape_configs: [{ job_name: 'x', scrape_interval: 'soon' }] }));
    await expect(run(await resolveTool('promtool'), ['check', 'config', file])).rejects.toThrow();
  });

  test('it loads the production rule file and runs the exemplar, retention and lifecycle flags', () => {
    const prom = compose.services.prometheus!;
    const mounted = bindMounts(prom).find((m) => m.source === '../alerts/generated/production/rules.yml');
    expect(promConfig.rule_files).toEqual([mounted!.target]);
    const flags = prom.command as string[];
    expect(flags).toEqual(expect.arrayContaining(['--enable-feature=exemplar-storage', '--web.enable-lifecycle', '--config.file=/etc/prometheus/prometheus.yml']));
    expect(flags.some((f) => f.startsWith('--storage.tsdb.retention.time='))).toBe(true);
    expect(flags.some((f) => f.startsWith('--storage.tsdb.retention.size='))).toBe(true);
    expect(bindMounts(prom).find((m) => m.source === './generated/prometheus.yml')?.target).toBe('/etc/prometheus/prometheus.yml');
  });

  test('the job names are the stack jobs of signals/alert-settings.ts and the demo service', () => {
    expect(promConfig.scrape_configs.map((c) => c.job_name).sort()).toEqual([...Object.values(baseConfig.stack.jobs), DEMO_JOB].sort());
  });

  test('the demo is scraped as its service.name', () => {
    const demo = compose.services.demo!;
    expect(environmentOf(demo).get('SERVICE_NAME')).toBe(DEMO_JOB);
    const job = promConfig.scrape_configs.find((c) => c.job_name === DEMO_JOB);
    expect(job?.static_configs?.[0]?.targets).toEqual(['demo:8080']);
    expect(environmentOf(demo).get('PORT')).toBe('8080');
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
    const { stdout } = await run(await resolveTool('amtool'), ['check-config', join(view.root(), 'etc/alertmanager/alertmanager.yml')]);
    expect(stdout).toContain('SUCCESS');
    // The templates glob (*.tmpl, beside the config) finds the mounted notifications.tmpl and it parses.
    expect(stdout).toMatch(/- 1 templates\s*\n\s*SUCCESS/);
  });

  test('every secret file the receivers read is a Compose secret fed from .env', () => {
    const text = readFileSync(join(view.root(), 'etc/alertmanager/alertmanager.yml'), 'utf8');
    const wanted = [...text.matchAll(/_file: (\S+)/g)].map((m) => m[1]!).sort();
    expect(wanted.length).toBeGreaterThan(0);
    const secrets = (compose.services.alertmanager!.secrets ?? []).map((s) => (typeof s === 'string' ? { source: s, target: `/run/secrets/${s}` } : s));
    expect(secrets.map((s) => s.target).sort()).toEqual(wanted);
    for (const s of secrets) expect(compose.secrets?.[s.source]?.environment, s.source).toMatch(/^ALERTMANAGER_[A-Z_]+$/);
  });

  test('its state is kept in a named volume at --storage.path', () => {
    const am = compose.services.alertmanager!;
    expect(am.command).toContain('--storage.path=/alertmanager');
    expect(am.volumes).toContain('alertmanager-data:/alertmanager');
  });
});

describe('Grafana provisioning', () => {
  const grafana = compose.services.grafana!;
  const provisioning = bindMounts(grafana).find((m) => m.target === '/etc/grafana/provisioning')!;
  const datasources = parse(readFileSync(resolve(COMPOSE_DIR, provisioning.source, 'datasources/datasources.yaml'), 'utf8')) as { datasources: { name: string; url: string }[] };

  test('every datasource URL names a service of the bundle on a port it listens on', () => {
    expect(datasources.datasources.map((d) => problemWith(d.url)).filter((p) => p !== undefined)).toEqual([]);
  });

  test('the dashboards are mounted where the providers look for them', () => {
    const providers = parse(readFileSync(resolve(COMPOSE_DIR, provisioning.source, 'dashboards/dashboards.yaml'), 'utf8')) as { providers: { options: { path: string } }[] };
    const dashboards = bindMounts(grafana).find((m) => m.source === '../dashboards/generated/dashboards')!;
    for (const p of providers.providers) {
      expect(p.options.path.startsWith(`${dashboards.target}/`)).toBe(true);
      expect(existsSync(resolve(COMPOSE_DIR, dashboards.source, p.options.path.slice(dashboards.target.length + 1)))).toBe(true);
    }
  });

  test('every variable the provisioning files expand is set in the Grafana container', () => {
    const text = readFileSync(resolve(COMPOSE_DIR, provisioning.source, 'datasources/datasources.yaml'), 'utf8');
    const vars = [...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]!);
    expect(vars).toEqual(expect.arrayContaining(['ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD']));
    const env = environmentOf(grafana);
    expect(vars.filter((v) => !env.has(v))).toEqual([]);
  });

  test('the admin password is required from .env and anonymous access is off', () => {
    const env = environmentOf(grafana);
    expect(env.get('GF_SECURITY_ADMIN_PASSWORD')).toMatch(/^\$\{GRAFANA_ADMIN_PASSWORD:\?.+\}$/);
    expect(env.get('GF_AUTH_ANONYMOUS_ENABLED')).toBe('false');
  });
});

describe('Jaeger configuration', () => {
  const jaeger = compose.services.jaeger!;
  const file = bindMounts(jaeger).find((m) => m.target === '/etc/jaeger/config.yaml')!;
  const text = readFileSync(resolve(COMPOSE_DIR, file.source), 'utf8');
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

  test('the demo sends OTLP/HTTP to it', () => {
    const endpoint = environmentOf(compose.services.demo!).get('OTEL_EXPORTER_OTLP_ENDPOINT')!;
    expect(endpoint).toBe('http://jaeger:4318');
    expect(problemWith(endpoint)).toBeUndefined();
  });
});
