// The alerting files of a project as the CLI writes them, in a fresh temp
// folder, for the real promtool and amtool; and the demo's project config.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import demo from '../../examples/demo-shop/observability.config.ts';
import { buildAlerts } from '../../alerts/build.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { validateProject } from '../../signals/project/validate.ts';
export { runTool } from '../../toolchain/index.ts';

/** The demo shop's project config, validated as `generate` validates it. */
export const demoProject: ProjectConfig = validateProject(demo);

export interface AlertBuild {
  readonly dir: string;
  readonly files: ReadonlyMap<string, string>;
  /** The absolute path of a built file. */
  path(relative: string): string;
  /** The text of a built file; throws when the build has no such file. */
  text(relative: string): string;
  remove(): Promise<void>;
}

/** `buildAlerts(project)` written to a temp folder. */
export async function writeAlertBuild(project: ProjectConfig): Promise<AlertBuild> {
  const files = buildAlerts(project);
  const dir = await mkdtemp(join(tmpdir(), 'alerts-build-'));
  for (const [path, text] of files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return {
    dir,
    files,
    path: (relative) => join(dir, relative),
    text(relative) {
      const text = files.get(relative);
      if (text === undefined) throw new Error(`the build has no ${relative}`);
      return text;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

