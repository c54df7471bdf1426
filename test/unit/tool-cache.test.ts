// Where downloaded tools are kept: beside the sources in a checkout of the
// kit, in the user's cache folder when the kit is an installed package.
import path from 'node:path';
import { expect, test } from 'vitest';
import { defaultCacheDir } from '../../toolchain/cache.ts';

test('a checkout of the kit keeps its tools in <repo>/.cache/tools', () => {
  expect(defaultCacheDir('/src/kit/toolchain', {})).toBe(path.join('/src/kit', '.cache', 'tools'));
});

test('an installed package keeps them in the user cache, which a reinstall does not wipe', () => {
  expect(defaultCacheDir('/app/node_modules/node-observability-kit/dist/toolchain', { XDG_CACHE_HOME: '/home/u/.cache' })).toBe('/home/u/.cache/node-observability-kit/tools');
});
