// Every rendered object of the demo's generated bundle against the schemas of current releases: Kubernetes
// (kubernetes-models 5.1), Prometheus Operator, KEDA and VPA CRDs
// (@kubernetes-models/*). The packages' validators let unknown fields pass, so
// the known-field check typechecks each object against the packages' generated
// interfaces, which rejects any field the schema does not declare.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type K8sObject, renderTargets, targetName } from '../../k8s/render.ts';
import { knownFieldErrors, modelModule, schemaErrors } from '../../k8s/schema.ts';
import { demoProject, generateInto, renderBundle } from '../support/bundle.ts';

const out = await generateInto(demoProject(), 'k8s-schema-');
afterAll(() => out.remove());
const targets = renderTargets(out.k8s).map(targetName);
let rendered: Map<string, K8sObject[]>;
let unique: K8sObject[] = [];

beforeAll(async () => {
  rendered = await renderBundle(out.k8s);
  // Overlays share most objects: check each distinct object once.
  const seen = new Map<string, K8sObject>();
  for (const objects of rendered.values()) for (const o of objects) seen.set(JSON.stringify(o), o);
  unique = [...seen.values()];
});

describe('schema validation', () => {
  it.each(targets)('%s: every object passes its schema validator', async (target) => {
    expect(await schemaErrors(rendered.get(target)!)).toEqual([]);
  });

  it('every distinct rendered object declares only fields its schema knows, with fitting types', async () => {
    expect(unique.length).toBeGreaterThan(60);
    expect(await knownFieldErrors(unique)).toEqual([]);
  }, 120_000);

  it('covers the CRDs of the optional components with their own packages', () => {
    const kinds = new Set(unique.map((o) => `${o.apiVersion} ${o.kind}`));
    for (const k of ['monitoring.coreos.com/v1 ServiceMonitor', 'monitoring.coreos.com/v1 PrometheusRule', 'keda.sh/v1alpha1 ScaledObject', 'autoscaling.k8s.io/v1 VerticalPodAutoscaler']) {
      expect(kinds.has(k), k).toBe(true);
    }
    expect(modelModule('keda.sh/v1alpha1', 'ScaledObject')).toBe('@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject');
    expect(modelModule('v1', 'ConfigMap')).toBe('kubernetes-models/v1/ConfigMap');
    expect(modelModule('networking.k8s.io/v1', 'NetworkPolicy')).toBe('kubernetes-models/networking.k8s.io/v1/NetworkPolicy');
  });
});

describe('the checks catch mistakes', () => {
  const pick = (kind: string, name: string): any => {
    const o = unique.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${kind}/${name} not rendered`);
    return structuredClone(o);
  };

  const typos: [string, string, string, (o: any) => void, string][] = [
    ['a misspelt container field', 'Deployment', 'demo-shop', (o: any) => void (o.spec.template.spec.containers[0].imagePullPolicyy = 'Always'), 'imagePullPolicyy'],
    ['a misspelt pod field', 'StatefulSet', 'prometheus', (o: any) => void (o.spec.template.spec.terminationGracePeriod = 30), 'terminationGracePeriod'],
    ['a field at the wrong level', 'HorizontalPodAutoscaler', 'demo-shop', (o: any) => void (o.spec.stabilizationWindowSeconds = 300), 'stabilizationWindowSeconds'],
    ['a misspelt NetworkPolicy field', 'NetworkPolicy', 'default-deny', (o: any) => void (o.spec.policyType = ['Ingress']), 'policyType'],
    ['a misspelt ScaledObject field', 'ScaledObject', 'demo-shop', (o: any) => void (o.spec.minReplicas = 2), 'minReplicas'],
    ['a misspelt VPA field', 'VerticalPodAutoscaler', 'demo-shop', (o: any) => void (o.spec.updatePolicy.mode = 'Off'), "'\"mode\"'"],
    ['a misspelt ServiceMonitor field', 'ServiceMonitor', 'demo-shop', (o: any) => void (o.spec.endpoints[0].scrapeInterval = '15s'), 'scrapeInterval'],
    ['a string where a number belongs', 'Deployment', 'grafana', (o: any) => void (o.spec.replicas = '3'), 'replicas'],
  ];
  it.each(typos)('the known-field check rejects %s', async (_what, kind, name, mutate, field) => {
    const o = pick(kind, name);
    mutate(o);
    const errors = await knownFieldErrors([o]);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join('\n')).toContain(`${kind}/${name}`);
    expect(errors.join('\n')).toContain(field);
  }, 60_000);

  it('the schema validator rejects a wrong enum value and a missing required field', async () => {
    const hpa = pick('HorizontalPodAutoscaler', 'demo-shop');
    hpa.spec.maxReplicas = undefined;
    const svc = pick('Service', 'demo-shop');
    svc.spec.ports[0].protocol = 'TCPX';
    const errors = await schemaErrors([hpa, svc]);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toMatch(/HorizontalPodAutoscaler\/demo-shop: .*maxReplicas/);
    expect(errors[1]).toMatch(/Service\/demo-shop: .*protocol/);
  });

  it('an object of a kind without a packaged schema is reported, not passed', async () => {
    const errors = await schemaErrors([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]);
    expect(errors).toEqual([expect.stringMatching(/^Widget\/w: no schema for example.com\/v1 Widget/)]);
  });
});
