// A fresh generate of a project written to a temporary folder, for the tests
// of the compose and Kubernetes bundles: they read what a user gets, not a
// committed copy.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateProject } from '../../cli/generate-project.ts';
import { type K8sObject, render, renderTargets, targetName } from '../../k8s/render.ts';
import demo from '../../examples/demo-shop/observability.config.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { validateProject } from '../../signals/project/validate.ts';

export const demoProject = (): ProjectConfig => validateProject(demo);

export interface WrittenOutput {
  /** The output folder. */
  readonly dir: string;
  readonly files: ReadonlyMap<string, string>;
  readonly compose: string;
  readonly k8s: string;
  remove(): Promise<void>;
}

/** Writes `files` (paths relative to the output folder) into a new temporary folder. */
export async function writeOutput(files: ReadonlyMap<string, string>, prefix = 'bundle-'): Promise<WrittenOutput> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text, { mode: path.endsWith('.sh') ? 0o755 : 0o644 });
  }
  return { dir, files, compose: join(dir, 'compose'), k8s: join(dir, 'k8s'), remove: () => rm(dir, { recursive: true, force: true }) };
}

/** `generate` of `project` into a temporary folder. */
export function generateInto(project: ProjectConfig, prefix?: string): Promise<WrittenOutput> {
  return writeOutput(generateProject(project), prefix);
}

/** Every overlay, and every component on the overlays it is made for, rendered by the real kustomize, by target name. */
export async function renderBundle(k8sDir: string): Promise<Map<string, K8sObject[]>> {
  const rendered = new Map<string, K8sObject[]>();
  for (const target of renderTargets(k8sDir)) rendered.set(targetName(target), await render(k8sDir, target));
  return rendered;
}
