// `checkK8sBundle(dir)`: what `observability-kit check` proves about a
// generated Kubernetes bundle (the output folder's k8s/) before anyone
// applies it: every overlay, and every component on the overlays it is made
// for, renders with the real kustomize; the rendered objects follow the
// house rules (k8s/policy.ts), pass the Kubernetes and CRD schemas and
// declare no field the schemas do not know (k8s/schema.ts); and each
// overlay's prometheus.yml passes promtool with its rules, laid out as the
// pod mounts them. Returns one sentence per problem.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toolProblems } from '../toolchain/index.ts';
import { bundleViolations } from './policy.ts';
import { generatedData, type K8sObject, overlaysOf, render, renderTargets, targetName } from './render.ts';
import { knownFieldErrors, schemaErrors } from './schema.ts';


/** `promtool check config` on an overlay's prometheus.yml, with /etc/prometheus/rules/ holding its rule ConfigMap. */
export async function prometheusConfigProblems(objects: readonly K8sObject[]): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8s-prometheus-'));
  try {
    await mkdir(path.join(dir, 'rules'));
    for (const [name, text] of Object.entries(generatedData(objects, 'ConfigMap', 'prometheus-config'))) await writeFile(path.join(dir, name), text);
    for (const [name, text] of Object.entries(generatedData(objects, 'ConfigMap', 'prometheus-rules'))) await writeFile(path.join(dir, 'rules', name), text);
    return await toolProblems('promtool', ['check', 'config', path.join(dir, 'prometheus.yml')], undefined, 'promtool check config prometheus.yml: ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every problem of the Kubernetes bundle in `dir` (the output folder's k8s/); empty when it is sound. */
export async function checkK8sBundle(dir: string): Promise<string[]> {
  if (overlaysOf(dir).length === 0) return [`${dir}: no overlays/<environment>/ to render`];
  const problems: string[] = [];
  // Overlays and components share most objects: the slow unknown-field check sees each distinct one once.
  const distinct = new Map<string, K8sObject>();
  for (const target of renderTargets(dir)) {
    const where = targetName(target);
    let objects: K8sObject[];
    try {
      objects = await render(dir, target);
    } catch (err) {
      problems.push(`${where}: ${(err as Error).message}`);
      continue;
    }
    problems.push(...bundleViolations(objects).map((p) => `${where}: ${p}`));
    problems.push(...(await schemaErrors(objects)).map((p) => `${where}: ${p}`));
    if (target.component === undefined && target.root === undefined) problems.push(...(await prometheusConfigProblems(objects)).map((p) => `${where}: ${p}`));
    for (const o of objects) distinct.set(JSON.stringify(o), o);
  }
  problems.push(...(await knownFieldErrors([...distinct.values()])).map((p) => `unknown field: ${p}`));
  return problems;
}
