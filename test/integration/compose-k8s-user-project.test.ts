// The bundles of a project that is not the demo: two services (one with its
// own metrics path, one scaled out in one environment), environments the
// user named `prod` and `qa`, receivers reading secrets from two folders,
// and a stack without logs. Both services get compose services, scrape jobs,
// workloads and NetworkPolicies; every overlay and component renders with the
// real kustomize and passes checkK8sBundle; compose passes
// checkComposeBundle; and `logs: false` (or `traces: false`, `nodeExporter:
// false`) leaves the components out of both bundles.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkComposeBundle } from '../../compose/check.ts';
import { type ComposeFile, environmentOf, loadCompose } from '../../compose/model.ts';
import { checkK8sBundle } from '../../k8s/check.ts';
import { networkAllows } from '../../k8s/policy.ts';
import { generatedData, type K8sObject } from '../../k8s/render.ts';
import { defineConfig, type ProjectConfig, type StackConfig } from '../../signals/project/index.ts';
import { validateProject } from '../../signals/project/validate.ts';
import { generateInto, renderBundle, type WrittenOutput } from '../support/bundle.ts';

function shop(stack: StackConfig): ProjectConfig {
  return validateProject(
    defineConfig({
      name: 'shop',
      services: [
        { name: 'checkout', port: 3000, metricsPath: '/internal/metrics', team: 'payments', image: 'registry.example.com/shop/checkout:2.3.1', slos: [{ kind: 'availability', objective: 0.999 }] },
        { name: 'catalog', port: 8081, team: 'browse', image: 'registry.example.com/shop/catalog:1.0.0' },
      ],
      environments: { prod: { replicas: { checkout: 2 }, retention: '45d' }, qa: {} },
      alerting: {
        runbookBaseUrl: 'https://wiki.example.com/runbooks',
        urls: { grafana: 'https://grafana.shop.example.com', prometheus: 'https://ops.example.com/prometheus', alertmanager: 'https://ops.example.com/alertmanager' },
        receivers: {
          oncall: { type: 'webhook', urlFile: '/run/secrets/oncall-url' },
          chat: { type: 'slack', apiUrlFile: '/etc/alertmanager/secrets/slack-url', channel: '#shop' },
        },
        teams: { payments: { page: 'oncall', chat: 'chat' }, browse: { page: 'oncall' } },
        platformTeam: 'payments',
      },
      stack: { scrapeInterval: '30s', retention: '30d', ...stack },
    }),
  );
}

const SERVICES = [
  { name: 'checkout', port: 3000, path: '/internal/metrics' },
  { name: 'catalog', port: 8081, path: '/metrics' },
];
const ELK = ['elasticsearch', 'elasticsearch-setup', 'elasticsearch-exporter', 'logstash', 'logstash-exporter', 'kibana'];

interface Generated {
  out: WrittenOutput;
  compose: ComposeFile;
  rendered: Map<string, K8sObject[]>;
}

/** Generates `project`, reads its compose file and renders every overlay and component, for one describe block. */
function generated(project: () => ProjectConfig): () => Generated {
  let g: Generated | undefined;
  beforeAll(async () => {
    const out = await generateInto(project(), 'user-project-');
    g = { out, compose: loadCompose(out.compose), rendered: await renderBundle(out.k8s) };
  });
  afterAll(() => g?.out.remove());
  return () => g!;
}

const workloads = (objects: readonly K8sObject[]): string[] => objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).map((o) => o.metadata.name).sort();
const find = (objects: readonly K8sObject[], kind: string, name: string): any => objects.find((o) => o.kind === kind && o.metadata.name === name);
const podOf = (objects: readonly K8sObject[], name: string) => ({ namespace: 'shop', labels: find(objects, 'Deployment', name)?.spec.template.metadata.labels ?? find(objects, 'StatefulSet', name).spec.template.metadata.labels });

describe('two services, environments prod and qa, no logs', () => {
  const g = generated(() => shop({ logs: false }));

  describe('compose', () => {
    it('runs both services, each with its image, port, name and telemetry, before the stack', () => {
      const { compose } = g();
      expect(Object.keys(compose.services).slice(0, 2)).toEqual(['checkout', 'catalog']);
      for (const s of SERVICES) {
        const service = compose.services[s.name]!;
        expect(service.image).toBe(`registry.example.com/shop/${s.name}:${s.name === 'checkout' ? '2.3.1' : '1.0.0'}`);
        expect(service.expose).toEqual([String(s.port)]);
        expect(Object.fromEntries(environmentOf(service))).toMatchObject({ PORT: String(s.port), SERVICE_NAME: s.name, OTEL_SERVICE_NAME: s.name, DEPLOYMENT_ENVIRONMENT: 'prod', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' });
        expect(String(service.healthcheck?.test)).toContain(`http://127.0.0.1:${s.port}/healthz`);
      }
    });

    it('scrapes each service as its own job, on its port and metrics path, at the config’s interval, with the first environment’s rules', () => {
      const prom = parse(g().out.files.get('compose/prometheus.yml')!);
      for (const s of SERVICES) {
        expect(prom.scrape_configs.find((c: any) => c.job_name === s.name)).toEqual({ job_name: s.name, metrics_path: s.path, static_configs: [{ targets: [`${s.name}:${s.port}`] }] });
      }
      expect(prom.global).toEqual({ scrape_interval: '30s', scrape_timeout: '10s', evaluation_interval: '30s', external_labels: { environment: 'prod' } });
      const prometheus = g().compose.services.prometheus!;
      expect(prometheus.volumes).toContain('../prometheus/prod:/etc/prometheus/rules:ro');
      expect(prometheus.command).toEqual(expect.arrayContaining(['--storage.tsdb.retention.time=${PROMETHEUS_RETENTION_TIME:-45d}', '--web.external-url=https://ops.example.com/prometheus']));
    });

    it('logs: false leaves out Elasticsearch, Logstash, Kibana, their exporters, their files and the services’ Logstash settings', () => {
      const { compose, out } = g();
      expect(Object.keys(compose.services).filter((n) => ELK.includes(n))).toEqual([]);
      for (const s of SERVICES) expect([...environmentOf(compose.services[s.name]!).keys()].filter((k) => k.startsWith('LOGSTASH'))).toEqual([]);
      expect([...environmentOf(compose.services.grafana!).keys()].filter((k) => k.startsWith('ELASTICSEARCH'))).toEqual([]);
      expect([...out.files.keys()].filter((p) => p.startsWith('compose/') && /elasticsearch|logstash/.test(p))).toEqual([]);
      expect(out.files.get('compose/.env.example')).not.toMatch(/ELASTIC|COMPOSE_PROFILES|LOGSTASH/);
      expect(Object.keys(compose.volumes ?? {})).not.toContain('elasticsearch-data');
    });

    it('feeds every receiver secret file, in both folders, from .env', () => {
      const secrets = g().compose.services.alertmanager!.secrets as { source: string; target: string }[];
      expect(secrets.map((s) => s.target)).toEqual(['/run/secrets/oncall-url', '/etc/alertmanager/secrets/slack-url']);
      expect(g().out.files.get('compose/.env.example')).toMatch(/^ALERTMANAGER_ONCALL_URL=$/m);
    });

    it('checkComposeBundle finds nothing wrong (schema, policies, mounts, addresses, promtool)', async () => {
      expect(await checkComposeBundle(g().out.compose)).toEqual([]);
    });
  });

  describe('Kubernetes', () => {
    it('renders an overlay per environment the user named, and the components each is made for', () => {
      expect([...g().rendered.keys()].sort()).toEqual(
        [
          'overlay prod',
          'overlay qa',
          ...['prod', 'qa'].flatMap((env) => [`overlay ${env} + component ingress`, `overlay ${env} + component vpa`, `overlay ${env} + component prometheus-operator/${env}`]),
          'overlay prod + component keda/prod',
          'node-exporter',
        ].sort(),
      );
    });

    it.each(['prod', 'qa'])('%s: both services get a workload, a Service, a ConfigMap and NetworkPolicies; no Elastic workload runs', (env) => {
      const objects = g().rendered.get(`overlay ${env}`)!;
      expect(workloads(objects)).toEqual(['alertmanager', 'catalog', 'checkout', 'grafana', 'jaeger', 'kube-state-metrics', 'prometheus']);
      for (const s of SERVICES) {
        const pod = find(objects, 'Deployment', s.name).spec.template;
        expect(pod.metadata.annotations).toEqual({ 'prometheus.io/port': String(s.port), 'prometheus.io/path': s.path });
        expect(pod.spec.containers[0].ports).toEqual([{ name: 'http', containerPort: s.port }]);
        expect(find(objects, 'Service', s.name).spec.ports).toEqual([{ name: 'http', port: s.port, targetPort: 'http' }]);
        expect(generatedData(objects, 'ConfigMap', s.name)).toEqual({ PORT: String(s.port), SERVICE_NAME: s.name, OTEL_SERVICE_NAME: s.name, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' });
        expect(objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name.startsWith(`${s.name}-`)).map((o) => o.metadata.name).sort()).toEqual([`${s.name}-egress-traces`, `${s.name}-ingress`]);
      }
      expect(objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('logstash-'))).toEqual([]);
      const grafanaEnv = find(objects, 'Deployment', 'grafana').spec.template.spec.containers[0].env.map((e: any) => e.name);
      expect(grafanaEnv.filter((n: string) => n.startsWith('ELASTICSEARCH'))).toEqual([]);
    });

    it.each(['prod', 'qa'])('%s: Prometheus scrapes each service as its own job, and the NetworkPolicies let it in on the service’s port only', (env) => {
      const objects = g().rendered.get(`overlay ${env}`)!;
      const prom = parse(generatedData(objects, 'ConfigMap', 'prometheus-config')['prometheus.yml']!);
      expect(prom.scrape_configs.map((c: any) => c.job_name)).toEqual(['prometheus', 'alertmanager', 'grafana', 'jaeger', 'node-exporter', 'kube-state-metrics', 'checkout', 'catalog', 'kubernetes-pods']);
      expect(prom.global.external_labels).toEqual({ environment: env });
      const prometheus = podOf(objects, 'prometheus');
      for (const s of SERVICES) {
        expect(networkAllows(objects, { from: prometheus, to: podOf(objects, s.name), port: s.port }), s.name).toBe(true);
        expect(networkAllows(objects, { from: podOf(objects, 'grafana'), to: podOf(objects, s.name), port: s.port }), s.name).toBe(false);
        expect(networkAllows(objects, { from: podOf(objects, s.name), to: podOf(objects, 'jaeger'), port: 4318 }), s.name).toBe(true);
      }
    });

    it('prod runs checkout twice, with a PDB and an HPA, catalog once; qa runs each once; retention is each environment’s', () => {
      const prod = g().rendered.get('overlay prod')!;
      const qa = g().rendered.get('overlay qa')!;
      expect([find(prod, 'Deployment', 'checkout').spec.replicas, find(prod, 'Deployment', 'catalog').spec.replicas]).toEqual([2, 1]);
      expect([find(qa, 'Deployment', 'checkout').spec.replicas, find(qa, 'Deployment', 'catalog').spec.replicas]).toEqual([1, 1]);
      expect(prod.filter((o) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['HorizontalPodAutoscaler/checkout', 'PodDisruptionBudget/checkout']);
      expect(qa.filter((o) => ['HorizontalPodAutoscaler', 'PodDisruptionBudget'].includes(o.kind))).toEqual([]);
      const retention = (objects: K8sObject[]) => find(objects, 'StatefulSet', 'prometheus').spec.template.spec.containers[0].args.find((a: string) => a.startsWith('--storage.tsdb.retention.time='));
      expect([retention(prod), retention(qa)]).toEqual(['--storage.tsdb.retention.time=45d', '--storage.tsdb.retention.time=30d']);
    });

    it('Alertmanager reads each receiver file from the user’s Secret, in both folders', () => {
      const am = find(g().rendered.get('overlay qa')!, 'StatefulSet', 'alertmanager').spec.template.spec;
      const receivers = am.volumes.filter((v: any) => v.secret?.secretName === 'alertmanager-receivers');
      const mounts = Object.fromEntries(am.containers[0].volumeMounts.map((m: any) => [m.name, m.mountPath]));
      expect(receivers.map((v: any) => [mounts[v.name], v.secret.items])).toEqual([
        ['/run/secrets', [{ key: 'oncall-url', path: 'oncall-url' }]],
        ['/etc/alertmanager/secrets', [{ key: 'slack-url', path: 'slack-url' }]],
      ]);
      expect(g().out.files.get('k8s/README.md')).toContain('--from-file=oncall-url=./oncall-url');
    });

    it('checkK8sBundle finds nothing wrong in any overlay or component', async () => {
      expect(await checkK8sBundle(g().out.k8s)).toEqual([]);
    }, 300_000);
  });
});

describe('with logs on, then traces and node-exporter off', () => {
  const withLogs = generated(() => shop({}));
  const bare = generated(() => shop({ logs: false, traces: false, nodeExporter: false }));

  it('logs on: the Elastic services run in compose (profile logs) and Kubernetes, and the services ship their log lines to Logstash', () => {
    const { compose, rendered } = withLogs();
    expect(Object.keys(compose.services).filter((n) => ELK.includes(n)).sort()).toEqual([...ELK].sort());
    for (const s of SERVICES) expect(environmentOf(compose.services[s.name]!).get('LOGSTASH_HOST')).toBe('logstash');
    const objects = rendered.get('overlay qa')!;
    expect(workloads(objects)).toEqual(expect.arrayContaining(['elasticsearch', 'elasticsearch-exporter', 'kibana', 'logstash']));
    for (const s of SERVICES) expect(networkAllows(objects, { from: podOf(objects, s.name), to: podOf(objects, 'logstash'), port: 5000 }), s.name).toBe(true);
  });

  it('traces and node-exporter off: no Jaeger or node-exporter in compose, no Jaeger workload, scrape job or Ingress in Kubernetes, spans switched off', () => {
    const { compose, rendered, out } = bare();
    expect(Object.keys(compose.services)).toEqual(['checkout', 'catalog', 'prometheus', 'alertmanager', 'grafana']);
    for (const s of SERVICES) {
      expect(environmentOf(compose.services[s.name]!).get('OTEL_TRACES_EXPORTER')).toBe('none');
      expect(compose.services[s.name]!.depends_on).toBeUndefined();
    }
    expect(out.files.has('compose/jaeger/config.yaml')).toBe(false);
    const objects = rendered.get('overlay prod')!;
    expect(workloads(objects)).toEqual(['alertmanager', 'catalog', 'checkout', 'grafana', 'kube-state-metrics', 'prometheus']);
    const prom = parse(generatedData(objects, 'ConfigMap', 'prometheus-config')['prometheus.yml']!);
    expect(prom.scrape_configs.map((c: any) => c.job_name)).toEqual(['prometheus', 'alertmanager', 'grafana', 'kube-state-metrics', 'checkout', 'catalog', 'kubernetes-pods']);
    expect(rendered.get('overlay prod + component ingress')!.filter((o) => o.kind === 'Ingress').map((o) => o.metadata.name).sort()).toEqual(['alertmanager', 'grafana', 'prometheus']);
  });

  it('both pass checkComposeBundle and checkK8sBundle', async () => {
    for (const g of [withLogs(), bare()]) {
      expect(await checkComposeBundle(g.out.compose)).toEqual([]);
      expect(await checkK8sBundle(g.out.k8s)).toEqual([]);
    }
  }, 600_000);
});
