// Writes the generated files as one folder, atomically: the new tree is
// written beside the old one and swapped in with renames, so a failed run
// leaves the previous output untouched. `compare` lists what a fresh build
// would change, for `generate --check` in the user's CI.
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';

export type Files = ReadonlyMap<string, string>;

/** Every file under `dir`, by path relative to it with `/` separators; empty when `dir` does not exist. */
export async function readTree(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw err;
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out.set(relative(dir, full).split(sep).join('/'), await readFile(full, 'utf8'));
  }
  return out;
}

export interface Drift {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

export const hasDrift = (d: Drift): boolean => d.added.length + d.changed.length + d.removed.length > 0;

/** What writing `files` into `dir` would change. */
export async function compare(dir: string, files: Files): Promise<Drift> {
  const current = await readTree(dir);
  const added: string[] = [];
  const changed: string[] = [];
  for (const [path, text] of files) {
    const old = current.get(path);
    if (old === undefined) added.push(path);
    else if (old !== text) changed.push(path);
  }
  const removed = [...current.keys()].filter((p) => !files.has(p));
  return { added: added.sort(), changed: changed.sort(), removed: removed.sort() };
}

/** Replaces `dir` with exactly `files`. Nothing in `dir` changes unless every file was written. */
export async function writeFolder(dir: string, files: Files): Promise<void> {
  const stamp = `${process.pid}-${Date.now()}`;
  const staging = join(dirname(dir), `.${basename(dir)}.new-${stamp}`);
  const previous = join(dirname(dir), `.${basename(dir)}.old-${stamp}`);
  try {
    for (const [path, text] of files) {
      if (path.startsWith('/') || path.split('/').includes('..')) throw new Error(`refusing to write ${path}: outside the output folder`);
      const full = join(staging, path);
      await mkdir(dirname(full), { recursive: true });
      await writeFile(full, text);
    }
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  let hadPrevious = true;
  try {
    await rename(dir, previous);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
    hadPrevious = false;
  }
  try {
    await rename(staging, dir);
  } catch (err) {
    if (hadPrevious) await rename(previous, dir);
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  if (hadPrevious) await rm(previous, { recursive: true, force: true });
}
