// The demo's generated Kubernetes bundle rendered by the real kustomize:
// every overlay, every optional component on top of the overlays it is made
// for, and what each overlay changes according to the project config.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { maxReplicas } from '../../k8s/build.ts';
import { networkAllows, USER_SECRETS } from '../../k8s/policy.ts';
import { generatedData, kustomizeBuild, type K8sObject } from '../../k8s/render.ts';
import { configFor, environmentsOf } from '../../signals/alert-settings.ts';
import { demoProject, generateInto, renderBundle, type WrittenOutput } from '../support/bundle.ts';

const project = demoProject();
const NS = project.name;
const OVERLAYS = environmentsOf(project);
const SERVICE = project.services[0]!.name;
let out: WrittenOutput;
let rendered: Map<string, K8sObject[]>;
beforeAll(async () => {
  out = await generateInto(project, 'k8s-render-');
  rendered = await renderBundle(out.k8s);
});
afterAll(() => out?.remove());

const overlay = (env: string): K8sObject[] => rendered.get(`overlay ${env}`)!;
const withComponent = (component: string, env = 'production'): K8sObject[] => rendered.get(`overlay ${env} + component ${component}`)!;
const find = (objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const get = (objects: readonly K8sObject[], kind: string, name: string): any => {
  const o = find(objects, kind, name);
  if (!o) throw new Error(`${kind}/${name} is not rendered`);
  return o;
};
const demoPod = (objects: readonly K8sObject[]): any => get(objects, 'Deployment', SERVICE).spec.template.spec;
const demoPodLabels = (objects: readonly K8sObject[]): Record<string, string> => get(objects, 'Deployment', SERVICE).spec.template.metadata.labels;

describe('every overlay', () => {
  it.each(OVERLAYS)('%s: Grafana keeps the plugins its pinned image ships (no preinstall download, no auto-update), as the compose bundle does', (env) => {
    const grafanaEnv = (get(overlay(env), 'Deployment', 'grafana').spec.template.spec.containers[0].env as { name: string; value?: string }[]).filter((e) => e.name.startsWith('GF_PLUGINS_'));
    expect(grafanaEnv).toEqual([{ name: 'GF_PLUGINS_PREINSTALL_DISABLED', value: 'true' }, { name: 'GF_PLUGINS_PREINSTALL_AUTO_UPDATE', value: 'false' }]);
    const compose = parse(out.files.get('compose/compose.yaml')!).services.grafana.environment;
    expect([compose.GF_PLUGINS_PREINSTALL_DISABLED, compose.GF_PLUGINS_PREINSTALL_AUTO_UPDATE]).toEqual(['true', 'false']);
  });

  it.each(OVERLAYS)('%s: kube-state-metrics watches this namespace only, read-only (list and watch through a Role), hardened and scraped', (env) => {
    const objects = overlay(env);
    const ksm = get(objects, 'Deployment', 'kube-state-metrics');
    expect(ksm.spec.template.spec.containers[0].args).toContain(`--namespaces=${NS}`);
    expect(ksm.spec.template.spec.containers[0].image).toMatch(/:v\d+\.\d+\.\d+$/);
    expect(ksm.spec.template.metadata.annotations['prometheus.io/port']).toBe('8080');
    const role = get(objects, 'Role', 'kube-state-metrics');
    expect([...new Set(role.rules.flatMap((r: any) => r.verbs))].sort()).toEqual(['list', 'watch']);
    expect(objects.filter((o) => o.kind === 'ClusterRole' && o.metadata.name.includes('kube-state-metrics'))).toEqual([]);
    expect(get(objects, 'RoleBinding', 'kube-state-metrics').subjects).toEqual([{ kind: 'ServiceAccount', name: 'kube-state-metrics', namespace: NS }]);
  });

  it.each(OVERLAYS)('%s: every StatefulSet with a volume claim re-owns it only on a root mismatch (fsGroupChangePolicy), not file by file at each start', (env) => {
    const sets = overlay(env).filter((o) => o.kind === 'StatefulSet' && (o.spec as any).volumeClaimTemplates?.length > 0);
    expect(sets.length).toBeGreaterThanOrEqual(3);
    expect(sets.filter((o) => (o.spec as any).template.spec.securityContext.fsGroupChangePolicy !== 'OnRootMismatch').map((o) => o.metadata.name)).toEqual([]);
  });

  it.each(OVERLAYS)('%s renders the service and the whole stack into the project’s namespace', (env) => {
    const objects = overlay(env);
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(workloads.sort()).toEqual([
      'Deployment/demo-shop',
      'Deployment/elasticsearch-exporter',
      'Deployment/grafana',
      'Deployment/jaeger',
      'Deployment/kibana',
      'Deployment/kube-state-metrics',
      'Deployment/logstash',
      'StatefulSet/alertmanager',
      'StatefulSet/elasticsearch',
      'StatefulSet/prometheus',
    ]);
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'];
    for (const o of objects.filter((x) => !clusterScoped.includes(x.kind))) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(NS);
    expect(get(objects, 'Namespace', NS).metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(generatedData(objects, 'ConfigMap', 'deployment-environment')).toEqual({ DEPLOYMENT_ENVIRONMENT: env });
    for (const o of objects) expect(o.metadata.labels?.['app.kubernetes.io/instance'], `${o.kind}/${o.metadata.name}`).toBe(env);
  });

  it.each(OVERLAYS)('%s: every ConfigMap and Secret a pod uses is rendered, except the Secrets the user creates', (env) => {
    const objects = overlay(env);
    const names = (kind: string) => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
    const configMaps = names('ConfigMap');
    const secrets = names('Secret');
    const missing: string[] = [];
    for (const w of objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))) {
      const pod = (w.spec as any).template.spec;
      const refs: [string, string][] = [];
      for (const v of pod.volumes ?? []) {
        if (v.configMap) refs.push(['ConfigMap', v.configMap.name]);
        if (v.secret) refs.push(['Secret', v.secret.secretName]);
      }
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        for (const e of c.env ?? []) {
          if (e.valueFrom?.configMapKeyRef) refs.push(['ConfigMap', e.valueFrom.configMapKeyRef.name]);
          if (e.valueFrom?.secretKeyRef) refs.push(['Secret', e.valueFrom.secretKeyRef.name]);
        }
        for (const e of c.envFrom ?? []) if (e.configMapRef) refs.push(['ConfigMap', e.configMapRef.name]);
      }
      for (const [kind, name] of refs) {
        const ok = kind === 'ConfigMap' ? configMaps.has(name) : secrets.has(name) || (USER_SECRETS as readonly string[]).includes(name);
        if (!ok) missing.push(`${w.kind}/${w.metadata.name} -> ${kind}/${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it.each(OVERLAYS)('%s: the service drains gracefully, probes /healthz and /readyz, runs its image and joins Jaeger and Logstash', (env) => {
    const pod = demoPod(overlay(env));
    const [c] = pod.containers;
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(c.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(get(overlay(env), 'ServiceAccount', SERVICE).automountServiceAccountToken).toBe(false);
    expect(c.image).toBe(project.services[0]!.image);
    expect(c.envFrom.map((e: any) => e.configMapRef.name.replace(/-[a-z0-9]{10}$/, ''))).toEqual([SERVICE, 'deployment-environment']);
    expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }));
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain('kubernetes.io/hostname');
    const data = generatedData(overlay(env), 'ConfigMap', SERVICE);
    expect(data).toMatchObject({
      PORT: '8080',
      SERVICE_NAME: SERVICE,
      OTEL_SERVICE_NAME: SERVICE,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      LOGSTASH_HOST: 'logstash',
      LOGSTASH_PORT: '5000',
    });
    expect(get(overlay(env), 'Deployment', SERVICE).spec.template.metadata.annotations).toEqual({ 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
  });

  it.each(OVERLAYS)('%s: Jaeger serves OTLP on 4317/4318 and its UI on 16686; Logstash listens on 5000', (env) => {
    const ports = (name: string) => get(overlay(env), 'Service', name).spec.ports.map((p: any) => p.port);
    expect(ports('jaeger')).toEqual([4317, 4318, 16686]);
    expect(ports('logstash')).toEqual([5000]);
  });
});

describe('what each overlay changes', () => {
  const replicasIn = (env: string) => configFor(project, env).replicas[SERVICE]!;

  it.each(OVERLAYS)('%s runs the replicas its environment names, with a PodDisruptionBudget and an HPA only above one', (env) => {
    const objects = overlay(env);
    const replicas = replicasIn(env);
    expect(get(objects, 'Deployment', SERVICE).spec.replicas).toBe(replicas);
    if (replicas === 1) {
      expect(find(objects, 'HorizontalPodAutoscaler', SERVICE)).toBeUndefined();
      expect(find(objects, 'PodDisruptionBudget', SERVICE)).toBeUndefined();
      return;
    }
    const hpa = get(objects, 'HorizontalPodAutoscaler', SERVICE).spec;
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([replicas, maxReplicas(replicas)]);
    expect(get(objects, 'PodDisruptionBudget', SERVICE).spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': SERVICE } } });
  });

  it('the demo config gives production three replicas and the other environments one', () => {
    expect(OVERLAYS.map((env) => [env, replicasIn(env)])).toEqual([['production', 3], ['staging', 1], ['development', 1]]);
  });

  it.each(OVERLAYS)('%s keeps its environment’s retention', (env) => {
    const args = get(overlay(env), 'StatefulSet', 'prometheus').spec.template.spec.containers[0].args as string[];
    expect(args.filter((a) => a.startsWith('--storage.tsdb.retention.time='))).toEqual([`--storage.tsdb.retention.time=${configFor(project, env).stack.retention}`]);
  });

  it('replicas spread over nodes and zones as far as the cluster allows', () => {
    const spread = demoPod(overlay('production')).topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable]);
    expect(spread).toEqual([
      ['kubernetes.io/hostname', 'ScheduleAnyway'],
      ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
    ]);
  });

  it('the HPA scales on CPU and memory with stabilization windows and percent policies', () => {
    const hpa = get(overlay('production'), 'HorizontalPodAutoscaler', SERVICE);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.metrics.map((m: any) => m.resource.name)).toEqual(['cpu', 'memory']);
    for (const dir of ['scaleUp', 'scaleDown']) {
      expect(hpa.spec.behavior[dir].stabilizationWindowSeconds).toEqual(expect.any(Number));
      expect(hpa.spec.behavior[dir].policies.map((p: any) => p.type)).toContain('Percent');
    }
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBeGreaterThan(hpa.spec.behavior.scaleUp.stabilizationWindowSeconds);
  });
});

describe('the optional components', () => {
  const components = () => [...rendered.keys()].filter((k) => k.includes(' + component '));

  it('each renders on top of the overlays it is made for, adding objects in the same namespace', () => {
    expect(components().sort()).toEqual(
      [
        ...OVERLAYS.flatMap((env) => [`overlay ${env} + component ingress`, `overlay ${env} + component vpa`, `overlay ${env} + component prometheus-operator/${env}`]),
        'overlay production + component keda/production',
      ].sort(),
    );
    for (const name of components()) {
      const env = /^overlay (\S+)/.exec(name)![1]!;
      const added = rendered.get(name)!.filter((o) => !overlay(env).some((p) => p.kind === o.kind && p.metadata.name === o.metadata.name));
      expect(added.length, name).toBeGreaterThan(0);
      for (const o of added) expect(o.metadata.namespace, `${name}: ${o.kind}/${o.metadata.name}`).toBe(NS);
    }
  });

  it('ingress exposes the five UIs through their Services', () => {
    const ingresses = withComponent('ingress').filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((i: any) => i.spec.rules[0].http.paths[0].backend.service.name).sort()).toEqual(['alertmanager', 'grafana', 'jaeger', 'kibana', 'prometheus']);
    expect(ingresses.map((i: any) => i.spec.rules[0].host)).toContain(`grafana.${NS}.example.com`);
  });

  it.each(OVERLAYS)('prometheus-operator/%s adds a ServiceMonitor for the service’s Service and the PrometheusRule', (env) => {
    const objects = withComponent(`prometheus-operator/${env}`, env);
    const sm = get(objects, 'ServiceMonitor', SERVICE);
    const svc = get(objects, 'Service', SERVICE);
    expect(sm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': SERVICE });
    expect(svc.metadata.labels['app.kubernetes.io/name']).toBe(SERVICE);
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(sm.spec.endpoints[0]).toMatchObject({ path: '/metrics', interval: '15s', scrapeTimeout: '10s' });
    expect(objects.filter((o) => o.kind === 'PrometheusRule')).toHaveLength(1);
  });

  it.each(OVERLAYS)('prometheus-operator/%s: kube-prometheus-stack selects its objects, its Prometheus may scrape the namespace, and the alerts are evaluated once', (env) => {
    const objects = withComponent(`prometheus-operator/${env}`, env);
    for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
      for (const o of objects.filter((x) => x.kind === kind)) expect(o.metadata.labels?.release, `${kind}/${o.metadata.name}`).toBe('kube-prometheus-stack');
    }
    const operatorPrometheus = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' } };
    const servicePod = { namespace: NS, labels: demoPodLabels(objects) };
    expect(networkAllows(objects, { from: operatorPrometheus, to: servicePod, port: project.services[0]!.port })).toBe(true);
    expect(networkAllows(overlay(env), { from: operatorPrometheus, to: servicePod, port: project.services[0]!.port })).toBe(false);
    // The bundle's Prometheus keeps the recording rules its dashboards read and none of the alerts the operator's now evaluates.
    const kept = parse(generatedData(objects, 'ConfigMap', 'prometheus-rules')['rules.yml']!).groups.flatMap((g: any) => g.rules);
    const overlayRules = parse(generatedData(overlay(env), 'ConfigMap', 'prometheus-rules')['rules.yml']!).groups.flatMap((g: any) => g.rules);
    expect(kept.filter((r: any) => r.alert)).toEqual([]);
    expect(kept).toEqual(overlayRules.filter((r: any) => r.record));
    expect(kept.length).toBeGreaterThan(0);
    const rule = get(objects, 'PrometheusRule', project.name);
    expect(rule.spec.groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert).length).toBe(overlayRules.filter((r: any) => r.alert).length);
  });

  it('keda scales the service of production on its request rate from Prometheus, from its replicas up, and removes the HPA it would fight', () => {
    const objects = withComponent('keda/production');
    expect(find(objects, 'HorizontalPodAutoscaler', SERVICE)).toBeUndefined();
    const so = get(objects, 'ScaledObject', SERVICE);
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: SERVICE });
    expect([so.spec.minReplicaCount, so.spec.maxReplicaCount]).toEqual([3, maxReplicas(3)]);
    const [trigger] = so.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toBe(`sum(rate(http_server_request_duration_seconds_count{job="${SERVICE}"}[2m]))`);
    expect(trigger.metadata.serverAddress).toBe(`http://prometheus.${NS}.svc:9090`);
  });

  it('vpa only recommends (updateMode Off) and targets workloads that exist, the service’s among them', () => {
    const objects = withComponent('vpa');
    const vpas = objects.filter((o) => o.kind === 'VerticalPodAutoscaler') as any[];
    expect(vpas.map((v) => v.metadata.name)).toContain(SERVICE);
    for (const v of vpas) {
      expect(v.spec.updatePolicy.updateMode).toBe('Off');
      expect(find(objects, v.spec.targetRef.kind, v.spec.targetRef.name), v.metadata.name).toBeDefined();
    }
  });
});

describe('kustomize itself', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8s-broken-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects a kustomization that references a missing file, with its own message', async () => {
    await writeFile(path.join(dir, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - missing.yaml\n');
    await expect(kustomizeBuild(dir)).rejects.toThrow(/kustomize build .* failed: .*missing\.yaml/s);
  });
});
