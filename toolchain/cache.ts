// The project's tool cache: where it is, and where a tool's binary lies in it
// (each Debian package unpacked into <cache>/<package>/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ToolSpec } from './specs.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The caller's folder, else $TOOLS_CACHE_DIR, else <repo>/.cache/tools; always absolute. */
export function cacheDirOf(cacheDir: string | undefined): string {
  const dir = cacheDir ?? (process.env.TOOLS_CACHE_DIR || path.join(REPO_ROOT, '.cache', 'tools'));
  return path.resolve(dir);
}

export function cachePath(spec: ToolSpec, cacheDir: string): string {
  return path.join(cacheDir, spec.pkg, 'usr', 'bin', spec.debBin);
}
