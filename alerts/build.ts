// The one build of alerting artefacts: rule files and PrometheusRule objects
// per environment, promtool unit tests, and runbooks. `npm run build:alerts`
// writes them; test/alerts-drift.test.ts fails when the committed files differ.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFor, ENVIRONMENTS } from './config.ts';
import { allGroups } from './groups/index.ts';
import { promtoolTests, prometheusRule, ruleFile } from './lib/compile.ts';
import { isAlert } from './lib/rules.ts';
import { runbookPage } from './lib/runbook.ts';

export const ALERTS_DIR = dirname(fileURLToPath(import.meta.url));
export const GENERATED_DIR = join(ALERTS_DIR, 'generated');

/** Every generated file, by path relative to alerts/. */
export function buildAlerts(): Map<string, string> {
  const files = new Map<string, string>();
  for (const env of ENVIRONMENTS) {
    const config = configFor(env);
    const groups = allGroups(config);
    files.set(`generated/${env}/rules.yml`, ruleFile(groups, config));
    files.set(`generated/${env}/prometheus-rule.yaml`, prometheusRule(groups, config, 'node-observability-kit-rules', { environment: env }));
  }
  // Unit tests are written against the production thresholds (the base config).
  const production = configFor('production');
  const groups = allGroups(production);
  files.set('generated/tests/rules.test.yml', promtoolTests(groups, '../production/rules.yml', production));
  const byName = Map.groupBy(groups.flatMap((g) => g.rules.filter(isAlert)), (a) => a.alert);
  for (const [name, variants] of byName) files.set(`runbooks/${name}.md`, runbookPage(variants, production));
  return files;
}

async function main(): Promise<void> {
  for (const [path, content] of buildAlerts()) {
    const full = join(ALERTS_DIR, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, content);
  }
  console.log(`wrote ${buildAlerts().size} files under alerts/`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
