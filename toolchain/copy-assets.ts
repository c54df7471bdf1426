// The package build's first and last step. `--clean` empties dist/ before
// tsc runs, so a file deleted from the sources never ships from an old
// build. Without it, it copies the files the generators read at run time
// (notification templates, bundle templates) beside tsc's JavaScript, so
// `new URL('./templates/…', import.meta.url)` finds them both in the
// sources and in dist/.
import { cp, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const LAYERS = ['alerts', 'dashboards', 'compose', 'k8s', 'stack', 'cli'];
const ASSET_DIRS = new Set(['template', 'templates']);

if (process.argv.includes('--clean')) {
  await rm(DIST, { recursive: true, force: true });
} else {
  let copied = 0;
  for (const layer of LAYERS) {
    const entries = await readdir(join(ROOT, layer), { recursive: true, withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || !ASSET_DIRS.has(e.name)) continue;
      const from = join(e.parentPath, e.name);
      if ([...ASSET_DIRS].some((d) => relative(ROOT, e.parentPath).split('/').includes(d))) continue; // nested inside one already copied
      await cp(from, join(DIST, relative(ROOT, from)), { recursive: true });
      copied++;
    }
  }
  console.error(`copied ${copied} template folder${copied === 1 ? '' : 's'} into dist/`);
}
