// Writes a build's generated files under their root, folders included, and
// says how many: the one write step of every `npm run build:*`.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

export async function writeGenerated(root: string, files: ReadonlyMap<string, string>): Promise<void> {
  for (const [path, content] of files) {
    const full = join(root, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  console.log(`wrote ${files.size} file${files.size === 1 ? '' : 's'} under ${relative(process.cwd(), root) || '.'}/`);
}
