// Metrics that are not ours: the series Prometheus makes itself, and what
// the stack's components expose. The exporter's catalog does not hold them,
// so they are listed here, by component, with the exporter that serves them;
// the dashboard lint accepts a name from this list, the catalog, the
// services' own metrics or the rule files only.

import { cadvisorMetrics, kubeStateMetrics } from './kubernetes-metrics.ts';

/** Series Prometheus writes itself: per scrape target, and the alerting rules' state. */
export const prometheusSynthetic = {
  up: 'up',
  scrapeDuration: 'scrape_duration_seconds',
  scrapeSamples: 'scrape_samples_scraped',
  alerts: 'ALERTS',
  alertsForState: 'ALERTS_FOR_STATE',
} as const;

/** Prometheus 3's own /metrics. */
export const prometheusMetrics = {
  samplesAppended: 'prometheus_tsdb_head_samples_appended_total',
  headSeries: 'prometheus_tsdb_head_series',
  headChunks: 'prometheus_tsdb_head_chunks',
  blocksBytes: 'prometheus_tsdb_storage_blocks_bytes',
  compactionsFailed: 'prometheus_tsdb_compactions_failed_total',
  reloadsFailed: 'prometheus_tsdb_reloads_failures_total',
  ruleGroupDuration: 'prometheus_rule_group_last_duration_seconds',
  ruleFailures: 'prometheus_rule_evaluation_failures_total',
  ruleGroupMissed: 'prometheus_rule_group_iterations_missed_total',
  notificationsSent: 'prometheus_notifications_sent_total',
  notificationsErrors: 'prometheus_notifications_errors_total',
  configReloadSuccessful: 'prometheus_config_last_reload_successful',
} as const;

/** Alertmanager 0.2x–0.3x's /metrics. */
export const alertmanagerMetrics = {
  notifications: 'alertmanager_notifications_total',
  notificationsFailed: 'alertmanager_notifications_failed_total',
  alerts: 'alertmanager_alerts',
  configReloadSuccessful: 'alertmanager_config_last_reload_successful',
} as const;

/** Jaeger 2.x: the OpenTelemetry Collector's own telemetry (port 8888). */
export const jaegerMetrics = {
  spansAccepted: 'otelcol_receiver_accepted_spans_total',
  spansRefused: 'otelcol_receiver_refused_spans_total',
  spansSent: 'otelcol_exporter_sent_spans_total',
  spansSendFailed: 'otelcol_exporter_send_failed_spans_total',
} as const;

/** prometheus-community/elasticsearch_exporter. */
export const elasticsearchMetrics = {
  clusterHealthStatus: 'elasticsearch_cluster_health_status',
  indexingTotal: 'elasticsearch_indices_indexing_index_total',
} as const;

/** kuskoman/logstash-exporter (Logstash has no Prometheus endpoint of its own). */
export const logstashMetrics = {
  eventsIn: 'logstash_stats_pipeline_events_in',
  eventsOut: 'logstash_stats_pipeline_events_out',
} as const;

/**
 * The scrape job of kube-state-metrics in the Kubernetes bundle (its metric names are in
 * kubernetes-metrics.ts). Not a stack job of STACK_JOBS: compose and the local stack do not run it.
 */
export const KUBE_STATE_METRICS_JOB = 'kube-state-metrics';

/** Every name above: the lint's list of known non-catalog metrics. */
export function stackMetricNames(): string[] {
  return [prometheusSynthetic, prometheusMetrics, alertmanagerMetrics, jaegerMetrics, elasticsearchMetrics, logstashMetrics, kubeStateMetrics, cadvisorMetrics].flatMap((m) => Object.values(m));
}
