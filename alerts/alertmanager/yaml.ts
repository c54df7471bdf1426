// The YAML text of an Alertmanager configuration.
import { stringify } from 'yaml';
import type { AlertmanagerConfigFile } from './schema.ts';

/** The text of `config` (no header: callers that write generated files add theirs). */
export function alertmanagerYaml(config: AlertmanagerConfigFile): string {
  // Templates stay on one line, so a diff shows a whole `{{ template ... }}` call.
  return stringify(config, { lineWidth: 0, singleQuote: false });
}
