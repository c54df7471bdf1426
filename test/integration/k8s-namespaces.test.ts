// environments.<env>.namespace: two environments of one project in one cluster. The real kustomize
// renders the overlays; nothing cluster-wide or namespaced that one applies may be the other's object.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { networkAllows } from '../../k8s/policy.ts';
import type { K8sObject } from '../../k8s/render.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { validateProject } from '../../signals/project/validate.ts';
import { demoProject, generateInto, renderBundle, type WrittenOutput } from '../support/bundle.ts';

const demo = demoProject();
const STAGING = `${demo.name}-staging`;
const project: ProjectConfig = { ...demo, environments: { ...demo.environments, staging: { ...demo.environments?.staging, namespace: STAGING } } };
let out: WrittenOutput | undefined;
let rendered: Map<string, K8sObject[]>;

beforeAll(async () => {
  out = await generateInto(project, 'k8s-namespaces-');
  rendered = await renderBundle(out.k8s);
});
afterAll(() => out?.remove());

const overlay = (env: string) => rendered.get(`overlay ${env}`)!;
const one = (objects: readonly K8sObject[], kind: string, name?: string): any => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name))!;
/** What applying the objects creates: kind, namespace (none for cluster-wide ones) and name. */
const identities = (objects: readonly K8sObject[]) => new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));

describe('an environment with a namespace of its own', () => {
  it('puts every namespaced object of its overlay there, and names the Namespace and the cluster-wide RBAC after it', () => {
    const staging = overlay('staging');
    const clusterWide = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding']);
    expect(staging.filter((o) => !clusterWide.has(o.kind) && o.metadata.namespace !== STAGING).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(one(staging, 'Namespace').metadata.name).toBe(STAGING);
    expect(one(staging, 'ClusterRole').metadata.name).toBe(`${STAGING}-prometheus`);
    const binding = one(staging, 'ClusterRoleBinding');
    expect(binding.metadata.name).toBe(`${STAGING}-prometheus`);
    expect(binding.roleRef.name).toBe(`${STAGING}-prometheus`);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'prometheus', namespace: STAGING }]);
    expect(one(staging, 'RoleBinding', 'kube-state-metrics').subjects[0].namespace).toBe(STAGING);
    expect(one(staging, 'Deployment', 'kube-state-metrics').spec.template.spec.containers[0].args).toContain(`--namespaces=${STAGING}`);
  });

  it('shares no object with an overlay in the project namespace, so both apply to one cluster', () => {
    const production = overlay('production');
    expect(one(production, 'ClusterRole').metadata.name).toBe(`${demo.name}-prometheus`);
    const shared = [...identities(overlay('staging'))].filter((id) => identities(production).has(id));
    expect(shared).toEqual([]);
  });

  it("lets each namespace's Prometheus scrape node-exporter", () => {
    const nodeExporter = rendered.get('node-exporter')!;
    const to = { namespace: 'node-exporter', labels: one(nodeExporter, 'DaemonSet').spec.template.metadata.labels };
    for (const namespace of [demo.name, STAGING]) expect(networkAllows(nodeExporter, { from: { namespace, labels: { 'app.kubernetes.io/name': 'prometheus' } }, to, port: 9100 }), namespace).toBe(true);
    expect(networkAllows(nodeExporter, { from: { namespace: 'elsewhere', labels: { 'app.kubernetes.io/name': 'prometheus' } }, to, port: 9100 })).toBe(false);
  });

  it('refuses a namespace Kubernetes would refuse, naming the field', () => {
    expect(() => validateProject({ ...project, environments: { staging: { namespace: 'Shop_Staging' } } })).toThrow(/environments\.staging\.namespace/);
  });
});
