// node-exporter in the Kubernetes bundle: a DaemonSet in its own namespace
// at the privileged Pod Security level (the project's namespace stays
// restricted), applied once per cluster from node-exporter/, scraped by the
// project's Prometheus and let through by the NetworkPolicies of both sides.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { bundleViolations, networkAllows, workloadViolations } from '../../k8s/policy.ts';
import { generatedData, type K8sObject, render } from '../../k8s/render.ts';
import { demoProject, generateInto, type WrittenOutput } from '../support/bundle.ts';

const project = demoProject();
let out: WrittenOutput;
let nodeExporter: K8sObject[];
let production: K8sObject[];
beforeAll(async () => {
  out = await generateInto(project, 'k8s-node-exporter-');
  nodeExporter = await render(out.k8s, { root: 'node-exporter' });
  production = await render(out.k8s, { overlay: 'production' });
}, 120_000);
afterAll(() => out?.remove());

const daemonSet = (): any => nodeExporter.find((o) => o.kind === 'DaemonSet')!;
const podLabels = (objects: readonly K8sObject[], name: string) => (objects.find((o) => ['StatefulSet', 'Deployment', 'DaemonSet'].includes(o.kind) && o.metadata.name === name)!.spec as any).template.metadata.labels;

describe('node-exporter', () => {
  it('runs on every node, tainted ones too, in the namespace node-exporter at the privileged level, with the host views it needs', () => {
    const ns = nodeExporter.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.name).toBe('node-exporter');
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(daemonSet().metadata.namespace).toBe('node-exporter');
    const pod = daemonSet().spec.template.spec;
    expect([pod.hostNetwork, pod.hostPID]).toEqual([true, true]);
    expect(pod.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(pod.volumes.map((v: any) => v.hostPath.path).sort()).toEqual(['/', '/proc', '/sys']);
    expect(pod.containers[0].volumeMounts.every((m: any) => m.readOnly === true)).toBe(true);
  });

  it('follows the house rules, and would not outside a privileged namespace', () => {
    expect(bundleViolations(nodeExporter)).toEqual([]);
    const restricted = nodeExporter.map((o) => (o.kind === 'Namespace' ? { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, 'pod-security.kubernetes.io/enforce': 'restricted' } } } : o));
    expect(workloadViolations(restricted)).toEqual(['DaemonSet/node-exporter: uses a host namespace outside a namespace of Pod Security level privileged']);
    // The project's own namespace stays restricted.
    expect(production.find((o) => o.kind === 'Namespace')!.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('is scraped by the project’s Prometheus in its namespace, and the policies of both namespaces let that through', () => {
    const prom = parse(generatedData(production, 'ConfigMap', 'prometheus-config')['prometheus.yml']!);
    const job = prom.scrape_configs.find((j: any) => j.job_name === 'node-exporter');
    expect(job.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['node-exporter'] } }]);
    expect(daemonSet().spec.template.metadata.annotations['prometheus.io/port']).toBe('9100');
    const both = [...production, ...nodeExporter];
    const to = { namespace: 'node-exporter', labels: podLabels(nodeExporter, 'node-exporter') };
    expect(networkAllows(both, { from: { namespace: project.name, labels: podLabels(production, 'prometheus') }, to, port: 9100 })).toBe(true);
    expect(networkAllows(both, { from: { namespace: project.name, labels: podLabels(production, 'grafana') }, to, port: 9100 })).toBe(false);
    // On the host network it answers on the node's address, which no pod selector matches: Prometheus may leave on 9100.
    expect(networkAllows(production, { from: { namespace: project.name, labels: podLabels(production, 'prometheus') }, to: { namespace: 'nodes', labels: {}, external: true }, port: 9100 })).toBe(true);
  });
});
