// Renders a generated bundle (the output folder's k8s/) with the real
// kustomize (toolchain resolves it: KUSTOMIZE_BIN, PATH, cache, Debian sid)
// and parses the output. Components cannot be built alone: each is rendered
// on top of an overlay through a throw-away kustomization, as a user lists
// it under `components:`.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { resolveTool } from '../toolchain/index.ts';

const run = promisify(execFile);

/** A rendered Kubernetes object, as parsed from kustomize's YAML. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `kustomize build <dir>`, parsed. Rejects with kustomize's own message when the build fails. */
export async function kustomizeBuild(dir: string): Promise<K8sObject[]> {
  const bin = await resolveTool('kustomize');
  let stdout: string;
  try {
    ({ stdout } = await run(bin, ['build', dir], { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 }));
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`kustomize build ${dir} failed: ${stderr.trim() || String(err)}`);
  }
  return parseAllDocuments(stdout).map((d) => {
    if (d.errors.length > 0) throw new Error(`kustomize output does not parse: ${d.errors[0]!.message}`);
    return d.toJSON() as K8sObject;
  });
}

const subfolders = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort() : [];

/** The environments of a bundle: its overlays. */
export function overlaysOf(bundle: string): string[] {
  return subfolders(path.join(bundle, 'overlays'));
}

/** One thing to render: an overlay, or an overlay with one component on top. */
export type RenderTarget =
  | {
      readonly overlay: string;
      /** Path of the component under components/ (`ingress`, `keda/production`). */
      readonly component?: string;
      readonly root?: undefined;
    }
  /** A kustomization applied once per cluster, beside the overlays (`node-exporter`). */
  | { readonly root: string; readonly overlay?: undefined; readonly component?: undefined };

/** The bundle's folders applied on their own, once per cluster, rather than per environment. */
export const CLUSTER_ROOTS = ['node-exporter'];

export const targetName = (t: RenderTarget): string =>
  t.root !== undefined ? t.root : t.component === undefined ? `overlay ${t.overlay}` : `overlay ${t.overlay} + component ${t.component}`;

/**
 * Every overlay, and every component on each overlay it is made for:
 * components/<name>/ on all of them, components/<name>/<env>/ on <env>'s.
 */
export function renderTargets(bundle: string): RenderTarget[] {
  const overlays = overlaysOf(bundle);
  const targets: RenderTarget[] = overlays.map((overlay) => ({ overlay }));
  const components = path.join(bundle, 'components');
  for (const name of subfolders(components)) {
    if (existsSync(path.join(components, name, 'kustomization.yaml'))) targets.push(...overlays.map((overlay) => ({ overlay, component: name })));
    for (const env of subfolders(path.join(components, name))) if (overlays.includes(env)) targets.push({ overlay: env, component: `${name}/${env}` });
  }
  for (const root of CLUSTER_ROOTS) if (existsSync(path.join(bundle, root, 'kustomization.yaml'))) targets.push({ root });
  return targets;
}

/** Renders an overlay, or an overlay plus one component as a user would list it under `components:`. */
export async function render(bundle: string, target: RenderTarget): Promise<K8sObject[]> {
  if (target.root !== undefined) return kustomizeBuild(path.join(bundle, target.root));
  const overlay = path.join(bundle, 'overlays', target.overlay);
  if (target.component === undefined) return kustomizeBuild(overlay);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8s-component-'));
  try {
    const rel = (p: string): string => path.relative(dir, p);
    await writeFile(
      path.join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${rel(overlay)}`,
        'components:',
        `  - ${rel(path.join(bundle, 'components', target.component))}`,
        '',
      ].join('\n'),
    );
    return await kustomizeBuild(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const isWorkload = (o: K8sObject): boolean => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind);

/** The data of the ConfigMap or Secret a generator named `base` made (its name gets a hash suffix); a Secret's decoded. */
export function generatedData(objects: readonly K8sObject[], kind: 'ConfigMap' | 'Secret', base: string): Record<string, string> {
  const o = objects.find((x) => x.kind === kind && new RegExp(`^${base}-[a-z0-9]{10}$`).test(x.metadata.name));
  if (!o) throw new Error(`no ${kind} generated from ${base}`);
  const data = (o.data ?? {}) as Record<string, string>;
  if (kind === 'ConfigMap') return data;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v.replace(/\s/g, ''), 'base64').toString('utf8')]));
}
