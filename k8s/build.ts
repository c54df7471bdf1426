// The Kubernetes bundle of a project: `buildK8s(project, built)` returns
// every file under k8s/ of the output folder.
//  - base/: the stack components of k8s/template/base (those the project's
//    `stack` runs), one Deployment, Service and NetworkPolicies per project
//    service, and Grafana's provisioning and dashboards copied from `built`
//    (kustomize only loads files inside its root);
//  - overlays/<env>/ for every environment: its replicas (with a
//    PodDisruptionBudget and an HPA above one), its retention, and its
//    Prometheus configuration, rules and Alertmanager configuration;
//  - components/: ingress and vpa for any overlay, prometheus-operator/<env>
//    and keda/<env> for one environment each (its PrometheusRule, its
//    replicas);
//  - README.md: the Secrets to create and the commands to apply.
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type Document, parse, parseDocument, stringify, type YAMLMap, type YAMLSeq } from 'yaml';
import { type AlertConfig, configFor, DEFAULT_METRICS_PATH, environmentsOf } from '../signals/alert-settings.ts';
import { DEFAULT_INGRESS_NAMESPACE, HA_REPLICAS, highAvailability, isReservedServiceName, namespaceOf, receiverSecretFiles, remoteWriteOf, serviceEnvironment } from '../signals/bundles.ts';
import { hashHeader, markdownHeader } from '../signals/generated.ts';
import type { ProjectConfig, ServiceConfig } from '../signals/project/config.ts';
import { seconds } from '../signals/slo/spec.ts';
import { documents, joinDocuments, kindOf, nameOf, yamlFile } from './documents.ts';
import { NODE_EXPORTER_NAMESPACE, prometheusConfig } from './prometheus-config.ts';
import { readTemplate, template, TEMPLATE_DIR, type TemplateValues } from './template.ts';

/** Stack components of the base and the `stack` switch each needs (none: always there). */
const STACK_FILES: readonly (readonly [file: string, needs?: 'logs' | 'traces'])[] = [
  ['prometheus.yaml'],
  ['alertmanager.yaml'],
  ['grafana.yaml'],
  ['jaeger.yaml', 'traces'],
  ['elasticsearch.yaml', 'logs'],
  ['logstash.yaml', 'logs'],
  ['kibana.yaml', 'logs'],
  ['kube-state-metrics.yaml'],
];
const LOGSTASH_FILES = ['logstash/logstash.yml', 'logstash/pipelines.yml', 'logstash/logstash.conf'];
/** The compose bundle's Elasticsearch setup script (users, roles, log retention): one script, run by both bundles. */
export const ELASTICSEARCH_SETUP_SCRIPT = join(TEMPLATE_DIR, '..', '..', 'compose', 'template', 'elasticsearch', 'setup.sh');

/** The keys of the Secret elasticsearch-credentials: one password per Elasticsearch user of the bundle. */
export const ELASTICSEARCH_PASSWORD_KEYS = ['elastic-password', 'kibana-system-password', 'logstash-writer-password', 'grafana-reader-password', 'exporter-password'] as const;
/** The key of Jaeger's writer, where an environment's Jaeger stores traces in Elasticsearch. */
export const JAEGER_PASSWORD_KEY = 'jaeger-writer-password';

/** The compose bundle's Jaeger configuration (traces in memory), which the Elasticsearch one is made from. */
const JAEGER_MEMORY_CONFIG = join(TEMPLATE_DIR, '..', '..', 'compose', 'template', 'jaeger', 'config.yaml');

/** An environment that survives a node loss keeps its traces in the bundle's Elasticsearch; the others in memory. */
export const tracesInElasticsearch = (project: ProjectConfig, env: string): boolean => {
  const { stack } = configFor(project, env);
  return stack.traces && stack.logs && highAvailability(project, env);
};

/**
 * Jaeger v2's configuration with the bundle's Elasticsearch as its trace storage: the compose bundle's
 * (receivers, telemetry, health check, UI) with the memory backend replaced (keys of upstream's
 * cmd/jaeger/config-elasticsearch.yaml and internal/storage/elasticsearch/config).
 */
function jaegerElasticsearchConfig(): string {
  // Its header comment describes the memory store: dropped.
  const doc = parseDocument(readFileSync(JAEGER_MEMORY_CONFIG, 'utf8').replace(/^(?:#.*\n)+/, ''));
  const daily = () => ({ shards: 1, replicas: 0 });
  doc.commentBefore =
    " Jaeger v2 (an OpenTelemetry Collector distribution): OTLP in, traces in the bundle's Elasticsearch\n" +
    ' (daily jaeger-span-*/jaeger-service-* indices whose templates Jaeger installs), as the user jaeger_writer;\n' +
    " the Elasticsearch pod's setup container deletes indices older than TRACE_RETENTION_DAYS.";
  doc.setIn(
    ['extensions', 'jaeger_storage', 'backends'],
    doc.createNode({
      elasticsearch: {
        elasticsearch: {
          server_urls: ['http://elasticsearch:9200'],
          auth: { basic: { username: 'jaeger_writer', password_file: '/etc/jaeger-elasticsearch/password' } },
          create_mappings: true,
          indices: { spans: daily(), services: daily(), dependencies: daily(), sampling: daily() },
        },
      },
    }),
  );
  doc.setIn(['extensions', 'jaeger_query', 'storage', 'traces'], 'elasticsearch');
  doc.setIn(['exporters', 'jaeger_storage_exporter', 'trace_storage'], 'elasticsearch');
  return hashHeader() + doc.toString({ lineWidth: 0 });
}

/** Workloads of the stack, by the switch that runs them: the components' VPAs and Ingresses follow them. */
const RUNS_WITH: Readonly<Record<string, 'logs' | 'traces'>> = { jaeger: 'traces', elasticsearch: 'logs', kibana: 'logs' };

/** The most an HPA or ScaledObject scales a service to: four times its environment's replicas. */
export const maxReplicas = (replicas: number): number => replicas * 4;

const labelled = (name: string, component: string) => ({ labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': component } });

/** The labels every object of the project carries, set by each kustomization. */
const projectLabels = (project: ProjectConfig) => [
  { pairs: { 'app.kubernetes.io/part-of': project.name, 'app.kubernetes.io/managed-by': 'kustomize' }, includeTemplates: true },
];

const running = (settings: AlertConfig, needs: 'logs' | 'traces' | undefined): boolean => needs === undefined || settings.stack[needs];

/** Names that become folders, labels and object names: DNS labels. */
function checkNames(project: ProjectConfig): void {
  const bad = environmentsOf(project).filter((env) => !/^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(env));
  if (bad.length > 0) {
    throw new Error(`environments: ${bad.map((e) => `"${e}"`).join(', ')}: must be lowercase letters, digits and dashes (each names a Kubernetes overlay and the app.kubernetes.io/instance label)`);
  }
  const taken = project.services.filter((s) => isReservedServiceName(s.name));
  if (taken.length > 0) throw new Error(`services: ${taken.map((s) => `"${s.name}"`).join(', ')}: names an object of the Kubernetes bundle: choose another name`);
}

function serviceValues(project: ProjectConfig, service: ServiceConfig, settings: AlertConfig): TemplateValues {
  const interval = settings.stack.scrapeInterval;
  const replicas = settings.replicas[service.name] ?? 1;
  return {
    NAMESPACE: project.name,
    SERVICE: service.name,
    PORT: service.port,
    PORT_TEXT: String(service.port),
    METRICS_PATH: service.metricsPath ?? DEFAULT_METRICS_PATH,
    IMAGE: service.image,
    VERSION: /:([\w][\w.-]*)(?:@sha256:[a-f0-9]{64})?$/.exec(service.image.split('/').pop()!)?.[1],
    SCRAPE_INTERVAL: interval,
    INGRESS_NAMESPACE: project.stack?.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE,
    SCRAPE_TIMEOUT: seconds(interval as never) < 10 ? interval : '10s',
    REPLICAS: replicas,
    MAX_REPLICAS: maxReplicas(replicas),
  };
}

const stackValues = (project: ProjectConfig): TemplateValues => ({
  NAMESPACE: project.name,
  PROMETHEUS_URL: project.alerting.urls.prometheus,
  ALERTMANAGER_URL: project.alerting.urls.alertmanager,
  GRAFANA_URL: project.alerting.urls.grafana,
  INGRESS_NAMESPACE: project.stack?.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE,
  // No class: the cluster's default IngressClass.
  INGRESS_CLASS: project.stack?.ingressClass,
});

const workloadOf = (docs: readonly Document[]): Document => docs.find((d) => ['Deployment', 'StatefulSet'].includes(String(kindOf(d))))!;
const podPath = ['spec', 'template', 'spec'];

/** Grafana: one ConfigMap per dashboard folder, mounted where the providers look; no Elasticsearch credentials without logs. */
function grafanaYaml(project: ProjectConfig, settings: AlertConfig, folders: readonly string[]): string {
  const docs = documents(template('base/grafana.yaml', stackValues(project)));
  const doc = workloadOf(docs);
  const container = doc.getIn([...podPath, 'containers', 0]) as YAMLMap;
  const mounts = container.get('volumeMounts') as YAMLSeq;
  const volumes = doc.getIn([...podPath, 'volumes']) as YAMLSeq;
  for (const folder of folders) {
    mounts.add(doc.createNode({ name: `dashboards-${folder}`, mountPath: `/var/lib/grafana/dashboards/${folder}` }));
    volumes.add(doc.createNode({ name: `dashboards-${folder}`, configMap: { name: `grafana-dashboards-${folder}` } }));
  }
  if (!settings.stack.logs) {
    const env = container.get('env') as YAMLSeq<YAMLMap>;
    env.items = env.items.filter((e) => !String(e.get('name')).startsWith('ELASTICSEARCH_'));
  }
  return joinDocuments(docs);
}

/** The receivers' secret files as keys of the Secret alertmanager-receivers, mounted in the folders Alertmanager reads them from. */
function receiverMounts(project: ProjectConfig): { dir: string; keys: string[] }[] {
  const byDir = new Map<string, string[]>();
  const keys = new Set<string>();
  for (const file of receiverSecretFiles(project.alerting)) {
    const key = posix.basename(file);
    if (keys.has(key)) throw new Error(`alerting: two receiver secret files are named ${key}: give them different file names (each is a key of the Secret alertmanager-receivers)`);
    keys.add(key);
    byDir.set(posix.dirname(file), [...(byDir.get(posix.dirname(file)) ?? []), key]);
  }
  return [...byDir].map(([dir, k]) => ({ dir, keys: k }));
}

function alertmanagerYaml(project: ProjectConfig): string {
  const docs = documents(template('base/alertmanager.yaml', stackValues(project)));
  const doc = workloadOf(docs);
  const mounts = doc.getIn([...podPath, 'containers', 0, 'volumeMounts']) as YAMLSeq<YAMLMap>;
  const volumes = doc.getIn([...podPath, 'volumes']) as YAMLSeq<YAMLMap>;
  const receiversVolume = volumes.items.find((v) => v.get('name') === 'receivers')!;
  mounts.items = mounts.items.filter((m) => m.get('name') !== 'receivers');
  volumes.items = volumes.items.filter((v) => v !== receiversVolume);
  receiverMounts(project).forEach(({ dir, keys }, i) => {
    const name = i === 0 ? 'receivers' : `receivers-${i + 1}`;
    mounts.add(doc.createNode({ name, mountPath: dir, readOnly: true }));
    const volume = receiversVolume.clone() as YAMLMap;
    volume.set('name', name);
    volume.setIn(['secret', 'items'], doc.createNode(keys.map((key) => ({ key, path: key }))));
    volumes.add(volume);
  });
  return joinDocuments(docs);
}

/** One project service: its Deployment, Service and ServiceAccount, and the NetworkPolicies of the flows it has. */
function serviceYaml(project: ProjectConfig, service: ServiceConfig, settings: AlertConfig): string {
  const values = serviceValues(project, service, settings);
  const parts = ['service/service.yaml', 'service/networkpolicies.yaml', ...(settings.stack.traces ? ['service/traces-egress.yaml'] : []), ...(settings.stack.logs ? ['service/logs-egress.yaml'] : [])];
  return joinDocuments(parts.flatMap((p) => documents(template(p, values))));
}

/** Dashboard folders of the dashboards build: each becomes a ConfigMap and a mount. */
function dashboardFolders(built: ReadonlyMap<string, string>): Map<string, string[]> {
  const folders = new Map<string, string[]>();
  for (const path of built.keys()) {
    const m = /^grafana\/dashboards\/([^/]+)\/([^/]+\.json)$/.exec(path);
    if (m) folders.set(m[1]!, [...(folders.get(m[1]!) ?? []), m[2]!]);
  }
  const bad = [...folders.keys()].filter((f) => !/^[a-z0-9](?:[a-z0-9-]{0,40}[a-z0-9])?$/.test(f));
  if (bad.length > 0) throw new Error(`dashboard folders ${bad.join(', ')} cannot name ConfigMaps: use lowercase letters, digits and dashes`);
  return folders;
}

function baseFiles(project: ProjectConfig, settings: AlertConfig, built: ReadonlyMap<string, string>): Map<string, string> {
  const files = new Map<string, string>();
  const values = stackValues(project);
  const folders = dashboardFolders(built);
  const stack = STACK_FILES.filter(([, needs]) => running(settings, needs)).map(([file]) => file);
  files.set('k8s/base/namespace.yaml', joinDocuments(documents(template('base/namespace.yaml', values))));
  files.set('k8s/base/networkpolicies.yaml', joinDocuments(documents(template('base/networkpolicies.yaml', values))));
  // The two components whose objects depend on more than a value or two: the dashboard folders, the receivers' files.
  const edited: Readonly<Record<string, () => string>> = {
    'grafana.yaml': () => grafanaYaml(project, settings, [...folders.keys()]),
    'alertmanager.yaml': () => alertmanagerYaml(project),
  };
  for (const file of stack) files.set(`k8s/base/${file}`, edited[file]?.() ?? joinDocuments(documents(template(`base/${file}`, values))));
  if (settings.stack.logs) {
    for (const f of LOGSTASH_FILES) files.set(`k8s/base/${f}`, hashHeader() + template(`base/${f}`));
    const script = readFileSync(ELASTICSEARCH_SETUP_SCRIPT, 'utf8');
    const eol = script.indexOf('\n') + 1;
    files.set('k8s/base/elasticsearch/setup.sh', script.slice(0, eol) + hashHeader() + script.slice(eol));
  }
  for (const s of project.services) files.set(`k8s/base/services/${s.name}.yaml`, serviceYaml(project, s, settings));
  for (const [path, text] of built) if (path.startsWith('grafana/')) files.set(`k8s/base/${path}`, text);

  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: project.name,
    labels: projectLabels(project),
    resources: ['namespace.yaml', 'networkpolicies.yaml', ...stack, ...project.services.map((s) => `services/${s.name}.yaml`)],
    configMapGenerator: [
      ...project.services.map((s) => ({
        name: s.name,
        options: labelled(s.name, 'service'),
        literals: Object.entries(serviceEnvironment(s, settings.stack)).map(([k, v]) => `${k}=${v}`),
      })),
      { name: 'grafana-datasources', files: ['grafana/provisioning/datasources/datasources.yaml'], options: labelled('grafana', 'dashboards') },
      { name: 'grafana-dashboard-providers', files: ['grafana/provisioning/dashboards/dashboards.yaml'], options: labelled('grafana', 'dashboards') },
      ...[...folders].map(([folder, names]) => ({ name: `grafana-dashboards-${folder}`, files: names.map((n) => `grafana/dashboards/${folder}/${n}`), options: labelled('grafana', 'dashboards') })),
      ...(settings.stack.logs
        ? [
            { name: 'logstash-config', options: labelled('logstash', 'logs-pipeline'), files: ['logstash/logstash.yml', 'logstash/pipelines.yml'] },
            { name: 'logstash-pipeline', options: labelled('logstash', 'logs-pipeline'), files: ['logstash/logstash.conf'] },
            { name: 'elasticsearch-setup', options: labelled('elasticsearch', 'logs-storage'), files: ['elasticsearch/setup.sh'] },
          ]
        : []),
    ],
  };
  files.set(
    'k8s/base/kustomization.yaml',
    yamlFile(kustomization, `Your services and their monitoring stack in the namespace ${project.name}, hardened, with\ndefault-deny NetworkPolicies. Not applied alone: each overlay adds its environment's\nconfiguration. Secrets are created by you first (README.md); none is generated from literals.`),
  );
  return files;
}

/** Path of an arg of a stack workload's first container, for a JSON patch: its index in the base template. */
function argPath(file: string, startsWith: string): string {
  const args = workloadOf(documents(readTemplate(file))).getIn([...podPath, 'containers', 0, 'args']) as YAMLSeq;
  const index = args.items.findIndex((a) => String((a as { value?: unknown }).value ?? a).startsWith(startsWith));
  if (index < 0) throw new Error(`${file} has no arg ${startsWith}`);
  return `/spec/template/spec/containers/0/args/${index}`;
}

/** Replicas of one stack StatefulSet on different nodes where the cluster has them, and a budget that keeps `minAvailable`. */
function spreadAndBudget(name: string, component: string, replicas: number, minAvailable: number) {
  const selector = { matchLabels: { 'app.kubernetes.io/name': name } };
  return {
    patch: {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name },
      spec: {
        replicas,
        template: { spec: { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector }] } },
      },
    },
    budget: { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, ...labelled(name, component) }, spec: { minAvailable, selector } },
  };
}

/**
 * An environment that survives a node loss: Prometheus as a pair (each with its replica label),
 * Alertmanager as a cluster of three gossiping through the headless Service alertmanager-cluster.
 */
function highAvailabilityPatches(): { budgets: unknown[]; patches: unknown[] } {
  const prometheus = spreadAndBudget('prometheus', 'metrics', HA_REPLICAS.prometheus, 1);
  const alertmanager = spreadAndBudget('alertmanager', 'alerting', HA_REPLICAS.alertmanager, HA_REPLICAS.alertmanager - 1);
  const mesh = [
    { op: 'replace', path: argPath('base/alertmanager.yaml', '--cluster.listen-address='), value: '--cluster.listen-address=0.0.0.0:9094' },
    { op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--cluster.advertise-address=$(POD_IP):9094' },
    ...Array.from({ length: HA_REPLICAS.alertmanager }, (_, i) => ({ op: 'add', path: '/spec/template/spec/containers/0/args/-', value: `--cluster.peer=alertmanager-${i}.alertmanager-cluster:9094` })),
  ];
  return {
    budgets: [prometheus.budget, alertmanager.budget],
    patches: [
      { patch: stringify(prometheus.patch) },
      { patch: stringify(alertmanager.patch) },
      { target: { kind: 'StatefulSet', name: 'alertmanager' }, patch: JSON.stringify(mesh) },
    ],
  };
}

/**
 * Prometheus -> the long-term store of environments.<env>.remoteWrite, on its URL's port, wherever it is
 * (the base already lets Prometheus reach every pod of the cluster, and 443 anywhere).
 */
function remoteWriteEgress(project: ProjectConfig, env: string): unknown | undefined {
  const remoteWrite = remoteWriteOf(project, env);
  if (remoteWrite === undefined) return undefined;
  const url = new URL(remoteWrite.url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'prometheus-remote-write-egress', labels: { 'app.kubernetes.io/name': 'prometheus-remote-write-egress', 'app.kubernetes.io/component': 'network-policy' } },
    spec: { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'TCP', port }] }] },
  };
}

/**
 * An overlay in a namespace of its own (environments.<env>.namespace): kustomize moves the namespaced objects;
 * these rename the Namespace and the cluster-wide RBAC after it (two overlays in one cluster would share them)
 * and point the ServiceAccount subjects and kube-state-metrics at it.
 */
function namespacePatches(project: ProjectConfig, namespace: string): unknown[] {
  if (namespace === project.name) return [];
  const replace = (path: string, value: string) => ({ op: 'replace', path, value });
  const patch = (kind: string, name: string, ops: unknown[]) => ({ target: { kind, name }, patch: JSON.stringify(ops) });
  const clusterName = `${namespace}-prometheus`;
  return [
    patch('Namespace', project.name, [replace('/metadata/name', namespace), replace('/metadata/labels/app.kubernetes.io~1name', namespace)]),
    patch('ClusterRole', `${project.name}-prometheus`, [replace('/metadata/name', clusterName)]),
    patch('ClusterRoleBinding', `${project.name}-prometheus`, [replace('/metadata/name', clusterName), replace('/roleRef/name', clusterName), replace('/subjects/0/namespace', namespace)]),
    patch('RoleBinding', 'kube-state-metrics', [replace('/subjects/0/namespace', namespace)]),
    patch('Deployment', 'kube-state-metrics', [replace(argPath('base/kube-state-metrics.yaml', '--namespaces='), `--namespaces=${namespace}`)]),
  ];
}

function overlayFiles(project: ProjectConfig, env: string, built: ReadonlyMap<string, string>): Map<string, string> {
  const settings = configFor(project, env);
  const dir = `k8s/overlays/${env}`;
  const files = new Map<string, string>();
  const copy = (from: string, to: string) => {
    const text = built.get(from);
    if (text === undefined) throw new Error(`the Kubernetes bundle copies ${from}, which the alerts build did not produce`);
    files.set(`${dir}/${to}`, text);
  };
  files.set(`${dir}/prometheus/prometheus.yml`, yamlFile(prometheusConfig(settings)));
  copy(`prometheus/${env}/rules.yml`, 'prometheus/rules.yml');
  const alertmanagerFiles = [...built.keys()].filter((p) => p.startsWith(`alertmanager/${env}/`)).map((p) => p.slice(`alertmanager/${env}/`.length));
  if (!alertmanagerFiles.includes('alertmanager.yml')) throw new Error(`the Kubernetes bundle copies alertmanager/${env}/alertmanager.yml, which the alerts build did not produce`);
  for (const f of alertmanagerFiles) copy(`alertmanager/${env}/${f}`, `alertmanager/${f}`);

  const replicas = project.services.map((s) => ({ service: s, replicas: settings.replicas[s.name] ?? 1 }));
  const scaled = replicas.filter((r) => r.replicas > 1);
  files.set(
    `${dir}/replicas.yaml`,
    yamlFile(replicas.map((r) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: r.service.name }, spec: { replicas: r.replicas } })), `The replicas of each service in ${env} (environments.${env}.replicas of the config; default 1).`, true),
  );
  if (scaled.length > 0) files.set(`${dir}/autoscaling.yaml`, joinDocuments(scaled.flatMap((r) => documents(template('service/autoscaling.yaml', serviceValues(project, r.service, settings))))));
  const ha = highAvailability(project, env) ? highAvailabilityPatches() : undefined;
  if (ha) files.set(`${dir}/high-availability.yaml`, yamlFile(ha.budgets, `${env} survives a node loss: budgets that keep one Prometheus and two of the three Alertmanagers up.`, true));
  const egress = remoteWriteEgress(project, env);
  if (egress) files.set(`${dir}/remote-write-egress.yaml`, yamlFile(egress, `Prometheus -> the long-term store of environments.${env}.remoteWrite.`));
  const traceStore = tracesInElasticsearch(project, env);
  if (traceStore) {
    files.set(`${dir}/jaeger/config.yaml`, jaegerElasticsearchConfig());
    for (const f of ['jaeger-patch.yaml', 'elasticsearch-patch.yaml', 'networkpolicies.yaml']) files.set(`${dir}/jaeger-elasticsearch/${f}`, hashHeader() + template(`jaeger-elasticsearch/${f}`));
  }

  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: namespaceOf(project, env),
    resources: [
      '../../base',
      ...(scaled.length > 0 ? ['autoscaling.yaml'] : []),
      ...(ha ? ['high-availability.yaml'] : []),
      ...(egress ? ['remote-write-egress.yaml'] : []),
      ...(traceStore ? ['jaeger-elasticsearch/networkpolicies.yaml'] : []),
    ],
    // The instance label on this overlay's objects only, not their selectors: which environment an object belongs to.
    labels: [...projectLabels(project), { pairs: { 'app.kubernetes.io/instance': env } }],
    configMapGenerator: [
      { name: 'deployment-environment', literals: [`DEPLOYMENT_ENVIRONMENT=${env}`], options: labelled(project.name, 'environment') },
      { name: 'prometheus-config', files: ['prometheus/prometheus.yml'], options: labelled('prometheus', 'metrics') },
      { name: 'prometheus-rules', files: ['prometheus/rules.yml'], options: labelled('prometheus', 'metrics') },
      ...(traceStore ? [{ name: 'jaeger-config', files: ['jaeger/config.yaml'], options: labelled('jaeger', 'tracing') }] : []),
    ],
    secretGenerator: [{ name: 'alertmanager-config', files: alertmanagerFiles.map((f) => `alertmanager/${f}`), options: labelled('alertmanager', 'alerting') }],
    patches: [
      { path: 'replicas.yaml' },
      {
        target: { kind: 'StatefulSet', name: 'prometheus' },
        patch: JSON.stringify([{ op: 'add', path: '/spec/template/spec/containers/0/args/-', value: `--storage.tsdb.retention.time=${settings.stack.retention}` }]),
      },
      ...(ha?.patches ?? []),
      ...(traceStore ? [{ path: 'jaeger-elasticsearch/jaeger-patch.yaml' }, { path: 'jaeger-elasticsearch/elasticsearch-patch.yaml' }] : []),
      ...namespacePatches(project, namespaceOf(project, env)),
    ],
  };
  files.set(`${dir}/kustomization.yaml`, yamlFile(kustomization, `${env}: the base with ${env}'s replicas, retention, rules, Alertmanager routing and Prometheus configuration.`));
  return files;
}

/** The PrometheusRule with kube-prometheus-stack's default selector label (the servicemonitor template carries the same). */
function operatorSelected(rule: string): string {
  const doc = parseDocument(rule);
  doc.setIn(['metadata', 'labels', 'release'], 'kube-prometheus-stack');
  return doc.toString({ lineWidth: 0 });
}

/** The overlay's rules.yml without its alerting rules: what the bundle's Prometheus keeps when the operator's alerts. */
function recordingRulesOnly(built: ReadonlyMap<string, string>, env: string): string {
  const rules = parse(built.get(`prometheus/${env}/rules.yml`) ?? 'groups: []') as { groups: { rules: { alert?: string }[] }[] };
  const groups = rules.groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert === undefined) })).filter((g) => g.rules.length > 0);
  return yamlFile({ groups }, `The recording rules of ${env}: with the prometheus-operator component, the operator's Prometheus evaluates the alerts.`);
}

const componentKustomization = (project: ProjectConfig, resources: readonly string[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'kustomize.config.k8s.io/v1alpha1',
  kind: 'Component',
  namespace: project.name,
  labels: projectLabels(project).map(({ includeTemplates: _, ...l }) => l),
  resources,
  ...extra,
});

/** Documents of a stack template, less those of components the project does not run. */
function stackDocuments(path: string, project: ProjectConfig, settings: AlertConfig): Document[] {
  return documents(template(path, stackValues(project))).filter((d) => running(settings, RUNS_WITH[String(nameOf(d))]));
}

function componentFiles(project: ProjectConfig, settings: AlertConfig, built: ReadonlyMap<string, string>): Map<string, string> {
  const files = new Map<string, string>();
  const envs = environmentsOf(project);
  files.set('k8s/components/ingress/ingress.yaml', joinDocuments(stackDocuments('components/ingress/ingress.yaml', project, settings)));
  files.set('k8s/components/ingress/kustomization.yaml', yamlFile(componentKustomization(project, ['ingress.yaml']), 'Optional: Ingresses for the UIs. Hosts are examples: patch them, and create the TLS Secret observability-tls first.'));

  const vpas = [...project.services.flatMap((s) => documents(template('service/vpa.yaml', serviceValues(project, s, settings)))), ...stackDocuments('components/vpa/vpa.yaml', project, settings)];
  files.set('k8s/components/vpa/vpa.yaml', joinDocuments(vpas));
  files.set('k8s/components/vpa/kustomization.yaml', yamlFile(componentKustomization(project, ['vpa.yaml']), 'Optional, for clusters running the Vertical Pod Autoscaler: resource recommendations only\n(updateMode Off), read with kubectl describe vpa; nothing is evicted or resized.'));

  for (const env of envs) {
    const envSettings = configFor(project, env);
    const dir = `k8s/components/prometheus-operator/${env}`;
    const rule = built.get(`prometheus/${env}/prometheus-rule.yaml`);
    if (rule === undefined) throw new Error(`the Kubernetes bundle copies prometheus/${env}/prometheus-rule.yaml, which the alerts build did not produce`);
    files.set(`${dir}/servicemonitors.yaml`, joinDocuments(project.services.flatMap((s) => documents(template('service/servicemonitor.yaml', serviceValues(project, s, envSettings))))));
    files.set(`${dir}/prometheus-rule.yaml`, operatorSelected(rule));
    files.set(`${dir}/operator-scrape-ingress.yaml`, joinDocuments(documents(template('components/prometheus-operator/networkpolicy.yaml'))));
    files.set(`${dir}/recording-rules.yml`, recordingRulesOnly(built, env));
    files.set(
      `${dir}/kustomization.yaml`,
      yamlFile(
        componentKustomization(project, ['servicemonitors.yaml', 'prometheus-rule.yaml', 'operator-scrape-ingress.yaml'], {
          // The operator's Prometheus evaluates the alerts; the bundle's keeps the recording rules its dashboards read. Both alerting: every alert twice.
          configMapGenerator: [{ name: 'prometheus-rules', behavior: 'replace', files: ['rules.yml=recording-rules.yml'], options: labelled('prometheus', 'metrics') }],
        }),
        `Optional, for clusters running the Prometheus Operator, on the ${env} overlay: a ServiceMonitor per\nservice and the PrometheusRule of ${env} (the overlay's rules), labelled for kube-prometheus-stack's selectors;\nits Prometheus may scrape this namespace; the bundle's own Prometheus keeps only the recording rules.`,
      ),
    );

    const scaled = project.services.filter((s) => (envSettings.replicas[s.name] ?? 1) > 1);
    if (scaled.length === 0) continue;
    const kedaDir = `k8s/components/keda/${env}`;
    const kedaValues = (s: ServiceConfig) => ({ ...serviceValues(project, s, envSettings), NAMESPACE: namespaceOf(project, env) });
    files.set(`${kedaDir}/scaledobjects.yaml`, joinDocuments(scaled.flatMap((s) => documents(template('service/scaledobject.yaml', kedaValues(s))))));
    files.set(`${kedaDir}/networkpolicy.yaml`, joinDocuments(documents(template('components/keda/networkpolicy.yaml'))));
    const deleteHpa = (name: string) => ({ patch: `$patch: delete\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: ${name}\n` });
    files.set(
      `${kedaDir}/kustomization.yaml`,
      yamlFile(
        componentKustomization(project, ['scaledobjects.yaml', 'networkpolicy.yaml'], { patches: scaled.map((s) => deleteHpa(s.name)) }),
        `Optional, for clusters running KEDA, on the ${env} overlay: scale the services that run more than one\nreplica on their request rate from Prometheus instead of CPU and memory. KEDA makes its own HPA, so the overlay's go.`,
      ),
    );
  }
  return files;
}

/** node-exporter/: the DaemonSet in its own privileged namespace, applied once per cluster (host ports allow one per node). */
function nodeExporterFiles(project: ProjectConfig, settings: AlertConfig): Map<string, string> {
  if (!settings.stack.nodeExporter) return new Map();
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    namespace: NODE_EXPORTER_NAMESPACE,
    labels: projectLabels(project),
    resources: ['node-exporter.yaml'],
  };
  const docs = documents(template('node-exporter/node-exporter.yaml', stackValues(project)));
  // One peer per overlay namespace: each overlay's Prometheus scrapes the nodes.
  const ingress = docs.find((d) => kindOf(d) === 'NetworkPolicy' && nameOf(d) === 'node-exporter-ingress')!;
  const from = ingress.getIn(['spec', 'ingress', 0, 'from']) as YAMLSeq<YAMLMap>;
  const peer = from.items[0]!;
  from.items = [...new Set(environmentsOf(project).map((env) => namespaceOf(project, env)))].map((ns) => {
    const p = peer.clone() as YAMLMap;
    p.setIn(['namespaceSelector', 'matchLabels', 'kubernetes.io/metadata.name'], ns);
    return p;
  });
  return new Map([
    ['k8s/node-exporter/node-exporter.yaml', joinDocuments(docs)],
    ['k8s/node-exporter/kustomization.yaml', yamlFile(kustomization, `node-exporter on every node, in the namespace ${NODE_EXPORTER_NAMESPACE} (Pod Security level privileged: host paths,\nPID and network). Apply once per cluster: kubectl apply -k node-exporter`)],
  ]);
}

/** Which namespace each overlay uses, for the README: environments that share one cannot share a cluster. */
function namespacesNote(project: ProjectConfig, envs: readonly string[]): string {
  const own = envs.filter((env) => namespaceOf(project, env) !== project.name);
  const shared = envs.filter((env) => namespaceOf(project, env) === project.name);
  const owned = own.map((env) => `${env} in \`${namespaceOf(project, env)}\``).join(', ');
  if (own.length === 0) return `every overlay uses the namespace \`${project.name}\`: one environment per cluster, or set \`environments.<env>.namespace\``;
  return `${owned}${shared.length > 0 ? `; ${shared.join(', ')} in \`${project.name}\`` : ''}: create the namespace and the Secrets in each with \`-n\``;
}

function readme(project: ProjectConfig, settings: AlertConfig): string {
  const ns = project.name;
  const receivers = receiverMounts(project).flatMap((m) => m.keys);
  const secret = (name: string, comment: string, args: readonly string[]) => [`# ${comment}`, `kubectl -n ${ns} create secret generic ${name} \\`, ...args.map((a, i) => `  ${a}${i < args.length - 1 ? ' \\' : ''}`)];
  const secrets = [
    ...secret('grafana-admin', "Grafana's admin login", ['--from-literal=admin-user=admin', '--from-literal=admin-password="$(openssl rand -base64 24)"']),
    ...(settings.stack.logs
      ? secret(
          'elasticsearch-credentials',
          "Elasticsearch's users: the elastic superuser (Elasticsearch and its setup container only), kibana_system, and the least-privilege users of Logstash, Grafana and the exporter",
          [...ELASTICSEARCH_PASSWORD_KEYS, ...(environmentsOf(project).some((env) => tracesInElasticsearch(project, env)) ? [JAEGER_PASSWORD_KEY] : [])].map((key) => `--from-literal=${key}="$(openssl rand -base64 24)"`),
        )
      : []),
    ...(receivers.length > 0 ? secret('alertmanager-receivers', "Alertmanager's receivers, read through the *_file settings of alertmanager.yml", receivers.map((k) => `--from-file=${k}=./${k}`)) : []),
  ];
  const elasticsearch = settings.stack.logs
    ? [
        '',
        "Elasticsearch: a setup container in its pod (the compose bundle's `elasticsearch/setup.sh`,",
        'idempotent, on every start) sets the `kibana_system` password and creates the users',
        '`logstash_writer` (writes `logs-nodekit-*`), `grafana_reader` (reads `logs-*`) and',
        '`es_exporter` (monitoring APIs), each with the password of its key in',
        '`elasticsearch-credentials`. Only that container signs in as `elastic`. Logs are',
        'deleted after `LOG_RETENTION_DAYS` (7) days by the ILM policy `nodekit-logs`: patch that',
        'variable of the `setup` container in your overlay to keep them longer.',
        '',
      ].join('\n')
    : '';
  const envs = environmentsOf(project);
  const kedaEnvs = envs.filter((env) => Object.values(configFor(project, env).replicas).some((r) => r > 1));
  const components = [
    `- \`components/ingress\`: Ingresses for the UIs (class ${project.stack?.ingressClass ?? 'the cluster default'}; TLS Secret \`observability-tls\`; Gateway API HTTPRoutes are the recommended path: docs/bundles.md).`,
    '- `components/vpa`: VerticalPodAutoscalers in recommendation mode (updateMode Off).',
    `- \`components/prometheus-operator/<environment>\` (${envs.join(', ')}): a ServiceMonitor per service and the environment's PrometheusRule.`,
    ...(kedaEnvs.length > 0 ? [`- \`components/keda/<environment>\` (${kedaEnvs.join(', ')}): ScaledObjects on each scaled service's request rate from Prometheus, in place of the HPAs.`] : []),
  ];
  return (
    markdownHeader() +
    template('README.md', {
      NAMESPACE: ns,
      INGRESS_NAMESPACE: project.stack?.ingressNamespace ?? DEFAULT_INGRESS_NAMESPACE,
      SECRETS: secrets.join('\n'),
      OVERLAYS: envs.map((env) => `kubectl apply -k overlays/${env}`).join('\n'),
      NAMESPACES: namespacesNote(project, envs),
      NODE_EXPORTER: settings.stack.nodeExporter
        ? [
            '',
            `Host metrics: node-exporter needs the host's /proc, /sys, PID and network, which the`,
            `restricted Pod Security Standard forbids. It runs in the namespace ${NODE_EXPORTER_NAMESPACE} at the`,
            '`privileged` level, once per cluster (skip this where a node-exporter already runs, and give',
            'its pods the label `app.kubernetes.io/name: node-exporter` and the namespace name instead):',
            '',
            '```sh',
            'kubectl apply -k node-exporter',
            '```',
            '',
          ].join('\n')
        : '',
      ELASTICSEARCH: elasticsearch,
      FIRST_ENVIRONMENT: envs[0]!,
      COMPONENTS: components.join('\n'),
    })
  );
}

/** Every file of the Kubernetes bundle, by path relative to the output folder. */
export function buildK8s(project: ProjectConfig, built: ReadonlyMap<string, string>): Map<string, string> {
  checkNames(project);
  // The stack's switches are the project's; an environment changes only retention, replicas and thresholds.
  const settings = configFor(project, environmentsOf(project)[0]!);
  return new Map([
    ...baseFiles(project, settings, built),
    ...environmentsOf(project).flatMap((env) => [...overlayFiles(project, env, built)]),
    ...componentFiles(project, settings, built),
    ...nodeExporterFiles(project, settings),
    ['k8s/README.md', readme(project, settings)],
  ]);
}
