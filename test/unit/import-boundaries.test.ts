// The layers import downwards only: cli → bundles and the local stack →
// alerts | dashboards → signals → catalog; the exporter → catalog; toolchain
// at the bottom. Alerts and dashboards are siblings: what both need lives in
// signals/. A wrong-way import is reported with the file, the line and the rule.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { boundaryViolations, LAYERS } from '../support/import-boundaries.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.parentPath.includes('node_modules'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

const files = Object.keys(LAYERS).flatMap(sourceFiles);
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

describe('import boundaries', () => {
  test('every layer has source files (a renamed folder is not silently unchecked)', () => {
    for (const layer of Object.keys(LAYERS)) expect(files.some((f) => f.startsWith(`${layer}/`)), layer).toBe(true);
  });

  test('no source file imports a layer it may not see', () => {
    expect(files.flatMap((f) => boundaryViolations(f, read(f)))).toEqual([]);
  });

  test('a deliberate wrong-way import is caught: signals/ importing alerts/', () => {
    const text = `import { allGroups } from '../alerts/groups/index.ts';\n`;
    expect(boundaryViolations('signals/promql.ts', text)).toEqual([
      `signals/promql.ts:1 imports alerts/groups/index.ts: signals/ may import only catalog, signals`,
    ]);
  });

  test('sibling imports are caught: dashboards/ importing alerts/', () => {
    const text = `// a panel\nimport { runbookUrl } from '../../alerts/lib/compile.ts';\n`;
    expect(boundaryViolations('dashboards/lib/common.ts', text)).toHaveLength(1);
  });

  test('the exporter reaches no build-time layer, and dynamic imports count', () => {
    const text = `const m = await import('../signals/promql.ts');\n`;
    expect(boundaryViolations('exporter/exporter.ts', text)).toEqual([
      `exporter/exporter.ts:1 imports signals/promql.ts: exporter/ may import only catalog, exporter`,
    ]);
  });

  test('imports that stay inside the repository resolve to a real layer', () => {
    for (const f of files) {
      for (const m of read(f).matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const target = normalize(join(dirname(f), m[1]!));
        expect(target.startsWith('..'), `${f} imports ${m[1]} outside the repository`).toBe(false);
      }
    }
  });
});
