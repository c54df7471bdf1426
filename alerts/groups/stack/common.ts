// What the stack alerts share: the series of Prometheus, Alertmanager and the
// scrape itself (theirs, not our catalog's), the selectors of the stack's own
// jobs, and the dashboard every stack alert opens.
import type { AlertConfig } from '../../../signals/alert-settings.ts';

export const metrics = {
  up: 'up',
  ruleEvaluationFailures: 'prometheus_rule_evaluation_failures_total',
  notificationsErrors: 'prometheus_notifications_errors_total',
  notificationsSent: 'prometheus_notifications_sent_total',
  configReloadSuccessful: 'prometheus_config_last_reload_successful',
  tsdbCompactionsFailed: 'prometheus_tsdb_compactions_failed_total',
  tsdbReloadsFailures: 'prometheus_tsdb_reloads_failures_total',
  alertmanagerNotificationsFailed: 'alertmanager_notifications_failed_total',
  alertmanagerNotifications: 'alertmanager_notifications_total',
  alertmanagerConfigReloadSuccessful: 'alertmanager_config_last_reload_successful',
} as const;

export const DASHBOARD = 'stack-health';

/** The stack's jobs, the selectors of Prometheus and Alertmanager, and the targets the tests scrape them at. */
export function stackJobs(config: AlertConfig) {
  const jobs = config.stack.jobs;
  const prom = `job="${jobs.prometheus}"`;
  const am = `job="${jobs.alertmanager}"`;
  return { jobs, prom, am, promTarget: `${prom},instance="prometheus:9090"`, amTarget: `${am},instance="alertmanager:9093"` };
}
