// Executable files: whether a path is one, and every match of a name on PATH.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

export async function isExecutableFile(p: string): Promise<boolean> {
  try {
    if (!(await stat(p)).isFile()) return false;
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every executable match on PATH, in PATH order (a wrong version may be shadowed by a right one later). */
export async function pathCandidates(names: readonly string[]): Promise<string[]> {
  // Empty or relative PATH entries would mean "the cwd": skip them, we want absolute paths.
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d));
  const out: string[] = [];
  for (const dir of dirs) {
    for (const n of names) {
      const p = path.join(dir, n);
      if (!out.includes(p) && (await isExecutableFile(p))) out.push(p);
    }
  }
  return out;
}
