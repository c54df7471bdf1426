// Generated dashboards and provisioning files are committed; they must equal a fresh build.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { buildDashboards, DASHBOARDS_DIR, GENERATED_DIR } from '../../dashboards/build.ts';

test('the committed dashboards/generated files equal a fresh build, byte for byte (run `npm run build:dashboards`)', async () => {
  const built = buildDashboards();
  const stale: string[] = [];
  for (const [path, content] of built) {
    const onDisk = await readFile(join(DASHBOARDS_DIR, path), 'utf8').catch(() => undefined);
    if (onDisk !== content) stale.push(path);
  }
  expect(stale).toEqual([]);
});

test('dashboards/generated holds no file the build does not produce', async () => {
  const built = buildDashboards();
  const entries = await readdir(GENERATED_DIR, { withFileTypes: true, recursive: true });
  const onDisk = entries.filter((e) => e.isFile()).map((e) => relative(DASHBOARDS_DIR, join(e.parentPath, e.name)));
  expect(onDisk.filter((p) => !built.has(p)), 'files no build produces: delete them').toEqual([]);
  expect(onDisk.length).toBe(built.size);
});

test('two builds are identical (the output is deterministic)', () => {
  expect([...buildDashboards()]).toEqual([...buildDashboards()]);
});
