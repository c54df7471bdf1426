// Stack health: the monitoring stack watched by itself. Prometheus (scrapes,
// rule evaluation, TSDB, samples, notifications), Alertmanager
// (notifications and failures), Jaeger (spans in and out), Logstash and
// Elasticsearch (events and documents), and whether each is scraped at all.
// The jobs are the stack's scrape jobs of signals/alert-settings.ts.
import { select, sumOf, sumRate } from '../signals/promql.ts';
import { DASHBOARD_UIDS, type DashboardSettings, FOLDERS } from './dashboard-settings.ts';
import { instanceVariable, jobsVariable, type KitDashboard, kitDashboard, row } from './lib/common.ts';
import { q, stat, timeseries, UP_DOWN } from './lib/panels.ts';
import { RATE_INTERVAL, TARGET } from './lib/promql.ts';
import { alertmanagerMetrics as am, elasticsearchMetrics as es, jaegerMetrics as jaeger, logstashMetrics as logstash, prometheusMetrics as prom, prometheusSynthetic as scrape } from '../signals/stack-metrics.ts';

/** The scrape jobs of the components the project's stack runs. */
function runningJobs(c: DashboardSettings): string[] {
  const { jobs, traces, logs, nodeExporter } = c.alerts.stack;
  const off = new Set<string>([...(traces ? [] : [jobs.jaeger]), ...(logs ? [] : [jobs.logstash, jobs.elasticsearch]), ...(nodeExporter ? [] : [jobs.nodeExporter])]);
  return Object.values(jobs).filter((j) => !off.has(j));
}

function componentsUp(c: DashboardSettings) {
  const jobs = runningJobs(c).join(', ');
  return stat({
    title: 'Components scraped',
    description: `Whether Prometheus scraped each selected stack job at its last attempt (${jobs}). A job with no target at all does not show here: the stack's Down alerts fire on it.`,
    unit: 'short',
    width: 16,
    sparkline: false,
    queries: [q(`min by (job) (${select(scrape.up, ...TARGET)})`, '{{job}}')],
    mappings: UP_DOWN,
    base: 'red',
    steps: [{ value: 1, color: 'green' }],
  });
}

function configsLoaded() {
  return stat({
    title: 'Configuration loaded',
    description: 'Whether the last reload of prometheus.yml (and its rule files) and of alertmanager.yml succeeded. After a failed reload each keeps running with the previous configuration (PrometheusConfigReloadFailed, AlertmanagerConfigReloadFailed).',
    unit: 'short',
    width: 8,
    sparkline: false,
    queries: [q(`min by (job) (${select(prom.configReloadSuccessful, ...TARGET)})`, '{{job}} prometheus.yml'), q(`min by (job) (${select(am.configReloadSuccessful, ...TARGET)})`, '{{job}} alertmanager.yml')],
    mappings: { 0: ['failed', 'red'], 1: ['loaded', 'green'] },
    base: 'red',
    steps: [{ value: 1, color: 'green' }],
  });
}

function scrapeDurations() {
  return timeseries({
    title: 'Scrape duration by job',
    description: 'How long the slowest target of every job Prometheus scrapes (services included) took to answer. Close to the scrape timeout, scrapes start failing; a slow /metrics also blocks a Node.js event loop while it renders.',
    unit: 's',
    queries: [q(`max by (job) (${scrape.scrapeDuration})`, '{{job}}')],
  });
}

function samples() {
  return timeseries({
    title: 'Samples appended',
    description: 'Samples per second Prometheus writes to its head block: ingestion load, which follows the number of series and the scrape interval.',
    unit: 'short',
    queries: [q(sumRate(prom.samplesAppended, RATE_INTERVAL, ['instance'], ...TARGET), '{{instance}}')],
  });
}

function ruleEvaluation() {
  return timeseries({
    title: 'Rule group evaluation duration',
    description: "How long each rule group's last evaluation took. Near the evaluation interval, iterations are missed and alerts come late.",
    unit: 's',
    queries: [q(`max by (rule_group) (${select(prom.ruleGroupDuration, ...TARGET)})`, '{{rule_group}}')],
  });
}

function ruleFailures() {
  return timeseries({
    title: 'Rule evaluation failures and missed iterations',
    description: 'Failed rule evaluations (PrometheusRuleFailures pages on any for 15m) and skipped group iterations, per second. Both should be 0.',
    unit: 'short',
    queries: [q(sumRate(prom.ruleFailures, RATE_INTERVAL, [], ...TARGET), 'failures'), q(sumRate(prom.ruleGroupMissed, RATE_INTERVAL, [], ...TARGET), 'missed iterations')],
  });
}

function tsdb() {
  return timeseries({
    title: 'TSDB head',
    description: 'Series and chunks in the head block (the last ~2 hours, in memory): memory use follows them. A jump in series is new labels, often a cardinality leak.',
    unit: 'short',
    queries: [q(sumOf(prom.headSeries, ['instance'], ...TARGET), '{{instance}} series'), q(sumOf(prom.headChunks, ['instance'], ...TARGET), '{{instance}} chunks')],
  });
}

function storage() {
  return timeseries({
    title: 'TSDB blocks on disk',
    description: 'Bytes of persisted blocks (older than the head): disk use, which retention bounds.',
    unit: 'bytes',
    queries: [q(sumOf(prom.blocksBytes, ['instance'], ...TARGET), '{{instance}} blocks')],
  });
}

function tsdbFailures() {
  return timeseries({
    title: 'TSDB compaction and reload failures',
    description: 'Failed compactions and block reloads per second; any is a disk, permission or corruption problem (PrometheusTSDBCompactionsFailing, PrometheusTSDBReloadsFailing).',
    unit: 'short',
    queries: [q(sumRate(prom.compactionsFailed, RATE_INTERVAL, [], ...TARGET), 'compactions'), q(sumRate(prom.reloadsFailed, RATE_INTERVAL, [], ...TARGET), 'reloads')],
  });
}

function promNotifications() {
  return timeseries({
    title: 'Alerts sent to Alertmanager',
    description: 'Alerts per second Prometheus sent to each Alertmanager, and errors sending them (PrometheusErrorSendingAlertsToAnyAlertmanager).',
    unit: 'short',
    queries: [q(sumRate(prom.notificationsSent, RATE_INTERVAL, ['alertmanager'], ...TARGET), 'sent to {{alertmanager}}'), q(sumRate(prom.notificationsErrors, RATE_INTERVAL, ['alertmanager'], ...TARGET), 'errors to {{alertmanager}}')],
  });
}

function amNotifications() {
  return timeseries({
    title: 'Alertmanager notifications by integration',
    description: 'Notifications per second Alertmanager sent through each integration (webhook, email, Slack, PagerDuty), and those that failed (AlertmanagerFailedToSendAlerts), by reason.',
    unit: 'short',
    queries: [q(sumRate(am.notifications, RATE_INTERVAL, ['integration'], ...TARGET), '{{integration}} sent'), q(sumRate(am.notificationsFailed, RATE_INTERVAL, ['integration', 'reason'], ...TARGET), '{{integration}} failed ({{reason}})')],
  });
}

function amAlerts() {
  return timeseries({
    title: 'Alerts in Alertmanager',
    description: 'Alerts Alertmanager holds, by state: active, suppressed (silenced or inhibited) and unprocessed.',
    unit: 'short',
    stacked: true,
    queries: [q(sumOf(am.alerts, ['state'], ...TARGET), '{{state}}')],
  });
}

function spans() {
  return timeseries({
    title: 'Jaeger spans received and stored',
    description: 'Spans per second Jaeger accepted from the services (by receiver) and wrote to storage (by exporter), with refused and failed ones. Received but not stored means the storage backend fails.',
    unit: 'short',
    queries: [
      q(sumRate(jaeger.spansAccepted, RATE_INTERVAL, ['receiver'], ...TARGET), 'accepted ({{receiver}})'),
      q(sumRate(jaeger.spansRefused, RATE_INTERVAL, ['receiver'], ...TARGET), 'refused ({{receiver}})'),
      q(sumRate(jaeger.spansSent, RATE_INTERVAL, ['exporter'], ...TARGET), 'stored ({{exporter}})'),
      q(sumRate(jaeger.spansSendFailed, RATE_INTERVAL, ['exporter'], ...TARGET), 'failed ({{exporter}})'),
    ],
  });
}

function logstashEvents() {
  return timeseries({
    title: 'Logstash events in and out',
    description: 'Log events per second entering and leaving each Logstash pipeline. Out falling behind in means its queue fills (Elasticsearch slow or down).',
    unit: 'short',
    queries: [q(sumRate(logstash.eventsIn, RATE_INTERVAL, ['pipeline'], ...TARGET), '{{pipeline}} in'), q(sumRate(logstash.eventsOut, RATE_INTERVAL, ['pipeline'], ...TARGET), '{{pipeline}} out')],
  });
}

function elasticsearchHealth() {
  const color = (name: string) => `max(${select(es.clusterHealthStatus, ...TARGET, `color="${name}"`)})`;
  return stat({
    title: 'Elasticsearch cluster health',
    description: 'Green: every shard allocated. Yellow: replicas missing (a single-node cluster is yellow when indices want replicas). Red: primary shards missing, some logs and traces cannot be written or read.',
    unit: 'short',
    width: 6,
    sparkline: false,
    queries: [q(`2 * ${color('green')} + ${color('yellow')}`, 'health')],
    mappings: { 0: ['red', 'red'], 1: ['yellow', 'yellow'], 2: ['green', 'green'] },
  });
}

function indexing() {
  return timeseries({
    title: 'Elasticsearch indexing rate',
    description: 'Documents per second Elasticsearch indexed: log lines from Logstash and spans from Jaeger. A drop to 0 while services log means the pipeline is broken upstream.',
    unit: 'short',
    width: 18,
    queries: [q(sumRate(es.indexingTotal, RATE_INTERVAL, [], ...TARGET), 'indexed/s')],
  });
}

export function stackHealth(c: DashboardSettings): KitDashboard {
  const stackJobs = `job=~"${runningJobs(c).join('|')}"`;
  const { logs, traces } = c.alerts.stack;
  const tracesAndLogs = [...(traces ? [spans()] : []), ...(logs ? [logstashEvents(), elasticsearchHealth(), indexing()] : [])];
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.stackHealth,
    title: 'Stack health',
    description: `The monitoring stack watched by itself: Prometheus (scrapes, rules, TSDB, alerts sent), Alertmanager (notifications)${traces ? ', Jaeger (spans)' : ''}${logs ? ', Logstash and Elasticsearch (log events, documents)' : ''}, and whether each is scraped.`,
    folder: FOLDERS.observability,
    tags: ['stack', 'prometheus', 'alertmanager'],
    variables: [jobsVariable(select(scrape.up, stackJobs), false), instanceVariable(scrape.up)],
    rows: [
      row('Components', [componentsUp(c), configsLoaded()]),
      row('Prometheus', [scrapeDurations(), samples(), ruleEvaluation(), ruleFailures(), tsdb(), storage(), tsdbFailures(), promNotifications()]),
      row('Alertmanager', [amNotifications(), amAlerts()]),
      ...(tracesAndLogs.length > 0 ? [row(traces && logs ? 'Traces and logs' : traces ? 'Traces' : 'Logs', tracesAndLogs)] : []),
    ],
  });
}
