// The layer rules of the import-boundary test, as data: each top-level
// folder and the folders it may import from (itself included).
import { dirname, join, normalize } from 'node:path';

export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  toolchain: ['toolchain'],
  catalog: ['catalog'],
  exporter: ['catalog', 'exporter'],
  signals: ['catalog', 'signals'],
  alerts: ['catalog', 'signals', 'alerts', 'toolchain'],
  dashboards: ['catalog', 'signals', 'dashboards', 'toolchain'],
  compose: ['catalog', 'signals', 'alerts', 'dashboards', 'compose', 'toolchain'],
  k8s: ['catalog', 'signals', 'alerts', 'dashboards', 'k8s', 'toolchain'],
  stack: ['catalog', 'signals', 'alerts', 'dashboards', 'stack', 'toolchain'],
  cli: ['catalog', 'signals', 'alerts', 'dashboards', 'compose', 'k8s', 'stack', 'cli', 'toolchain'],
  // The demo is a user of the kit: it may use the public layers, never the CLI's insides.
  examples: ['catalog', 'exporter', 'signals', 'examples'],
};

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;

/** One line per import in `text` (the source of `file`) that its layer may not make. */
export function boundaryViolations(file: string, text: string): string[] {
  const layer = file.split('/')[0]!;
  const allowed = LAYERS[layer];
  if (allowed === undefined) return [];
  const problems: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const target = normalize(join(dirname(file), m[1]!));
    const targetLayer = target.split('/')[0]!;
    if (LAYERS[targetLayer] === undefined || allowed.includes(targetLayer)) continue;
    const line = text.slice(0, m.index).split('\n').length;
    problems.push(`${file}:${line} imports ${target}: ${layer}/ may import only ${allowed.join(', ')}`);
  }
  return problems;
}
