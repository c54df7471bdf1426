// The one build of alerting artefacts for a project, as files relative to its
// output folder: per environment the rule file, the PrometheusRule object, the
// Alertmanager config and its templates; the promtool unit tests with the rule
// file they test; one runbook page per alert. The CLI writes them.
import { alertmanagerConfig, alertmanagerYaml, notificationTemplates } from './alertmanager/index.ts';
import { type AlertConfig, configFor, environmentsOf } from '../signals/alert-settings.ts';
import { hashHeader } from '../signals/generated.ts';
import type { ProjectConfig } from '../signals/project/config.ts';
import { isAlert } from '../signals/rule-types.ts';
import { allGroups } from './groups/index.ts';
import { promtoolTests, prometheusRule, ruleFile } from './lib/compile.ts';
import { runbookPage } from './lib/runbook.ts';

/** The name of the settings that are no environment's: the project's own, or the kit's defaults. */
const BASE = 'base';

/** The project's own settings before any environment's overrides: what the runbook pages describe. */
export function baseConfig(project: ProjectConfig): AlertConfig {
  return configFor({ ...project, environments: undefined }, BASE);
}

/**
 * The kit's default thresholds with the project's services, SLOs and business
 * alerts at their base values: the promtool unit tests are written against these.
 */
export function testConfig(project: ProjectConfig): AlertConfig {
  return configFor({ ...project, thresholds: undefined, environments: undefined }, BASE);
}

/** Every alerting file of `project`, by path relative to the output folder. */
export function buildAlerts(project: ProjectConfig): Map<string, string> {
  const files = new Map<string, string>();
  for (const env of environmentsOf(project)) {
    const config = configFor(project, env);
    const groups = allGroups(config);
    files.set(`prometheus/${env}/rules.yml`, ruleFile(groups, config));
    files.set(`prometheus/${env}/prometheus-rule.yaml`, prometheusRule(groups, config, project.name, { environment: env }));
    files.set(`alertmanager/${env}/alertmanager.yml`, hashHeader() + alertmanagerYaml(alertmanagerConfig(config)));
    for (const [name, text] of notificationTemplates()) files.set(`alertmanager/${env}/${name}`, text);
  }

  const tests = testConfig(project);
  const testGroups = allGroups(tests);
  files.set('prometheus/tests/rules.yml', ruleFile(testGroups, tests));
  for (const [interval, text] of promtoolTests(testGroups, 'rules.yml', tests)) files.set(`prometheus/tests/rules.${interval}.test.yml`, text);

  const base = baseConfig(project);
  const byName = Map.groupBy(allGroups(base).flatMap((g) => g.rules.filter(isAlert)), (a) => a.alert);
  for (const [name, variants] of byName) files.set(`runbooks/${name}.md`, runbookPage(variants, base));
  return files;
}
