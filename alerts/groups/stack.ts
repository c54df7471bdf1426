// Alerts on the monitoring stack itself: whether Prometheus evaluates rules
// and delivers alerts, whether Alertmanager delivers notifications, whether
// the components are scraped at all, and the Watchdog that always fires so a
// heartbeat receiver notices when alerting as a whole stops. Names follow the
// prometheus-mixin and alertmanager-mixin (kube-prometheus) where they exist.
// One file per alert, in stack/, with its runbook and promtool cases; this
// list is the group's evaluation order.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { RuleGroup } from '../../signals/rule-types.ts';
import { alertGroup } from '../lib/alert-group.ts';
import { alertmanagerConfigReloadFailed } from './stack/alertmanager-config-reload-failed.ts';
import { alertmanagerFailedToSendAlerts } from './stack/alertmanager-failed-to-send-alerts.ts';
import { elasticsearchDown } from './stack/elasticsearch-down.ts';
import { jaegerDown } from './stack/jaeger-down.ts';
import { logstashDown } from './stack/logstash-down.ts';
import { prometheusConfigReloadFailed } from './stack/prometheus-config-reload-failed.ts';
import { prometheusMissingRuleEvaluations } from './stack/prometheus-missing-rule-evaluations.ts';
import { prometheusNotConnectedToAlertmanagers } from './stack/prometheus-not-connected-to-alertmanagers.ts';
import { prometheusNotIngestingSamples } from './stack/prometheus-not-ingesting-samples.ts';
import { prometheusNotificationQueueRunningFull } from './stack/prometheus-notification-queue-running-full.ts';
import { prometheusSdRefreshFailure } from './stack/prometheus-sd-refresh-failure.ts';
import { prometheusTargetSyncFailure } from './stack/prometheus-target-sync-failure.ts';
import { prometheusErrorSendingAlertsToAnyAlertmanager } from './stack/prometheus-error-sending-alerts-to-any-alertmanager.ts';
import { prometheusRemoteStorageFailures } from './stack/prometheus-remote-storage-failures.ts';
import { prometheusRemoteWriteBehind } from './stack/prometheus-remote-write-behind.ts';
import { prometheusRuleFailures } from './stack/prometheus-rule-failures.ts';
import { prometheusTsdbCompactionsFailing, prometheusTsdbReloadsFailing } from './stack/prometheus-tsdb-failing.ts';
import { stackComponentDown } from './stack/stack-component-down.ts';
import { watchdog } from './stack/watchdog.ts';

export function stackRules(config: AlertConfig): RuleGroup[] {
  return [
    alertGroup(
      'stack',
      [
        prometheusRuleFailures,
        prometheusErrorSendingAlertsToAnyAlertmanager,
        prometheusConfigReloadFailed,
        prometheusNotConnectedToAlertmanagers,
        prometheusNotificationQueueRunningFull,
        prometheusMissingRuleEvaluations,
        prometheusNotIngestingSamples,
        prometheusSdRefreshFailure,
        prometheusTargetSyncFailure,
        prometheusTsdbCompactionsFailing,
        prometheusTsdbReloadsFailing,
        // Inert until environments.<env>.remoteWrite starts a queue.
        prometheusRemoteStorageFailures,
        prometheusRemoteWriteBehind,
        stackComponentDown,
        // Only the components the project's stack deploys: an alert on a job nothing runs would fire forever.
        ...(config.stack.traces ? [jaegerDown] : []),
        ...(config.stack.logs ? [elasticsearchDown, logstashDown] : []),
        alertmanagerFailedToSendAlerts,
        alertmanagerConfigReloadFailed,
        watchdog,
      ],
      config,
    ),
  ];
}
