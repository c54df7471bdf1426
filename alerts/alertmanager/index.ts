// Alertmanager configuration as code: `alertmanagerConfig(env)` assembles the
// routing tree, inhibition rules and receivers of an environment;
// `alerts/build.ts` writes it as alerts/generated/<env>/alertmanager.yml next
// to the notification templates it references.
import { readdirSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { configFor, type Environment } from '../../signals/alert-settings.ts';
import { inhibitRules } from './inhibit.ts';
import { receivers, webhookReceivers } from './receivers.ts';
import { routingTree } from './routes.ts';
import type { AlertmanagerConfigFile } from './schema.ts';
import { type AlertmanagerSettings, type DeepPartial, settingsFor } from './settings.ts';

export { RECEIVER, type ReceiverName } from './receivers.ts';
export { WATCHDOG_LABELS } from './routes.ts';
export type { AlertmanagerSettings, Timings } from './settings.ts';

export interface AlertmanagerOverrides extends DeepPartial<AlertmanagerSettings> {
  /**
   * The test profile: every receiver (but `null`) becomes a webhook to the URL
   * held in this file, and the SMTP settings are left out. Routing and
   * inhibition stay exactly those of the environment.
   */
  readonly webhookUrlFile?: string;
}

export function alertmanagerConfig(env: Environment, overrides: AlertmanagerOverrides = {}): AlertmanagerConfigFile {
  const { webhookUrlFile, ...extra } = overrides;
  const s = settingsFor(env, extra);
  const { serviceLabel } = configFor(env);
  return {
    ...(webhookUrlFile === undefined && {
      global: {
        smtp_smarthost: s.email.smarthost,
        smtp_from: s.email.from,
        smtp_auth_username: s.email.username,
        smtp_auth_password_file: s.secrets.smtpPasswordFile,
        smtp_require_tls: true,
      },
    }),
    templates: s.templates,
    route: routingTree(s, serviceLabel),
    inhibit_rules: inhibitRules(serviceLabel),
    receivers: webhookUrlFile === undefined ? receivers(s) : webhookReceivers(webhookUrlFile),
  };
}

/** The YAML text of a config (no header: callers that write generated files add theirs). */
export function alertmanagerYaml(config: AlertmanagerConfigFile): string {
  // Templates stay on one line, so a diff shows a whole `{{ template ... }}` call.
  return stringify(config, { lineWidth: 0, singleQuote: false });
}

const TEMPLATES_DIR = new URL('./templates/', import.meta.url);

/** The notification template files (name -> text) that alertmanager.yml's `templates` glob picks up. */
export function notificationTemplates(): Map<string, string> {
  const names = readdirSync(TEMPLATES_DIR).filter((n) => n.endsWith('.tmpl')).sort();
  return new Map(names.map((n) => [n, readFileSync(new URL(n, TEMPLATES_DIR), 'utf8')]));
}
