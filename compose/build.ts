// The compose bundle of a project: `buildCompose(project, built)` returns
// every file under compose/ of the output folder. compose.yaml is the stack
// of compose/template/compose.yaml, less the components the project's
// `stack` turns off, with one service per project service in front;
// prometheus.yml scrapes all of them. Rules, Alertmanager configuration and
// Grafana files are not copied: compose.yaml mounts them from the output
// folder's prometheus/<env>, alertmanager/<env> and grafana/ (the first
// environment of the project), which `built` must hold.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, parseDocument, type Scalar, type YAMLMap, type YAMLSeq, stringify } from 'yaml';
import { type AlertConfig, configFor, environmentsOf } from '../signals/alert-settings.ts';
import { hashHeader } from '../signals/generated.ts';
import type { ProjectConfig, ServiceConfig } from '../signals/project/config.ts';
import { receiverSecretFiles, serviceEnvironment } from '../signals/bundles.ts';
import { prometheusConfig } from './prometheus-config.ts';
import { ALERTMANAGER_CONFIG_DIR, bundleServices, PROMETHEUS_RULES_DIR, projectService, STACK_COMPONENTS } from './services.ts';

const TEMPLATE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'template');

const template = (path: string): string => readFileSync(join(TEMPLATE_DIR, path), 'utf8');

/** The header, after a script's `#!` line. */
function withHeader(text: string): string {
  if (!text.startsWith('#!')) return hashHeader() + text;
  const eol = text.indexOf('\n') + 1;
  return text.slice(0, eol) + hashHeader() + text.slice(eol);
}

/** A Compose secret feeding one file Alertmanager reads: its name and the .env variable it is written from. */
interface ReceiverSecret {
  readonly file: string;
  readonly name: string;
  readonly variable: string;
}

/** One secret per receiver file, named after the file (pagerduty-routing-key → ALERTMANAGER_PAGERDUTY_ROUTING_KEY). */
function receiverSecrets(project: ProjectConfig): ReceiverSecret[] {
  const used = new Set<string>();
  return receiverSecretFiles(project.alerting).map((file) => {
    const stem = basename(file).replace(/[^A-Za-z0-9]+/g, '_').replace(/^_|_$/g, '').toLowerCase() || 'secret';
    let name = `alertmanager_${stem}`;
    for (let i = 2; used.has(name); i++) name = `alertmanager_${stem}_${i}`;
    used.add(name);
    return { file, name, variable: name.toUpperCase() };
  });
}

/** What `built` must hold for compose.yaml's mounts of the output folder: a file, or a folder (ending in /) with files. */
const mountedFiles = (env: string): string[] => [
  `prometheus/${env}/rules.yml`,
  `alertmanager/${env}/alertmanager.yml`,
  'grafana/provisioning/datasources/datasources.yaml',
  'grafana/dashboards/',
];

/** A probe that needs nothing but the Node the service runs on: the exporter's /healthz. */
const nodeHealthcheck = (port: number): string[] => [
  'CMD',
  'node',
  '-e',
  `fetch('http://127.0.0.1:${port}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
];

function serviceNode(doc: Document, service: ServiceConfig, settings: AlertConfig): YAMLMap {
  const node = doc.createNode({
    image: service.image,
    // The official Node images' unprivileged `node` user.
    user: '1000:1000',
    read_only: true,
    tmpfs: ['/tmp'],
    environment: { ...serviceEnvironment(service, settings.stack), DEPLOYMENT_ENVIRONMENT: settings.environment },
    expose: projectService(service).listens.map(String),
    healthcheck: { test: nodeHealthcheck(service.port), interval: '15s', timeout: '5s', retries: 3, start_period: '20s' },
    ...(settings.stack.traces && { depends_on: { jaeger: { condition: 'service_healthy' } } }),
    mem_limit: '256m',
    restart: 'unless-stopped',
  }) as YAMLMap;
  const test = node.getIn(['healthcheck', 'test'], true) as YAMLSeq<Scalar>;
  test.flow = true;
  for (const item of [...test.items, node.get('user', true) as Scalar]) item.type = 'QUOTE_DOUBLE';
  // The same hardening and log rotation as the stack's own services.
  node.items.splice(4, 0, doc.createPair('<<', doc.createAlias(doc.get('x-hardening', true) as YAMLMap)));
  node.add(doc.createPair('logging', doc.createAlias(doc.get('x-logging', true) as YAMLMap)));
  return node;
}

/** compose.yaml: the template's stack less what `stack` turns off, the project's services, its environment's mounts and URLs. */
function composeYaml(project: ProjectConfig, settings: AlertConfig): string {
  const doc = parseDocument(template('compose.yaml'), { merge: true });
  const env = settings.environment;
  const { urls } = project.alerting;
  doc.set('name', project.name);
  const services = doc.get('services') as YAMLMap;
  const running = new Set(bundleServices(project).map((s) => s.name));
  for (const c of STACK_COMPONENTS) if (!running.has(c.name)) services.delete(c.name);

  const seq = (path: string[]): YAMLSeq => doc.getIn(['services', ...path]) as YAMLSeq;
  seq(['prometheus', 'command']).items.push(
    doc.createNode(`--storage.tsdb.retention.time=\${PROMETHEUS_RETENTION_TIME:-${settings.stack.retention}}`),
    doc.createNode(`--web.external-url=${urls.prometheus}`),
  );
  seq(['prometheus', 'volumes']).items.splice(1, 0, doc.createNode(`../prometheus/${env}:${PROMETHEUS_RULES_DIR}:ro`));
  seq(['alertmanager', 'command']).items.push(doc.createNode(`--web.external-url=${urls.alertmanager}`));
  seq(['alertmanager', 'volumes']).items.unshift(doc.createNode(`../alertmanager/${env}:${ALERTMANAGER_CONFIG_DIR}:ro`));
  const secrets = receiverSecrets(project);
  if (secrets.length > 0) {
    doc.setIn(['services', 'alertmanager', 'secrets'], secrets.map((s) => ({ source: s.name, target: s.file })));
    const pair = doc.createPair('secrets', Object.fromEntries(secrets.map((s) => [s.name, { environment: s.variable }])));
    (pair.key as Scalar).spaceBefore = true;
    (pair.key as Scalar).commentBefore = ' One file per secret alertmanager.yml reads, written by Compose from a variable of .env.';
    (doc.contents as YAMLMap).items.push(pair);
  }
  doc.setIn(['services', 'grafana', 'environment', 'GF_SERVER_ROOT_URL'], urls.grafana);
  if (!settings.stack.logs) {
    for (const key of ['ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD']) doc.deleteIn(['services', 'grafana', 'environment', key]);
    doc.deleteIn(['volumes', 'elasticsearch-data']);
  }

  const added = project.services.map((s) => doc.createPair(s.name, serviceNode(doc, s, settings)));
  for (const pair of added.slice(1)) (pair.key as Scalar).spaceBefore = true;
  ((services.items[0]?.key ?? {}) as Scalar).spaceBefore = true;
  services.items.unshift(...added);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/**
 * .env.example: the template's paragraphs that set a variable compose.yaml
 * uses (or none), and one paragraph for the receivers' secrets.
 */
function envExample(composeText: string, logs: boolean, secrets: readonly ReceiverSecret[]): string {
  const used = new Set([...composeText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
  if (logs) used.add('COMPOSE_PROFILES');
  const variables = (paragraph: string) => [...paragraph.matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1]!);
  const kept = template('.env.example')
    .trimEnd()
    .split(/\n\n+/)
    .filter((p) => variables(p).length === 0 || variables(p).some((v) => used.has(v)));
  if (secrets.length > 0) {
    kept.push(
      [
        '# Alertmanager receivers: alertmanager.yml reads each secret from a file, which Compose',
        '# writes from the variable below. Leave one empty and only that receiver fails to send.',
        ...secrets.flatMap((s) => [`# ${s.file}`, `${s.variable}=`]),
      ].join('\n'),
    );
  }
  return `${kept.join('\n\n')}\n`;
}

/** Every file of the compose bundle, by path relative to the output folder. */
export function buildCompose(project: ProjectConfig, built: ReadonlyMap<string, string>): Map<string, string> {
  // The first environment: its rules, routing and retention.
  const env = environmentsOf(project)[0]!;
  const settings = configFor(project, env);
  const missing = mountedFiles(env).filter((p) => ![...built.keys()].some((k) => (p.endsWith('/') ? k.startsWith(p) : k === p)));
  if (missing.length > 0) throw new Error(`the compose bundle mounts files the alerts and dashboards builds did not produce: ${missing.join(', ')}`);

  const compose = composeYaml(project, settings);
  const files = new Map<string, string>([
    ['compose/compose.yaml', hashHeader() + compose],
    ['compose/prometheus.yml', hashHeader() + stringify(prometheusConfig(settings, bundleServices(project)), { lineWidth: 0 })],
    ['compose/.env.example', hashHeader() + envExample(compose, settings.stack.logs, receiverSecrets(project))],
    // npm leaves .gitignore files out of packages: the template has no dot.
    ['compose/.gitignore', withHeader(template('gitignore'))],
  ]);
  const supporting: [string, boolean][] = [
    ['elasticsearch/setup.sh', settings.stack.logs],
    ['logstash/pipeline/logstash.conf', settings.stack.logs],
    ['jaeger/config.yaml', settings.stack.traces],
  ];
  for (const [path, wanted] of supporting) if (wanted) files.set(`compose/${path}`, withHeader(template(path)));
  return files;
}
