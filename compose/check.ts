// `checkComposeBundle(dir)`: what `observability-kit check` proves about a
// generated compose bundle (the output folder's compose/) before anyone runs
// `docker compose up`: the Compose Specification's schema, the bundle's
// policies, files that every bind mount needs, a complete .env.example,
// every address in the configuration naming a service on a port it
// declares, a Compose secret for every file Alertmanager reads, and
// promtool's check of prometheus.yml with its rule files laid out as in the
// container. Returns one sentence per problem.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, stringify } from 'yaml';
import { toolProblems } from '../toolchain/index.ts';
import { bindMounts, type ComposeFile, composeFileOf, copyMounts, declaredPorts, environmentOf, parseCompose, referencedVariables } from './model.ts';
import { composeViolations } from './policy.ts';

const require = createRequire(import.meta.url);

let validator: ValidateFunction | undefined;

/** The Compose Specification's JSON schema, as dclint ships it, compiled once. */
function composeValidator(): ValidateFunction {
  if (validator !== undefined) return validator;
  const file = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');
  const { $schema, ...schema } = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  // Ajv's default dialect is draft-07; the file names it by an https URI Ajv does not know.
  if (!String($schema).includes('draft-07')) throw new Error(`compose schema dialect changed: ${String($schema)}`);
  validator = new Ajv({ allErrors: true, strict: false }).compile(schema);
  return validator;
}

/** What the Compose Specification's JSON schema finds wrong with a parsed compose file. */
export function composeSchemaErrors(compose: unknown): string[] {
  const validate = composeValidator();
  if (validate(compose)) return [];
  return (validate.errors ?? []).map((e) => `compose.yaml${e.instancePath.replaceAll('/', '.')}: ${e.message ?? 'invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
}

/** The container path a service mounts `target` from, on this machine. */
function mountedSource(compose: ComposeFile, dir: string, service: string, target: string): string | undefined {
  const mounts = bindMounts(compose.services[service] ?? {});
  const exact = mounts.find((m) => m.target === target);
  if (exact) return resolve(dir, exact.source);
  const parent = mounts.find((m) => target.startsWith(`${m.target}/`));
  return parent && resolve(dir, parent.source, target.slice(parent.target.length + 1));
}

/** `host:port` or a URL → a service of the bundle declaring that port, or why not. */
export function addressProblem(compose: ComposeFile, address: string): string | undefined {
  const url = /^[a-z]+:\/\//.test(address) ? new URL(address) : new URL(`http://${address}`);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const service = compose.services[url.hostname];
  if (service === undefined) return `${address}: no service ${url.hostname}`;
  if (!declaredPorts(service).has(port)) return `${address}: ${url.hostname} does not expose ${port}`;
  return undefined;
}

interface PromConfig {
  rule_files?: string[];
  alerting?: { alertmanagers?: { static_configs?: { targets: string[] }[] }[] };
  scrape_configs?: { job_name: string; static_configs?: { targets: string[] }[]; dns_sd_configs?: { names: string[]; port: number }[] }[];
}

/** Every address the stack's own configuration connects to, as [who, address]. */
function configuredAddresses(compose: ComposeFile, dir: string): [string, string][] {
  const out: [string, string][] = [];
  const promFile = mountedSource(compose, dir, 'prometheus', '/etc/prometheus/prometheus.yml');
  if (promFile && existsSync(promFile)) {
    const prom = parse(readFileSync(promFile, 'utf8')) as PromConfig;
    for (const c of prom.scrape_configs ?? []) {
      for (const t of (c.static_configs ?? []).flatMap((s) => s.targets)) out.push([`prometheus.yml job ${c.job_name}`, t]);
      for (const d of c.dns_sd_configs ?? []) for (const n of d.names) out.push([`prometheus.yml job ${c.job_name}`, `${n}:${d.port}`]);
    }
    for (const t of (prom.alerting?.alertmanagers ?? []).flatMap((a) => (a.static_configs ?? []).flatMap((s) => s.targets))) out.push(['prometheus.yml alerting', t]);
  }
  const datasources = mountedSource(compose, dir, 'grafana', '/etc/grafana/provisioning/datasources');
  if (datasources && existsSync(datasources)) {
    for (const f of readdirSync(datasources).filter((n) => /\.ya?ml$/.test(n))) {
      const file = parse(readFileSync(join(datasources, f), 'utf8')) as { datasources?: { name: string; url?: string }[] };
      for (const d of file.datasources ?? []) if (d.url) out.push([`Grafana datasource ${d.name}`, d.url]);
    }
  }
  for (const [name, service] of Object.entries(compose.services)) {
    const env = environmentOf(service);
    const otlp = env.get('OTEL_EXPORTER_OTLP_ENDPOINT');
    if (otlp) out.push([`${name} OTEL_EXPORTER_OTLP_ENDPOINT`, otlp]);
    const logstash = env.get('LOGSTASH_HOST');
    if (logstash) out.push([`${name} LOGSTASH_HOST/LOGSTASH_PORT`, `${logstash}:${env.get('LOGSTASH_PORT') ?? ''}`]);
  }
  return out;
}

/** Alertmanager's `*_file` settings, each of which a Compose secret must provide. */
function receiverFileProblems(compose: ComposeFile, dir: string): string[] {
  const am = compose.services.alertmanager;
  const configFile = am && mountedSource(compose, dir, 'alertmanager', '/etc/alertmanager/config/alertmanager.yml');
  if (!configFile || !existsSync(configFile)) return am ? ['alertmanager: its configuration /etc/alertmanager/config/alertmanager.yml is not mounted'] : [];
  const wanted = [...readFileSync(configFile, 'utf8').matchAll(/_file: ['"]?([^'"\s]+)/g)].map((m) => m[1]!);
  const secrets = (am.secrets ?? []).map((s) => (typeof s === 'string' ? { source: s, target: `/run/secrets/${s}` } : s));
  const out = wanted.filter((f) => !secrets.some((s) => s.target === f)).map((f) => `alertmanager reads ${f}, which no Compose secret provides`);
  for (const s of secrets) if (compose.secrets?.[s.source] === undefined) out.push(`alertmanager uses secret ${s.source}, which the file does not define`);
  return out;
}

/** .env.example names every variable compose.yaml uses and the secrets read from the environment; no secret has a value. */
function envExampleProblems(compose: ComposeFile, text: string, dir: string): string[] {
  const file = join(dir, '.env.example');
  if (!existsSync(file)) return ['.env.example is missing'];
  const entries = new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  const used = [...referencedVariables(text), ...Object.values(compose.secrets ?? {}).flatMap((s) => (s.environment === undefined ? [] : [s.environment]))];
  const out = used.filter((v) => !entries.has(v)).map((v) => `.env.example does not list ${v}, which compose.yaml uses`);
  for (const [name, value] of entries) {
    if (!used.includes(name) && name !== 'COMPOSE_PROFILES') out.push(`.env.example lists ${name}, which nothing uses`);
    if (/PASSWORD|SECRET|TOKEN|KEY|API_URL|_URL$/.test(name) && value !== '') out.push(`.env.example gives the secret ${name} a value: leave it empty`);
  }
  return out;
}

/** Every check that needs no binary. */
export function composeProblems(dir: string): string[] {
  const path = composeFileOf(dir);
  if (!existsSync(path)) return [`${path} is missing`];
  const text = readFileSync(path, 'utf8');
  const compose = parseCompose(text);
  const mounts = Object.entries(compose.services).flatMap(([name, s]) => bindMounts(s).filter((m) => !m.source.startsWith('/')).map((m) => [name, m.source] as const));
  return [
    ...composeSchemaErrors(compose),
    ...composeViolations(compose, text),
    ...mounts.filter(([, source]) => !existsSync(resolve(dir, source))).map(([name, source]) => `service ${name} mounts ${source}, which does not exist`),
    ...envExampleProblems(compose, text, dir),
    ...configuredAddresses(compose, dir).flatMap(([who, address]) => {
      const problem = addressProblem(compose, address);
      return problem === undefined ? [] : [`${who}: ${problem}`];
    }),
    ...receiverFileProblems(compose, dir),
  ];
}

/** `promtool check config` on prometheus.yml with its rule files, laid out as the container sees them. */
export async function prometheusConfigProblems(dir: string): Promise<string[]> {
  const compose = parseCompose(await readFile(composeFileOf(dir), 'utf8'));
  const prometheus = compose.services.prometheus;
  if (prometheus === undefined) return ['compose.yaml has no prometheus service'];
  const root = await mkdtemp(join(tmpdir(), 'compose-prometheus-'));
  try {
    await copyMounts(prometheus, dir, root);
    const file = join(root, 'etc/prometheus/prometheus.yml');
    const config = parse(await readFile(file, 'utf8')) as PromConfig;
    // Absolute container paths, re-rooted where the container's view was copied.
    await writeFile(file, stringify({ ...config, rule_files: (config.rule_files ?? []).map((f) => join(root, f)) }));
    return await toolProblems('promtool', ['check', 'config', file], undefined, 'promtool check config prometheus.yml: ');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Every problem of the compose bundle in `dir` (the output folder's compose/); empty when it is sound. */
export async function checkComposeBundle(dir: string): Promise<string[]> {
  const problems = composeProblems(dir);
  if (problems.some((p) => p.endsWith('is missing'))) return problems;
  return [...problems, ...(await prometheusConfigProblems(dir))];
}
