// The package build's second step: tsc emits JavaScript, this copies the
// files the generators read at run time (notification templates, bundle
// templates) beside it, so `new URL('./templates/…', import.meta.url)`
// finds them both in the sources and in dist/.
import { cp, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const LAYERS = ['alerts', 'dashboards', 'compose', 'k8s', 'stack', 'cli'];
const ASSET_DIRS = new Set(['template', 'templates']);

let copied = 0;
for (const layer of LAYERS) {
  const entries = await readdir(join(ROOT, layer), { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isDirectory() || !ASSET_DIRS.has(e.name)) continue;
    const from = join(e.parentPath, e.name);
    if ([...ASSET_DIRS].some((d) => relative(ROOT, e.parentPath).split('/').includes(d))) continue; // nested inside one already copied
    await cp(from, join(ROOT, 'dist', relative(ROOT, from)), { recursive: true });
    copied++;
  }
}
console.error(`copied ${copied} template folder${copied === 1 ? '' : 's'} into dist/`);
