// Renders the bundle with the real kustomize (toolchain/tools.ts resolves it:
// KUSTOMIZE_BIN, PATH, cache, Debian sid) and parses the output. Components
// cannot be built alone: each is rendered on top of an overlay through a
// throw-away kustomization.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS, type Environment } from '../signals/alert-settings.ts';
import { resolveTool } from '../toolchain/tools.ts';
import { K8S_DIR } from './build.ts';

const run = promisify(execFile);

export const OVERLAYS: readonly Environment[] = ENVIRONMENTS;
export const COMPONENTS = ['ingress', 'prometheus-operator', 'keda', 'vpa'] as const;
export type ComponentName = (typeof COMPONENTS)[number];

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

export function renderOverlay(env: Environment): Promise<K8sObject[]> {
  return kustomizeBuild(path.join(K8S_DIR, 'overlays', env));
}

/** An overlay plus one optional component, as a user would list it under `components:`. */
export async function renderWithComponent(env: Environment, component: ComponentName): Promise<K8sObject[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'k8s-component-'));
  try {
    const rel = (p: string): string => path.relative(dir, path.join(K8S_DIR, p));
    await writeFile(
      path.join(dir, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${rel(`overlays/${env}`)}`,
        'components:',
        `  - ${rel(`components/${component}`)}`,
        '',
      ].join('\n'),
    );
    return await kustomizeBuild(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const isWorkload = (o: K8sObject): boolean => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(o.kind);
