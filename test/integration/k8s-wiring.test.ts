// In the demo's generated bundle, every connection the configuration asks
// for (Grafana datasource URLs, Prometheus's Alertmanager and scrape targets,
// the service's OTLP and Logstash endpoints, Logstash/Kibana/exporter →
// Elasticsearch, the ingress controller → UIs) names a rendered Service and a
// port a container listens on, and the NetworkPolicies let exactly those
// through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { networkAllows, type Flow } from '../../k8s/policy.ts';
import { generatedData, type K8sObject } from '../../k8s/render.ts';
import { environmentsOf } from '../../signals/alert-settings.ts';
import { demoProject, generateInto, renderBundle, type WrittenOutput } from '../support/bundle.ts';

const project = demoProject();
const NS = project.name;
const SERVICE = project.services[0]!.name;
const OVERLAYS = environmentsOf(project);
let out: WrittenOutput;
const rendered = new Map<string, K8sObject[]>();
beforeAll(async () => {
  out = await generateInto(project, 'k8s-wiring-');
  const all = await renderBundle(out.k8s);
  for (const env of OVERLAYS) rendered.set(env, all.get(`overlay ${env}`)!);
  rendered.set('ingress', all.get('overlay production + component ingress')!);
  rendered.set('keda', all.get('overlay production + component keda/production')!);
});
afterAll(() => out?.remove());

interface Pod {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  containers: { name: string; args?: string[]; env?: { name: string; value?: string }[]; ports?: { name?: string; containerPort: number }[] }[];
}

const podsOf = (objects: readonly K8sObject[]): Pod[] =>
  objects
    .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
    .map((o) => {
      const t = (o.spec as any).template;
      return { name: o.metadata.name, labels: t.metadata.labels, annotations: t.metadata.annotations ?? {}, containers: t.spec.containers };
    });

const pod = (objects: readonly K8sObject[], name: string): Pod => {
  const p = podsOf(objects).find((x) => x.name === name);
  if (!p) throw new Error(`no workload ${name}`);
  return p;
};

const data = (objects: readonly K8sObject[], base: string): Record<string, string> => generatedData(objects, 'ConfigMap', base);

/** host[:port] of a URL or "host:port", resolved to the Service's pods and the container port behind it. */
function resolve(objects: readonly K8sObject[], address: string): { pod: Pod; port: number; problem?: string } | { problem: string } {
  const m = /^(?:\w+:\/\/)?([^/:]+)(?::(\d+))?/.exec(address);
  if (!m) return { problem: `${address}: not an address` };
  const name = m[1]!.replace(new RegExp(`\\.${NS}(\\.svc(\\.cluster\\.local)?)?$`), '');
  // <statefulset>-<n>.<headless Service>: one replica by its stable name.
  const member = /^([a-z0-9-]+)-(\d+)\.([a-z0-9-]+)$/.exec(name);
  const host = member ? member[3]! : name;
  const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === host) as any;
  if (member) {
    const set = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === member[1]) as any;
    if (!svc || svc.spec.clusterIP !== 'None' || set?.spec.serviceName !== host) return { problem: `${address}: ${host} is not the headless Service of a StatefulSet ${member[1]}` };
    if (Number(member[2]) >= (set.spec.replicas ?? 1)) return { problem: `${address}: StatefulSet ${member[1]} has no replica ${member[2]}` };
  }
  if (!svc) return { problem: `${address}: no Service ${host}` };
  const sp = svc.spec.ports.find((p: any) => p.port === Number(m[2] ?? 80));
  if (!sp) return { problem: `${address}: Service ${host} has no port ${m[2]}` };
  const target = podsOf(objects).find((p) => Object.entries(svc.spec.selector).every(([k, v]) => p.labels[k] === v));
  if (!target) return { problem: `${address}: Service ${host} selects no pod` };
  const cp = target.containers.flatMap((c) => c.ports ?? []).find((p) => (typeof sp.targetPort === 'string' ? p.name === sp.targetPort : p.containerPort === (sp.targetPort ?? sp.port)));
  if (!cp) return { problem: `${address}: no container of ${target.name} listens on ${sp.targetPort}` };
  return { pod: target, port: cp.containerPort };
}

/** The connections the configuration asks for, as [what, source workload, address]. */
function configuredConnections(objects: readonly K8sObject[]): [string, string, string][] {
  const connections: [string, string, string][] = [];
  const datasources = parse(data(objects, 'grafana-datasources')['datasources.yaml']!).datasources as { name: string; url: string }[];
  for (const d of datasources) connections.push([`Grafana datasource ${d.name}`, 'grafana', d.url]);
  const prom = parse(data(objects, 'prometheus-config')['prometheus.yml']!);
  for (const am of prom.alerting.alertmanagers) for (const sc of am.static_configs) for (const t of sc.targets) connections.push(['Prometheus → Alertmanager', 'prometheus', t]);
  const service = data(objects, SERVICE);
  connections.push(['service → OTLP', SERVICE, service.OTEL_EXPORTER_OTLP_ENDPOINT!]);
  connections.push(['service → Logstash', SERVICE, `${service.LOGSTASH_HOST}:${service.LOGSTASH_PORT}`]);
  const pipeline = data(objects, 'logstash-pipeline')['logstash.conf']!;
  for (const h of pipeline.match(/hosts\s*=>\s*\[([^\]]*)\]/)![1]!.match(/"[^"]+"/g)!) connections.push(['Logstash → Elasticsearch', 'logstash', h.slice(1, -1)]);
  const kibanaHosts = pod(objects, 'kibana').containers[0]!.env!.find((e) => e.name === 'ELASTICSEARCH_HOSTS')!.value!;
  for (const h of JSON.parse(kibanaHosts) as string[]) connections.push(['Kibana → Elasticsearch', 'kibana', h]);
  const esUri = pod(objects, 'elasticsearch-exporter').containers[0]!.args!.find((a) => a.startsWith('--es.uri='))!.slice('--es.uri='.length);
  connections.push(['exporter → Elasticsearch', 'elasticsearch-exporter', esUri]);
  // Where Jaeger stores traces in Elasticsearch (environments with highAvailability).
  const jaeger = objects.some((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('jaeger-config')) ? parse(data(objects, 'jaeger-config')['config.yaml']!) : undefined;
  for (const backend of Object.values<any>(jaeger?.extensions.jaeger_storage.backends ?? {})) for (const url of backend.elasticsearch?.server_urls ?? []) connections.push(['Jaeger → Elasticsearch', 'jaeger', url]);
  return connections;
}

const inNs = (p: Pod): Flow['from'] => ({ namespace: NS, labels: p.labels });

describe('the production overlay (highAvailability)', () => {
  const objects = () => rendered.get('production')!;
  const set = (name: string): any => objects().find((o) => o.kind === 'StatefulSet' && o.metadata.name === name)!.spec;
  const args = (name: string): string[] => set(name).template.spec.containers[0].args;

  it("keeps traces in the bundle's Elasticsearch as jaeger_writer, through the policies; development keeps them in memory", () => {
    const jaegerPod = (objs: readonly K8sObject[]): any => (objs.find((o) => o.kind === 'Deployment' && o.metadata.name === 'jaeger')!.spec as any).template.spec;
    const spec = jaegerPod(objects());
    expect(spec.containers[0].args).toEqual(['--config=/etc/jaeger/config.yaml']);
    const config = parse(data(objects(), 'jaeger-config')['config.yaml']!);
    // The keys of upstream's cmd/jaeger/config-elasticsearch.yaml: query and exporter name the backend, which is elasticsearch.
    const backend = config.extensions.jaeger_query.storage.traces;
    expect(config.exporters.jaeger_storage_exporter.trace_storage).toBe(backend);
    expect(config.service.pipelines.traces.exporters).toEqual(['jaeger_storage_exporter']);
    const es = config.extensions.jaeger_storage.backends[backend].elasticsearch;
    expect(es.server_urls).toEqual(['http://elasticsearch:9200']);
    expect(resolve(objects(), es.server_urls[0])).toEqual({ pod: pod(objects(), 'elasticsearch'), port: 9200 });
    expect(networkAllows(objects(), { from: inNs(pod(objects(), 'jaeger')), to: inNs(pod(objects(), 'elasticsearch')), port: 9200 })).toBe(true);
    // The password file is the Secret's jaeger-writer-password key, mounted where the config reads it.
    expect(es.auth.basic.username).toBe('jaeger_writer');
    const mount = spec.containers[0].volumeMounts.find((m: any) => es.auth.basic.password_file.startsWith(`${m.mountPath}/`));
    const volume = spec.volumes.find((v: any) => v.name === mount.name);
    expect(volume.secret).toEqual({ secretName: 'elasticsearch-credentials', items: [{ key: 'jaeger-writer-password', path: es.auth.basic.password_file.slice(mount.mountPath.length + 1) }] });
    // The Elasticsearch setup container creates that user and applies the trace retention.
    const setupEnv = set('elasticsearch').template.spec.containers.find((c: any) => c.name === 'setup').env;
    expect(setupEnv).toContainEqual({ name: 'JAEGER_WRITER_PASSWORD', valueFrom: { secretKeyRef: { name: 'elasticsearch-credentials', key: 'jaeger-writer-password' } } });
    expect(setupEnv.find((e: any) => e.name === 'TRACE_RETENTION_DAYS').value).toMatch(/^[1-9][0-9]*$/);

    const development = rendered.get('development')!;
    expect(jaegerPod(development).containers[0].args).toBeUndefined();
    expect(development.some((o) => o.metadata.name.startsWith('jaeger-config'))).toBe(false);
    expect(networkAllows(development, { from: inNs(pod(development, 'jaeger')), to: inNs(pod(development, 'elasticsearch')), port: 9200 })).toBe(false);
  });

  it('runs three Alertmanagers whose peer flags name each replica under the headless Service, which resolves them', () => {
    expect(set('alertmanager').replicas).toBe(3);
    expect(set('alertmanager').serviceName).toBe('alertmanager-cluster');
    expect(args('alertmanager')).toContain('--cluster.listen-address=0.0.0.0:9094');
    const peers = args('alertmanager').filter((a) => a.startsWith('--cluster.peer=')).map((a) => a.slice('--cluster.peer='.length));
    expect(peers).toEqual(['alertmanager-0.alertmanager-cluster:9094', 'alertmanager-1.alertmanager-cluster:9094', 'alertmanager-2.alertmanager-cluster:9094']);
    for (const peer of peers) expect(resolve(objects(), peer)).toEqual({ pod: pod(objects(), 'alertmanager'), port: 9094 });
    expect(resolve(objects(), 'alertmanager-3.alertmanager-cluster:9094')).toEqual({ problem: 'alertmanager-3.alertmanager-cluster:9094: StatefulSet alertmanager has no replica 3' });
  });

  it('lets the Alertmanagers gossip on 9094 over TCP and UDP, and nobody else in', () => {
    const am = inNs(pod(objects(), 'alertmanager'));
    for (const protocol of ['TCP', 'UDP'] as const) expect(networkAllows(objects(), { from: am, to: am, port: 9094, protocol }), protocol).toBe(true);
    expect(networkAllows(objects(), { from: inNs(pod(objects(), 'grafana')), to: am, port: 9094 })).toBe(false);
    const withoutMesh = objects().filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'alertmanager-mesh'));
    expect(networkAllows(withoutMesh, { from: am, to: am, port: 9094 })).toBe(false);
  });

  it('runs Prometheus as a pair that sends every alert to every Alertmanager, told apart by the replica label, which alerts drop', () => {
    expect(set('prometheus').replicas).toBe(2);
    const prom = parse(data(objects(), 'prometheus-config')['prometheus.yml']!);
    expect(prom.global.external_labels.replica).toBe('${POD_NAME}');
    expect(set('prometheus').template.spec.containers[0].env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(prom.alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: 'replica' }]);
    expect(prom.alerting.alertmanagers[0].static_configs[0].targets).toHaveLength(3);
    const budgets = objects().filter((o) => o.kind === 'PodDisruptionBudget').map((o) => [o.metadata.name, (o.spec as any).minAvailable]);
    expect(budgets).toEqual(expect.arrayContaining([['prometheus', 1], ['alertmanager', 2]]));
  });

  it('the other overlays keep one of each', () => {
    for (const env of OVERLAYS.filter((e) => e !== 'production')) {
      const objs = rendered.get(env)!;
      expect(objs.filter((o) => o.kind === 'StatefulSet' && ['prometheus', 'alertmanager'].includes(o.metadata.name)).map((o) => (o.spec as any).replicas ?? 1), env).toEqual([1, 1]);
    }
  });
});

describe.each(OVERLAYS)('the %s overlay', (env: string) => {
  const objects = () => rendered.get(env)!;

  it('every configured connection names a Service whose port a container listens on, and the NetworkPolicies allow it', () => {
    const problems: string[] = [];
    const connections = configuredConnections(objects());
    expect(connections.length).toBeGreaterThanOrEqual(10);
    for (const [what, source, address] of connections) {
      const r = resolve(objects(), address);
      if ('problem' in r && r.problem) {
        problems.push(`${what}: ${r.problem}`);
        continue;
      }
      const target = r as { pod: Pod; port: number };
      if (!networkAllows(objects(), { from: inNs(pod(objects(), source)), to: inNs(target.pod), port: target.port })) problems.push(`${what} (${address}): blocked by NetworkPolicy`);
    }
    expect(problems).toEqual([]);
  });

  it('Prometheus can scrape every annotated pod on a port it listens on', () => {
    const prometheus = pod(objects(), 'prometheus');
    const annotated = podsOf(objects()).filter((p) => p.annotations['prometheus.io/port']);
    expect(annotated.map((p) => p.name).sort()).toEqual(['alertmanager', SERVICE, 'elasticsearch-exporter', 'grafana', 'jaeger', 'kube-state-metrics', 'logstash', 'prometheus'].sort());
    for (const p of annotated) {
      const port = Number(p.annotations['prometheus.io/port']);
      expect(p.containers.flatMap((c) => c.ports ?? []).map((x) => x.containerPort), p.name).toContain(port);
      if (p.name !== 'prometheus') expect(networkAllows(objects(), { from: inNs(prometheus), to: inNs(p), port }), p.name).toBe(true);
    }
    // Services in other namespaces: Prometheus may connect (their own policies decide the rest).
    expect(networkAllows(objects(), { from: inNs(prometheus), to: { namespace: 'shop', labels: { 'app.kubernetes.io/name': 'checkout' } }, port: 8080 })).toBe(true);
  });

  it('every pod resolves names through the cluster DNS', () => {
    const dns = { namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
    for (const p of podsOf(objects())) {
      for (const protocol of ['UDP', 'TCP'] as const) expect(networkAllows(objects(), { from: inNs(p), to: dns, port: 53, protocol }), p.name).toBe(true);
    }
    // DNS pods labelled otherwise, in another namespace (OpenShift's), and NodeLocal DNSCache: port 53 only.
    const grafana = inNs(pod(objects(), 'grafana'));
    expect(networkAllows(objects(), { from: grafana, to: { namespace: 'openshift-dns', labels: { 'dns.operator.openshift.io/daemonset-dns': 'default' } }, port: 53, protocol: 'UDP' })).toBe(true);
    expect(networkAllows(objects(), { from: grafana, to: { namespace: 'node-local', labels: {}, external: true }, port: 53, protocol: 'UDP' })).toBe(true);
    expect(networkAllows(objects(), { from: grafana, to: dns, port: 8080 })).toBe(false);
  });

  it('applications in other namespaces reach Jaeger OTLP and Logstash, and nothing else of the stack', () => {
    const app = { namespace: 'shop', labels: { 'app.kubernetes.io/name': 'checkout' } };
    const to = (name: string, port: number) => networkAllows(objects(), { from: app, to: inNs(pod(objects(), name)), port });
    expect([to('jaeger', 4317), to('jaeger', 4318), to('logstash', 5000)]).toEqual([true, true, true]);
    expect([to('jaeger', 16686), to('grafana', 3000), to('prometheus', 9090), to('elasticsearch', 9200), to('kibana', 5601), to(SERVICE, 8080)]).toEqual([false, false, false, false, false, false]);
  });

  it('the connection check fails when the policies that allow them are removed', () => {
    const without = objects().filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name.startsWith('grafana-egress')));
    const grafana = pod(without, 'grafana');
    const blocked = configuredConnections(without)
      .filter(([, source]) => source === 'grafana')
      .filter(([, , address]) => {
        const r = resolve(without, address) as { pod: Pod; port: number };
        return !networkAllows(without, { from: inNs(grafana), to: inNs(r.pod), port: r.port });
      })
      .map(([what]) => what);
    expect(blocked).toEqual(['Grafana datasource Prometheus', 'Grafana datasource Alertmanager', 'Grafana datasource Jaeger', 'Grafana datasource Elasticsearch']);
    const svcless = objects().filter((o) => !(o.kind === 'Service' && o.metadata.name === 'jaeger'));
    expect(resolve(svcless, 'http://jaeger:4318')).toEqual({ problem: 'http://jaeger:4318: no Service jaeger' });
  });

  it('flows nobody configured are denied', () => {
    const flow = (from: string, to: string, port: number) => networkAllows(objects(), { from: inNs(pod(objects(), from)), to: inNs(pod(objects(), to)), port });
    expect(flow(SERVICE, 'elasticsearch', 9200)).toBe(false);
    expect(flow('kibana', 'prometheus', 9090)).toBe(false);
    expect(flow('grafana', 'kibana', 5601)).toBe(false);
    expect(flow('logstash', 'prometheus', 9090)).toBe(false);
    expect(flow('jaeger', SERVICE, 8080)).toBe(false);
    expect(flow(SERVICE, 'grafana', 3000)).toBe(false);
    expect(flow('grafana', 'elasticsearch', 9300)).toBe(false);
  });
});

describe.each(OVERLAYS)('the %s overlay mounts each file where its reader looks', (env: string) => {
  const objects = () => rendered.get(env)!;
  /** mountPath -> ConfigMap/Secret name without its hash suffix, for one workload's first container. */
  const mounts = (name: string): Record<string, string> => {
    const w = objects().find((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.name === name)!.spec as any;
    const volumes = new Map<string, string>(
      w.template.spec.volumes
        .filter((v: any) => v.configMap || v.secret)
        .map((v: any) => [v.name, (v.configMap?.name ?? v.secret.secretName).replace(/-[a-z0-9]{10}$/, '')]),
    );
    return Object.fromEntries(w.template.spec.containers[0].volumeMounts.filter((m: any) => volumes.has(m.name)).map((m: any) => [m.mountPath, volumes.get(m.name)]));
  };

  it('Grafana: provisioning in /etc/grafana/provisioning, one dashboards ConfigMap at each provider path, none left over', () => {
    const m = mounts('grafana');
    expect(m['/etc/grafana/provisioning/datasources']).toBe('grafana-datasources');
    expect(m['/etc/grafana/provisioning/dashboards']).toBe('grafana-dashboard-providers');
    const providers = parse(data(objects(), 'grafana-dashboard-providers')['dashboards.yaml']!).providers as { options: { path: string } }[];
    const dashboardMaps = objects().filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboards-')).map((o) => o.metadata.name.replace(/-[a-z0-9]{10}$/, ''));
    expect(providers.map((p) => m[p.options.path]).sort()).toEqual(dashboardMaps.sort());
    for (const name of dashboardMaps) {
      const files = Object.keys(objects().find((o) => o.metadata.name.startsWith(`${name}-`))!.data as object);
      expect(files.length, name).toBeGreaterThan(0);
      expect(files.every((f) => f.endsWith('.json')), name).toBe(true);
    }
  });

  it('Prometheus: prometheus.yml in /etc/prometheus and the rule files in the rules/ folder it loads', () => {
    const m = mounts('prometheus');
    expect(m['/etc/prometheus']).toBe('prometheus-config');
    const ruleGlob = parse(data(objects(), 'prometheus-config')['prometheus.yml']!).rule_files as string[];
    expect(ruleGlob).toEqual(['rules/*.yml']);
    expect(m['/etc/prometheus/rules']).toBe('prometheus-rules');
    expect(Object.keys(data(objects(), 'prometheus-rules')).every((f) => f.endsWith('.yml'))).toBe(true);
  });

  it('Alertmanager: its configuration and template together, the receivers\' credential files where the *_file settings point', () => {
    const m = mounts('alertmanager');
    expect(m['/etc/alertmanager/config']).toBe('alertmanager-config');
    expect(m['/etc/alertmanager/secrets']).toBe('alertmanager-receivers');
    const secret = objects().find((o) => o.kind === 'Secret')! as K8sObject & { data: Record<string, string> };
    const config = Buffer.from(secret.data['alertmanager.yml']!.replace(/\s/g, ''), 'base64').toString('utf8');
    const files = [...config.matchAll(/_file: (\S+)/g)].map((x) => x[1]!);
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) expect(f, 'a *_file path outside the receivers Secret').toMatch(/^\/etc\/alertmanager\/secrets\/[\w.-]+$/);
    expect(parse(config).templates).toEqual(['*.tmpl']);
    expect(Object.keys(secret.data).filter((k) => k.endsWith('.tmpl'))).toEqual(['notifications.tmpl']);
  });
});

describe('the components', () => {
  const ingressNginx = { namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' } };

  it('ingress: the controller reaches every Ingress backend, and nothing else', () => {
    const objects = rendered.get('ingress')!;
    const ingresses = objects.filter((o) => o.kind === 'Ingress') as any[];
    for (const ing of ingresses) {
      const backend = ing.spec.rules[0].http.paths[0].backend.service;
      const svc = objects.find((o) => o.kind === 'Service' && o.metadata.name === backend.name) as any;
      const port = svc.spec.ports.find((p: any) => p.name === backend.port.name);
      expect(port, `${backend.name}:${backend.port.name}`).toBeDefined();
      const r = resolve(objects, `${backend.name}:${port.port}`) as { pod: Pod; port: number };
      expect(networkAllows(objects, { from: ingressNginx, to: inNs(r.pod), port: r.port }), backend.name).toBe(true);
    }
    expect(networkAllows(objects, { from: ingressNginx, to: inNs(pod(objects, 'elasticsearch')), port: 9200 })).toBe(false);
  });

  it('keda: the operator in namespace keda reaches the Prometheus its trigger queries, only with the component', () => {
    const keda = { namespace: 'keda', labels: { 'app.kubernetes.io/name': 'keda-operator' } };
    const objects = rendered.get('keda')!;
    const so = objects.find((o) => o.kind === 'ScaledObject') as any;
    const r = resolve(objects, so.spec.triggers[0].metadata.serverAddress) as { pod: Pod; port: number };
    expect(r.pod.name).toBe('prometheus');
    expect(networkAllows(objects, { from: keda, to: inNs(r.pod), port: r.port })).toBe(true);
    expect(networkAllows(rendered.get('production')!, { from: keda, to: inNs(r.pod), port: r.port })).toBe(false);
  });
});
