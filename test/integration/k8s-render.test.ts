// The Kubernetes bundle rendered by the real kustomize: every overlay, every
// optional component on top of an overlay, and what each overlay changes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../signals/alert-settings.ts';
import { USER_SECRETS } from '../../k8s/policy.ts';
import { COMPONENTS, kustomizeBuild, OVERLAYS, renderOverlay, renderWithComponent, type ComponentName, type K8sObject } from '../../k8s/render.ts';

const rendered = new Map<Environment, K8sObject[]>();
const withComponent = new Map<ComponentName, K8sObject[]>();
beforeAll(async () => {
  for (const env of OVERLAYS) rendered.set(env, await renderOverlay(env));
  for (const c of COMPONENTS) withComponent.set(c, await renderWithComponent('production', c));
});

const overlay = (env: Environment): K8sObject[] => rendered.get(env)!;
const find = (objects: readonly K8sObject[], kind: string, name: string): K8sObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);
const get = (objects: readonly K8sObject[], kind: string, name: string): any => {
  const o = find(objects, kind, name);
  if (!o) throw new Error(`${kind}/${name} is not rendered`);
  return o;
};
const demoPod = (objects: readonly K8sObject[]): any => get(objects, 'Deployment', 'demo-shop').spec.template.spec;

describe('every overlay', () => {
  it.each(OVERLAYS)('%s renders the whole stack into the observability namespace', (env) => {
    const objects = overlay(env);
    const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).map((o) => `${o.kind}/${o.metadata.name}`);
    expect(workloads.sort()).toEqual([
      'Deployment/demo-shop',
      'Deployment/elasticsearch-exporter',
      'Deployment/grafana',
      'Deployment/jaeger',
      'Deployment/kibana',
      'Deployment/logstash',
      'StatefulSet/alertmanager',
      'StatefulSet/elasticsearch',
      'StatefulSet/prometheus',
    ]);
    const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'];
    for (const o of objects.filter((x) => !clusterScoped.includes(x.kind))) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('observability');
    expect(get(objects, 'ConfigMap', findName(objects, 'ConfigMap', 'demo-shop')).data.DEPLOYMENT_ENVIRONMENT).toBe(env);
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

  it.each(OVERLAYS)('%s: the demo service drains gracefully, probes /healthz and /readyz and joins Jaeger and Logstash', (env) => {
    const pod = demoPod(overlay(env));
    const [c] = pod.containers;
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(c.lifecycle.preStop.sleep.seconds).toBeGreaterThan(0);
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(get(overlay(env), 'ServiceAccount', 'demo-shop').automountServiceAccountToken).toBe(false);
    expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }));
    expect(c.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.topologySpreadConstraints.map((t: any) => t.topologyKey)).toContain('kubernetes.io/hostname');
    const data = get(overlay(env), 'ConfigMap', findName(overlay(env), 'ConfigMap', 'demo-shop')).data;
    expect(data).toMatchObject({
      PORT: '8080',
      SERVICE_NAME: 'demo-shop',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
      LOGSTASH_HOST: 'logstash',
      LOGSTASH_PORT: '5000',
    });
    expect(get(overlay(env), 'Deployment', 'demo-shop').spec.template.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8080',
      'prometheus.io/path': '/metrics',
    });
  });

  it.each(OVERLAYS)('%s: Jaeger serves OTLP on 4317/4318 and its UI on 16686; Logstash listens on 5000', (env) => {
    const ports = (name: string) => get(overlay(env), 'Service', name).spec.ports.map((p: any) => p.port);
    expect(ports('jaeger')).toEqual([4317, 4318, 16686]);
    expect(ports('logstash')).toEqual([5000]);
  });
});

describe('what each overlay changes', () => {
  it('development runs one demo replica, smaller, without an HPA', () => {
    const objects = overlay('development');
    expect(get(objects, 'Deployment', 'demo-shop').spec.replicas).toBe(1);
    expect(find(objects, 'HorizontalPodAutoscaler', 'demo-shop')).toBeUndefined();
    expect(demoPod(objects).containers[0].resources.limits.memory).toBe('256Mi');
  });

  it('staging runs two replicas with an HPA from 2 to 5', () => {
    const objects = overlay('staging');
    expect(get(objects, 'Deployment', 'demo-shop').spec.replicas).toBe(2);
    const hpa = get(objects, 'HorizontalPodAutoscaler', 'demo-shop').spec;
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([2, 5]);
  });

  it('production runs three replicas, HPA 3 to 20, PDB minAvailable 2, spread over nodes and zones, bigger volumes and retention', () => {
    const objects = overlay('production');
    expect(get(objects, 'Deployment', 'demo-shop').spec.replicas).toBe(3);
    const hpa = get(objects, 'HorizontalPodAutoscaler', 'demo-shop').spec;
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([3, 20]);
    expect(get(objects, 'PodDisruptionBudget', 'demo-shop').spec).toEqual({ minAvailable: 2, selector: { matchLabels: { 'app.kubernetes.io/name': 'demo-shop' } } });
    const spread = demoPod(objects).topologySpreadConstraints.map((t: any) => [t.topologyKey, t.whenUnsatisfiable]);
    expect(spread).toEqual(
      expect.arrayContaining([
        ['kubernetes.io/hostname', 'DoNotSchedule'],
        ['topology.kubernetes.io/zone', 'ScheduleAnyway'],
      ]),
    );
    const storage = (name: string, env: Environment) => get(overlay(env), 'StatefulSet', name).spec.volumeClaimTemplates[0].spec.resources.requests.storage;
    expect([storage('prometheus', 'production'), storage('prometheus', 'staging')]).toEqual(['100Gi', '20Gi']);
    expect([storage('elasticsearch', 'production'), storage('elasticsearch', 'staging')]).toEqual(['200Gi', '30Gi']);
    const args = (env: Environment) => get(overlay(env), 'StatefulSet', 'prometheus').spec.template.spec.containers[0].args;
    expect(args('production')).toContain('--storage.tsdb.retention.time=30d');
    expect(args('staging')).toContain('--storage.tsdb.retention.time=15d');
  });

  it.each(['staging', 'production'] as const)('%s: the HPA scales on CPU and memory with stabilization windows and percent policies', (env) => {
    const hpa = get(overlay(env), 'HorizontalPodAutoscaler', 'demo-shop');
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
  it.each(COMPONENTS)('%s renders on top of the production overlay, in the same namespace', (c) => {
    const objects = withComponent.get(c)!;
    const added = objects.filter((o) => !overlay('production').some((p) => p.kind === o.kind && p.metadata.name === o.metadata.name));
    expect(added.length).toBeGreaterThan(0);
    for (const o of added) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe('observability');
  });

  it('ingress exposes the five UIs through their Services', () => {
    const ingresses = withComponent.get('ingress')!.filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((i: any) => i.spec.rules[0].http.paths[0].backend.service.name).sort()).toEqual(['alertmanager', 'grafana', 'jaeger', 'kibana', 'prometheus']);
  });

  it('prometheus-operator adds a ServiceMonitor for the demo Service and the generated PrometheusRule', () => {
    const objects = withComponent.get('prometheus-operator')!;
    const sm = get(objects, 'ServiceMonitor', 'demo-shop');
    const svc = get(objects, 'Service', 'demo-shop');
    expect(sm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'demo-shop' });
    expect(svc.metadata.labels['app.kubernetes.io/name']).toBe('demo-shop');
    expect(svc.spec.ports.map((p: any) => p.name)).toContain(sm.spec.endpoints[0].port);
    expect(get(objects, 'PrometheusRule', 'node-observability-kit-rules').spec.groups.length).toBeGreaterThan(0);
  });

  it('keda scales the demo on its request rate from Prometheus and removes the CPU/memory HPA it would fight', () => {
    const objects = withComponent.get('keda')!;
    expect(find(objects, 'HorizontalPodAutoscaler', 'demo-shop')).toBeUndefined();
    const so = get(objects, 'ScaledObject', 'demo-shop');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'demo-shop' });
    const [trigger] = so.spec.triggers;
    expect(trigger.type).toBe('prometheus');
    expect(trigger.metadata.query).toContain('http_server_request_duration_seconds_count');
    expect(trigger.metadata.serverAddress).toBe('http://prometheus.observability.svc:9090');
  });

  it('vpa only recommends (updateMode Off) and targets workloads that exist', () => {
    const objects = withComponent.get('vpa')!;
    const vpas = objects.filter((o) => o.kind === 'VerticalPodAutoscaler') as any[];
    expect(vpas.length).toBeGreaterThan(0);
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

/** Generated ConfigMaps carry a content hash suffix: the rendered name of `base`. */
function findName(objects: readonly K8sObject[], kind: string, base: string): string {
  const o = objects.find((x) => x.kind === kind && new RegExp(`^${base}-[a-z0-9]{10}$`).test(x.metadata.name));
  if (!o) throw new Error(`no ${kind} generated from ${base}`);
  return o.metadata.name;
}
