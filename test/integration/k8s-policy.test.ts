// The house rules for Kubernetes (shared/DESIGN.md) over every rendered
// workload of every overlay and component of the demo's generated bundle,
// each rule shown to fail on a copy broken on purpose, and checkK8sBundle
// (what `observability-kit check` runs) on a sound and a broken bundle.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { checkK8sBundle } from '../../k8s/check.ts';
import { autoscalerViolations, labelViolations, USER_SECRETS, networkPolicyViolations, pdbViolations, workloadViolations } from '../../k8s/policy.ts';
import { imageProblem } from '../../signals/bundles.ts';
import { generatedData, type K8sObject, renderTargets, targetName } from '../../k8s/render.ts';
import { demoProject, generateInto, renderBundle, type WrittenOutput } from '../support/bundle.ts';

const project = demoProject();
const NS = project.name;
const out = await generateInto(project, 'k8s-policy-');
// The overlays and their components; node-exporter/ (applied once per cluster) has its own test file.
const targets = renderTargets(out.k8s).filter((t) => t.root === undefined).map(targetName);
let rendered: Map<string, K8sObject[]>;
beforeAll(async () => {
  rendered = await renderBundle(out.k8s);
});
afterAll(() => out.remove());
const objectsOf = (t: string): K8sObject[] => rendered.get(t)!;

describe.each(targets)('%s', (target) => {
  it('every workload runs non-root on a read-only root FS, without privilege escalation or capabilities, under RuntimeDefault seccomp, with requests, limits, probes, pinned images and labels', () => {
    expect(objectsOf(target).filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).length).toBeGreaterThanOrEqual(8);
    expect(workloadViolations(objectsOf(target))).toEqual([]);
  });

  it('every object carries the app.kubernetes.io/name, part-of and managed-by labels', () => {
    expect(labelViolations(objectsOf(target))).toEqual([]);
  });

  it('every Deployment or StatefulSet with more than one replica has a PodDisruptionBudget', () => {
    expect(pdbViolations(objectsOf(target))).toEqual([]);
  });

  it('every Deployment with more than one replica is autoscaled (HPA, or a KEDA ScaledObject)', () => {
    expect(autoscalerViolations(objectsOf(target))).toEqual([]);
  });

  it('every namespace has a default-deny NetworkPolicy', () => {
    expect(networkPolicyViolations(objectsOf(target))).toEqual([]);
  });

  it('the only Secret rendered is the Alertmanager configuration, made from the environment’s generated files', () => {
    const secrets = objectsOf(target).filter((o) => o.kind === 'Secret');
    expect(secrets.map((s) => s.metadata.name)).toEqual([expect.stringMatching(/^alertmanager-config-[a-z0-9]{10}$/)]);
    const env = /^overlay (\S+)/.exec(target)![1]!;
    const data = generatedData(objectsOf(target), 'Secret', 'alertmanager-config');
    expect(Object.keys(data).sort()).toEqual(['alertmanager.yml', 'notifications.tmpl']);
    for (const [file, text] of Object.entries(data)) expect(text).toBe(out.files.get(`alertmanager/${env}/${file}`));
  });
});

describe('no secret is generated', () => {
  it('no YAML of the bundle declares a Secret, and no secretGenerator takes literals or env files', async () => {
    const files = (await readdir(out.k8s, { recursive: true })).filter((f) => /\.ya?ml$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    const found: string[] = [];
    for (const f of files) {
      for (const doc of parseAllDocuments(await readFile(path.join(out.k8s, f), 'utf8'))) {
        const o = doc.toJSON() as { kind?: string; secretGenerator?: { literals?: unknown; envs?: unknown; env?: unknown }[] } | null;
        if (o?.kind === 'Secret') found.push(`${f}: kind Secret`);
        for (const g of o?.secretGenerator ?? []) if (g.literals || g.envs || g.env) found.push(`${f}: secretGenerator with literals or env files`);
      }
    }
    expect(found).toEqual([]);
  });
});

describe('the Secrets the user creates', () => {
  /** The bundle README's `kubectl create secret generic <name> ...` command, continuation lines joined. */
  const command = (readme: string, name: string): string => {
    const joined = readme.replace(/\\\n\s*/g, ' ');
    return joined.split('\n').find((l) => l.includes(`create secret generic ${name} `)) ?? '';
  };

  it('are created in the bundle’s README.md, in the project’s namespace, with every key the pods read', async () => {
    const readme = await readFile(path.join(out.k8s, 'README.md'), 'utf8');
    const wanted = new Map<string, Set<string>>(USER_SECRETS.map((n) => [n, new Set<string>()]));
    for (const [target, objects] of rendered) {
      if (target === 'node-exporter') continue;
      for (const w of objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))) {
        for (const c of (w.spec as any).template.spec.containers) {
          for (const e of c.env ?? []) {
            const ref = e.valueFrom?.secretKeyRef;
            if (ref && wanted.has(ref.name)) wanted.get(ref.name)!.add(ref.key);
          }
        }
      }
      // Alertmanager reads its receivers' credentials as files of the alertmanager-receivers Secret.
      const config = generatedData(objects, 'Secret', 'alertmanager-config')['alertmanager.yml']!;
      for (const m of config.matchAll(/_file: (\S+)/g)) wanted.get('alertmanager-receivers')!.add(path.posix.basename(m[1]!));
    }
    const missing: string[] = [];
    for (const [name, keys] of wanted) {
      const cmd = command(readme, name);
      if (cmd === '') missing.push(`no kubectl create secret generic ${name}`);
      if (!cmd.startsWith(`kubectl -n ${NS} create`)) missing.push(`${name}: not created in namespace ${NS}`);
      for (const k of keys) if (!new RegExp(`--from-(literal|file)=${k}=`).test(cmd)) missing.push(`${name}: key ${k} not created`);
    }
    expect([...wanted.values()].every((k) => k.size > 0)).toBe(true);
    expect(missing).toEqual([]);
  });
});

describe('each rule fails on a broken copy', () => {
  const demo = (): K8sObject[] => structuredClone(rendered.get('overlay production')!);

  const container = (objects: K8sObject[], name = 'demo-shop'): any =>
    (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec as any).template.spec.containers[0];

  const breaks: [string, (c: any) => void, string][] = [
    ['root allowed', (c: any) => void (c.securityContext.runAsNonRoot = false), 'container demo-shop runAsNonRoot is not true'],
    ['a writable root FS', (c: any) => void delete c.securityContext.readOnlyRootFilesystem, 'container demo-shop readOnlyRootFilesystem is not true'],
    ['privilege escalation', (c: any) => void (c.securityContext.allowPrivilegeEscalation = true), 'container demo-shop allowPrivilegeEscalation is not false'],
    ['capabilities kept', (c: any) => void (c.securityContext.capabilities.drop = ['NET_RAW']), 'container demo-shop capabilities do not drop ALL'],
    ['unconfined seccomp', (c: any) => void (c.securityContext.seccompProfile.type = 'Unconfined'), 'container demo-shop seccompProfile is not RuntimeDefault'],
    ['no memory limit', (c: any) => void delete c.resources.limits.memory, 'container demo-shop has no memory limit'],
    ['no cpu request', (c: any) => void delete c.resources.requests.cpu, 'container demo-shop has no cpu request'],
    ['no readiness probe', (c: any) => void delete c.readinessProbe, 'container demo-shop has no readinessProbe'],
    ['a latest tag', (c: any) => void (c.image = 'ghcr.io/example/node-observability-kit-demo:latest'), 'is not pinned to an exact version'],
    ['no tag', (c: any) => void (c.image = 'grafana/grafana'), 'has no tag'],
  ];
  it.each(breaks)('workloadViolations reports %s', (_what, breakIt, message) => {
    const objects = demo();
    breakIt(container(objects));
    const v = workloadViolations(objects);
    expect(v).toHaveLength(1);
    expect(v[0]).toContain('Deployment/demo-shop: ');
    expect(v[0]).toContain(message);
  });

  it('workloadViolations reports a pod template without app.kubernetes.io/part-of', () => {
    const objects = demo();
    delete (objects.find((o) => o.metadata.name === 'grafana' && o.kind === 'Deployment')!.spec as any).template.metadata.labels['app.kubernetes.io/part-of'];
    expect(workloadViolations(objects)).toEqual(['Deployment/grafana: pod template has no app.kubernetes.io/part-of label']);
  });

  it('labelViolations reports an object without app.kubernetes.io/name', () => {
    const objects = demo();
    delete objects.find((o) => o.kind === 'Service' && o.metadata.name === 'jaeger')!.metadata.labels!['app.kubernetes.io/name'];
    expect(labelViolations(objects)).toEqual(['Service/jaeger: has no app.kubernetes.io/name label']);
  });

  it('pdbViolations reports a scaled-out workload whose PDB is gone', () => {
    const objects = demo().filter((o) => o.kind !== 'PodDisruptionBudget');
    expect(pdbViolations(objects).sort()).toEqual(['Deployment/demo-shop: 3 replicas and no PodDisruptionBudget', 'StatefulSet/alertmanager: 3 replicas and no PodDisruptionBudget', 'StatefulSet/prometheus: 2 replicas and no PodDisruptionBudget']);
    // The production pair of Prometheus keeps its budget; without it, the pair is reported.
    const prom = demo().filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'prometheus'));
    expect(pdbViolations(prom)).toEqual(['StatefulSet/prometheus: 2 replicas and no PodDisruptionBudget']);
  });

  it('autoscalerViolations reports a scaled-out Deployment without an HPA', () => {
    const objects = demo().filter((o) => o.kind !== 'HorizontalPodAutoscaler');
    expect(autoscalerViolations(objects)).toEqual(['Deployment/demo-shop: 3 replicas and no HorizontalPodAutoscaler or ScaledObject']);
  });

  it('networkPolicyViolations reports a namespace whose default deny is missing or lets traffic through', () => {
    const without = demo().filter((o) => o.metadata.name !== 'default-deny');
    expect(networkPolicyViolations(without)).toEqual([`namespace ${NS} has no default-deny NetworkPolicy`]);
    const ingressOnly = demo();
    (ingressOnly.find((o) => o.metadata.name === 'default-deny')!.spec as any).policyTypes = ['Ingress'];
    expect(networkPolicyViolations(ingressOnly)).toEqual([`namespace ${NS} has no default-deny NetworkPolicy`]);
  });

  it.each([
    ['prom/prometheus:v3.5.3', undefined],
    ['docker.elastic.co/kibana/kibana:9.2.0', undefined],
    ['localhost:5000/app:1.2.3-rc.1', undefined],
    [`ghcr.io/x/y@sha256:${'a'.repeat(64)}`, undefined],
    ['localhost:5000/app', 'has no tag'],
    ['ghcr.io/x/y:${TAG}', 'depends on a variable'],
    ['grafana/grafana:13', 'is not pinned'],
    ['grafana/grafana:main', 'is not pinned'],
  ])('imageProblem(%s)', (image, problem) => {
    const p = imageProblem(image);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });
});

describe('checkK8sBundle', () => {
  it('finds nothing wrong in the demo bundle, and reports a broken workload and an overlay kustomize cannot build', async () => {
    expect(await checkK8sBundle(out.k8s)).toEqual([]);
    const copy = await mkdtemp(path.join(os.tmpdir(), 'k8s-broken-'));
    try {
      await cp(out.k8s, copy, { recursive: true });
      const service = path.join(copy, 'base', 'services', 'demo-shop.yaml');
      await writeFile(service, (await readFile(service, 'utf8')).replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false'));
      await rm(path.join(copy, 'overlays', 'staging', 'replicas.yaml'));
      const problems = await checkK8sBundle(copy);
      expect(problems).toContain('overlay production: Deployment/demo-shop: container demo-shop readOnlyRootFilesystem is not true');
      expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^overlay staging: kustomize build .* failed: .*replicas\.yaml/s)]));
    } finally {
      await rm(copy, { recursive: true, force: true });
    }
  }, 300_000);
});
