// The published entry points: the build emits JavaScript and declarations,
// and the exports resolve to a working exporter without TypeScript at run time.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

test('the build emits an importable exporter and catalog with type declarations', async () => {
  const outDir = await mkdtemp(join(tmpdir(), 'kit-build-'));
  try {
    await promisify(execFile)('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', outDir]);
    const exporter = (await import(pathToFileURL(join(outDir, 'exporter/index.js')).href)) as typeof import('../../exporter/index.ts');
    const catalog = (await import(pathToFileURL(join(outDir, 'catalog/index.js')).href)) as typeof import('../../catalog/index.ts');
    // The build exports exactly what the sources export, and the entry points the README names.
    expect(Object.keys(exporter).sort()).toEqual(Object.keys(await import('../../exporter/index.ts')).sort());
    expect(Object.keys(exporter)).toEqual(expect.arrayContaining(['createExporter', 'startTracing', 'createLogger', 'errorLogger', 'counter', 'DEFAULT_PROBE_ROUTES']));
    expect(catalog.catalog.http.requestDuration.name).toBe('http_server_request_duration_seconds');
    const e = exporter.createExporter({ hostMetrics: false, processMetrics: false });
    expect(await exporter.renderRegistry(e.registry, 'prometheus')).toContain('# TYPE http_server_request_duration_seconds histogram');
    const declarations = await readFile(join(outDir, 'exporter/index.d.ts'), 'utf8');
    expect(declarations).toContain('createExporter');
    expect(declarations).toContain('type ExporterOptions');
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}, 120_000);
