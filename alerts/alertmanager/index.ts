// Alertmanager configuration as code: `alertmanagerConfig(config)` assembles
// the routing tree, inhibition rules and receivers of one environment of the
// project; alerts/build.ts writes it as alertmanager/<env>/alertmanager.yml
// next to the notification templates it references.
export { type AlertmanagerOverrides, alertmanagerConfig } from './assemble.ts';
export { RECEIVER, webhookReceivers } from './receivers.ts';
export { WATCHDOG_LABELS } from './routes.ts';
export { DEFAULT_TIMINGS, HEARTBEAT_TIMINGS, type Timings, timingsFor } from './settings.ts';
export { notificationTemplates } from './templates.ts';
export { WEBHOOK_URL_FILE, webhookProfile, type WebhookProfile, type WebhookProfileOptions } from './test-profile.ts';
export { alertmanagerYaml } from './yaml.ts';
