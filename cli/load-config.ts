// Finds and loads the user's project config (a TypeScript or JavaScript
// module whose default export is the config), validates it, and says where
// its output goes. Node runs `.ts` configs directly (type stripping).
import { access } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ProjectConfig } from '../signals/project/config.ts';
import { validateProject } from '../signals/project/validate.ts';

export const CONFIG_FILES = ['observability.config.ts', 'observability.config.mts', 'observability.config.js', 'observability.config.mjs'] as const;
export const DEFAULT_OUTPUT = 'observability';

export interface LoadedConfig {
  readonly project: ProjectConfig;
  /** Absolute path of the config file. */
  readonly path: string;
  /** Absolute path of the output folder (`--out`, else the config's `output`, else `observability/` beside the config). */
  readonly outDir: string;
}

/** A problem the user fixes by changing a command line or a file: printed without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function findConfig(cwd: string, given?: string): Promise<string> {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!(await exists(path))) throw new UsageError(`--config ${given}: no such file (${path})`);
    return path;
  }
  for (const name of CONFIG_FILES) {
    const path = resolve(cwd, name);
    if (await exists(path)) return path;
  }
  throw new UsageError(`no project config in ${cwd} (looked for ${CONFIG_FILES.join(', ')}): run \`observability-kit init\` to write one, or pass --config FILE`);
}

let loads = 0;

export async function loadConfig(cwd: string, options: { readonly config?: string; readonly out?: string } = {}): Promise<LoadedConfig> {
  const path = await findConfig(cwd, options.config);
  let mod: { default?: unknown };
  try {
    // A fresh URL per load: a process that loads the config again (tests, a watcher) sees its edits.
    mod = (await import(`${pathToFileURL(path).href}?load=${++loads}`)) as { default?: unknown };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint =
      e.code === 'ERR_UNKNOWN_FILE_EXTENSION' || e.code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING'
        ? ' (TypeScript configs need Node 22.18 or later, which strips types; or write observability.config.mjs)'
        : '';
    throw new UsageError(`${path} could not be loaded${hint}: ${e.message}`);
  }
  const project = validateProject(mod.default, path);
  const outDir = resolve(options.out !== undefined ? cwd : dirname(path), options.out ?? project.output ?? DEFAULT_OUTPUT);
  return { project, path, outDir };
}
