// The project's tool cache: where it is, and where a tool's binary lies in it
// (each Debian package unpacked into <cache>/<package>/).
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolSpec } from './specs.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * The default cache: <repo>/.cache/tools in a checkout of the kit; in an
 * installed package (under node_modules, which a reinstall wipes and a global
 * install may not let us write) the user's cache folder instead.
 */
export function defaultCacheDir(moduleDir: string = HERE, env: NodeJS.ProcessEnv = process.env): string {
  if (!moduleDir.split(path.sep).includes('node_modules')) return path.join(moduleDir, '..', '.cache', 'tools');
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'node-observability-kit', 'tools');
}

/** The caller's folder, else $TOOLS_CACHE_DIR, else the default cache; always absolute. */
export function cacheDirOf(cacheDir: string | undefined): string {
  return path.resolve(cacheDir ?? (process.env.TOOLS_CACHE_DIR || defaultCacheDir()));
}

export function cachePath(spec: ToolSpec, cacheDir: string): string {
  return path.join(cacheDir, spec.pkg, 'usr', 'bin', spec.debBin);
}
