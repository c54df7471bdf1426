// Generated alerting files are committed; they must equal a fresh build.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { ALERTS_DIR, buildAlerts } from '../../alerts/build.ts';

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(ALERTS_DIR, join(e.parentPath, e.name)));
}

test('the committed generated files equal a fresh build (run `npm run build:alerts`)', async () => {
  const built = buildAlerts();
  const stale: string[] = [];
  for (const [path, content] of built) {
    const onDisk = await readFile(join(ALERTS_DIR, path), 'utf8').catch(() => undefined);
    if (onDisk !== content) stale.push(path);
  }
  expect(stale).toEqual([]);
  const generatedDirs = [...new Set([...built.keys()].map((p) => p.split('/')[0]!))];
  const extra = (await Promise.all(generatedDirs.map((d) => listFiles(join(ALERTS_DIR, d))))).flat().filter((p) => !built.has(p));
  expect(extra, 'files no build produces: delete them').toEqual([]);
});
