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
  alertmanagersDiscovered: 'prometheus_notifications_alertmanagers_discovered',
  notificationsQueueLength: 'prometheus_notifications_queue_length',
  notificationsQueueCapacity: 'prometheus_notifications_queue_capacity',
  ruleGroupIterationsMissed: 'prometheus_rule_group_iterations_missed_total',
  samplesAppended: 'prometheus_tsdb_head_samples_appended_total',
  ruleGroupRules: 'prometheus_rule_group_rules',
  sdRefreshFailures: 'prometheus_sd_refresh_failures_total',
  targetSyncFailed: 'prometheus_target_sync_failed_total',
} as const;

export const DASHBOARD = 'stack-health';

/** The stack's jobs, the selectors of Prometheus and Alertmanager, and the targets the tests scrape them at. */
export function stackJobs(config: AlertConfig) {
  const jobs = config.stack.jobs;
  const prom = `job="${jobs.prometheus}"`;
  const am = `job="${jobs.alertmanager}"`;
  return { jobs, prom, am, promTarget: `${prom},instance="prometheus:9090"`, amTarget: `${am},instance="alertmanager:9093"` };
}
