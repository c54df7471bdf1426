// Alerts on the monitoring stack itself: whether Prometheus evaluates rules
// and delivers alerts, whether Alertmanager delivers notifications, whether
// the components are scraped at all, and the Watchdog that always fires so a
// heartbeat receiver notices when alerting as a whole stops. Names follow the
// prometheus-mixin and alertmanager-mixin (kube-prometheus) where they exist.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { percent } from '../../signals/promql.ts';
import { alert, type AlertRule, type Duration, group, type RuleGroup, type Runbook } from '../../signals/rule-types.ts';

/** Series of Prometheus, Alertmanager and the scrape itself: theirs, not our catalog's. */
const metrics = {
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

// Thresholds and waits of the mixins.
const RULE_FAILURES_FOR: Duration = '15m';
const NOTIFICATION_ERRORS = { value: 0.03, for: '15m' as Duration };
const CONFIG_RELOAD_FOR: Duration = '10m';
/** Compactions run every 2h: failures within 3h that keep coming for 4h are not a one-off. */
const TSDB = { window: '3h' as Duration, for: '4h' as Duration };
const COMPONENT_DOWN_FOR: Duration = '5m';
const ALERTMANAGER_FAILED = { value: 0.01, for: '5m' as Duration };

const DASHBOARD = 'stack-health';

/** A component's scrape target is down, or its job has no target at all (absent() catches a job that vanished). */
function downOrMissing(jobs: readonly string[]): string {
  const matcher = jobs.length === 1 ? `job="${jobs[0]}"` : `job=~"${jobs.join('|')}"`;
  return [`${metrics.up}{${matcher}} == 0`, ...jobs.map((j) => `absent(${metrics.up}{job="${j}"})`)].join(' or ');
}

/** "at <instance> cannot be scraped" or "has no scrape target left", for a series from `up == 0` or from absent(). */
const whyDown = '{{ if $labels.instance }}at {{ $labels.instance }} cannot be scraped{{ else }}has no scrape target left{{ end }}';

const up = (job: string, instance: string, values: string) => ({ series: `${metrics.up}{job="${job}",instance="${instance}"}`, values });

export function stackRules(config: AlertConfig): RuleGroup[] {
  const jobs = config.stack.jobs;
  const prom = `job="${jobs.prometheus}"`;
  const am = `job="${jobs.alertmanager}"`;
  const promTarget = `${prom},instance="prometheus:9090"`;
  const amTarget = `${am},instance="alertmanager:9093"`;

  const componentDown = (spec: {
    alert: string;
    job: string;
    instance: string;
    name: string;
    consequence: string;
    runbook: Omit<Runbook, 'meaning' | 'dashboard'>;
  }): AlertRule =>
    alert({
      alert: spec.alert,
      expr: downOrMissing([spec.job]),
      for: COMPONENT_DOWN_FOR,
      severity: 'warning',
      summary: `Prometheus cannot scrape ${spec.name}.`,
      description: `${spec.name} ${whyDown}, for ${COMPONENT_DOWN_FOR}: ${spec.consequence}.`,
      runbook: {
        meaning: `Prometheus has failed to scrape a target of the job ${spec.job} for ${COMPONENT_DOWN_FOR}, or the job has had no target at all for as long: ${spec.name} is down, unreachable, or no longer discovered.`,
        dashboard: DASHBOARD,
        ...spec.runbook,
      },
      tests: [
        {
          name: 'fires five minutes after its target goes down',
          series: [up(spec.job, spec.instance, '1x5 0x15')],
          evalTime: '11m',
          quietAt: ['10m'],
          expect: [
            {
              labels: { severity: 'warning', job: spec.job, instance: spec.instance },
              annotations: { description: `${spec.name} at ${spec.instance} cannot be scraped, for ${COMPONENT_DOWN_FOR}: ${spec.consequence}.` },
            },
          ],
        },
        {
          name: 'fires five minutes into its job having no target at all (absent)',
          series: [],
          evalTime: '5m',
          quietAt: ['4m'],
          expect: [{ labels: { severity: 'warning', job: spec.job }, annotations: { description: `${spec.name} has no scrape target left, for ${COMPONENT_DOWN_FOR}: ${spec.consequence}.` } }],
        },
        { name: 'stays quiet while its target is scraped', series: [up(spec.job, spec.instance, '1x20')], evalTime: '15m', expect: [] },
      ],
    });

  // The components without an alert of their own below; each is named in the description.
  const generic = [jobs.prometheus, jobs.alertmanager, jobs.grafana, jobs.nodeExporter];
  const allUp = [up(jobs.prometheus, 'prometheus:9090', '1x20'), up(jobs.alertmanager, 'alertmanager:9093', '1x20'), up(jobs.nodeExporter, 'node-exporter:9100', '1x20')];

  return [
    group('stack', [
      alert({
        alert: 'PrometheusRuleFailures',
        expr: `increase(${metrics.ruleEvaluationFailures}{${prom}}[5m]) > 0`,
        for: RULE_FAILURES_FOR,
        severity: 'critical',
        summary: 'Prometheus is failing rule evaluations.',
        description: `Prometheus {{ $labels.instance }} failed to evaluate {{ printf "%.0f" $value }} rules of group {{ $labels.rule_group }} in the last 5 minutes.`,
        runbook: {
          meaning: `Recording or alerting rules have failed to evaluate for ${RULE_FAILURES_FOR}: their series have gaps and the alerts among them cannot fire.`,
          impact: 'Alerts of the failing group are blind; dashboards reading its recorded series show gaps.',
          diagnosis: [
            `Which group and why: Prometheus's Rules page (/rules) shows the last error of each rule; \`increase(${metrics.ruleEvaluationFailures}[5m]) > 0\` by rule_group.`,
            'Typical causes: a many-to-many match after a label change ("found duplicate series"), a query timeout or sample limit, or a rule writing series that collide with another rule.',
          ],
          mitigation: ['Fix the rule in alerts/ and redeploy the generated rule file; `promtool test rules` reproduces most errors.', 'For timeouts, raise the query timeout or record an intermediate series.'],
          escalation: 'Pages the platform team: alerting is partly blind until fixed.',
          dashboard: DASHBOARD,
        },
        tests: [
          {
            name: 'fires fifteen minutes after rules start failing',
            series: [{ series: `${metrics.ruleEvaluationFailures}{${promTarget},rule_group="/etc/prometheus/rules.yml;slo-http-availability"}`, values: '0x10 1+1x30' }],
            evalTime: '26m',
            quietAt: ['25m'],
            expect: [
              {
                labels: { severity: 'critical', job: jobs.prometheus, instance: 'prometheus:9090', rule_group: '/etc/prometheus/rules.yml;slo-http-availability' },
                annotations: { description: 'Prometheus prometheus:9090 failed to evaluate 5 rules of group /etc/prometheus/rules.yml;slo-http-availability in the last 5 minutes.' },
              },
            ],
          },
          {
            name: 'stays quiet while every rule evaluates',
            series: [{ series: `${metrics.ruleEvaluationFailures}{${promTarget},rule_group="/etc/prometheus/rules.yml;slo-http-availability"}`, values: '0x40' }],
            evalTime: '30m',
            expect: [],
          },
        ],
      }),
      alert({
        alert: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
        expr: `min without (alertmanager) (rate(${metrics.notificationsErrors}{${prom}}[5m]) / clamp_min(rate(${metrics.notificationsSent}{${prom}}[5m]), 1e-12)) > ${NOTIFICATION_ERRORS.value}`,
        for: NOTIFICATION_ERRORS.for,
        severity: 'critical',
        summary: 'Prometheus cannot deliver alerts to any Alertmanager.',
        description: `Prometheus {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its alerts even to the Alertmanager that took the most, over the last 5 minutes (threshold ${percent(NOTIFICATION_ERRORS.value)}).`,
        runbook: {
          meaning: `Every Alertmanager this Prometheus sends to has rejected or missed more than ${percent(NOTIFICATION_ERRORS.value)} of its alerts for ${NOTIFICATION_ERRORS.for}.`,
          impact: 'Alerts fire in Prometheus but reach nobody: no pages, no tickets. Only the Watchdog heartbeat going silent tells the outside world.',
          diagnosis: [
            `Per Alertmanager: \`rate(${metrics.notificationsErrors}{${prom}}[5m]) / rate(${metrics.notificationsSent}{${prom}}[5m])\`; Prometheus's log names the error (connection refused, TLS, 4xx).`,
            `Whether Alertmanager is up: \`${metrics.up}{${am}}\` and Prometheus's Status → Runtime page (alertmanagers discovered).`,
          ],
          mitigation: ['Restart or reschedule Alertmanager; fix the network path, TLS or credentials between Prometheus and Alertmanager.', 'Until it is fixed, watch Prometheus\'s Alerts page by hand.'],
          escalation: 'Pages the platform team through a channel that does not depend on this Alertmanager (the heartbeat receiver).',
          dashboard: DASHBOARD,
        },
        tests: [
          {
            name: 'fires fifteen minutes after every Alertmanager starts failing',
            series: [
              { series: `${metrics.notificationsSent}{${promTarget},alertmanager="http://alertmanager-0:9093/api/v2/alerts"}`, values: '100+10x40' },
              { series: `${metrics.notificationsSent}{${promTarget},alertmanager="http://alertmanager-1:9093/api/v2/alerts"}`, values: '100+10x40' },
              { series: `${metrics.notificationsErrors}{${promTarget},alertmanager="http://alertmanager-0:9093/api/v2/alerts"}`, values: '5x10 6+1x30' },
              { series: `${metrics.notificationsErrors}{${promTarget},alertmanager="http://alertmanager-1:9093/api/v2/alerts"}`, values: '5x10 6+1x30' },
            ],
            evalTime: '27m',
            quietAt: ['26m'],
            expect: [
              {
                labels: { severity: 'critical', job: jobs.prometheus, instance: 'prometheus:9090' },
                annotations: { description: 'Prometheus prometheus:9090 failed to send 10% of its alerts even to the Alertmanager that took the most, over the last 5 minutes (threshold 3%).' },
              },
            ],
          },
          {
            name: 'stays quiet while one of two Alertmanagers still takes the alerts',
            series: [
              { series: `${metrics.notificationsSent}{${promTarget},alertmanager="http://alertmanager-0:9093/api/v2/alerts"}`, values: '100+10x40' },
              { series: `${metrics.notificationsSent}{${promTarget},alertmanager="http://alertmanager-1:9093/api/v2/alerts"}`, values: '100+10x40' },
              { series: `${metrics.notificationsErrors}{${promTarget},alertmanager="http://alertmanager-0:9093/api/v2/alerts"}`, values: '5x10 6+10x30' },
              { series: `${metrics.notificationsErrors}{${promTarget},alertmanager="http://alertmanager-1:9093/api/v2/alerts"}`, values: '5x40' },
            ],
            evalTime: '35m',
            expect: [],
          },
          {
            name: 'stays quiet when there are no alerts to send',
            series: [
              { series: `${metrics.notificationsSent}{${promTarget},alertmanager="http://alertmanager-0:9093/api/v2/alerts"}`, values: '0x40' },
              { series: `${metrics.notificationsErrors}{${promTarget},alertmanager="http://alertmanager-0:9093/api/v2/alerts"}`, values: '0x40' },
            ],
            evalTime: '35m',
            expect: [],
          },
        ],
      }),
      alert({
        alert: 'PrometheusConfigReloadFailed',
        expr: `${metrics.configReloadSuccessful}{${prom}} == 0`,
        for: CONFIG_RELOAD_FOR,
        severity: 'warning',
        summary: 'Prometheus could not reload its configuration.',
        description: `Prometheus {{ $labels.instance }} has failed to load its configuration for ${CONFIG_RELOAD_FOR}; it keeps running the last configuration that loaded.`,
        runbook: {
          meaning: 'The last reload of the Prometheus configuration (prometheus.yml and the rule files it names) failed.',
          impact: 'Nothing stops: Prometheus keeps the previous configuration, but the change that was meant to apply (new targets, new or fixed rules) does not.',
          diagnosis: ['Prometheus\'s log at the last reload names the file and line; `promtool check config` and `promtool check rules` on the deployed files reproduce it.'],
          mitigation: ['Fix the file (or roll back the change to it) and reload: `POST /-/reload` or SIGHUP.'],
          escalation: 'A ticket for whoever changed the configuration; page only if the change was a fix for an ongoing incident.',
          dashboard: DASHBOARD,
        },
        tests: [
          {
            name: 'fires ten minutes after a reload fails',
            series: [{ series: `${metrics.configReloadSuccessful}{${promTarget}}`, values: '1x5 0x20' }],
            evalTime: '16m',
            quietAt: ['15m'],
            expect: [
              {
                labels: { severity: 'warning', job: jobs.prometheus, instance: 'prometheus:9090' },
                annotations: { description: 'Prometheus prometheus:9090 has failed to load its configuration for 10m; it keeps running the last configuration that loaded.' },
              },
            ],
          },
          { name: 'stays quiet after a failed reload is fixed within ten minutes', series: [{ series: `${metrics.configReloadSuccessful}{${promTarget}}`, values: '1x5 0x5 1x15' }], evalTime: '20m', expect: [] },
        ],
      }),
      ...(
        [
          ['PrometheusTSDBCompactionsFailing', metrics.tsdbCompactionsFailed, 'compact', 'compactions (merging head blocks into persistent blocks)'],
          ['PrometheusTSDBReloadsFailing', metrics.tsdbReloadsFailures, 'reload', 'block reloads (loading persistent blocks from disk)'],
        ] as const
      ).map(([name, metric, verb, what]) =>
        alert({
          alert: name,
          expr: `increase(${metric}{${prom}}[${TSDB.window}]) > 0`,
          for: TSDB.for,
          severity: 'warning',
          summary: `Prometheus's storage keeps failing to ${verb} blocks.`,
          description: `Prometheus {{ $labels.instance }} has had {{ printf "%.0f" $value }} failed ${what} in the last ${TSDB.window}, again and again for ${TSDB.for}.`,
          runbook: {
            meaning: `Prometheus's TSDB ${what} have failed at least once in every ${TSDB.window} window for ${TSDB.for}: not a one-off.`,
            impact: 'Data stays in the write-ahead log and memory longer: memory and disk grow, restarts slow down, and queries of older data may miss blocks. Left alone, Prometheus can run out of memory or disk.',
            diagnosis: [
              'Prometheus\'s log names the failing block and the error (disk full, permissions, corrupt chunk).',
              'Free space on the data volume and its inode count; whether two Prometheus processes share one data directory.',
            ],
            mitigation: ['Free or grow the data volume; fix permissions.', 'Move a corrupt block out of the data directory (after a copy) and restart.'],
            escalation: 'A ticket for the platform team; page if memory or disk is close to full.',
            dashboard: DASHBOARD,
          },
          tests: [
            {
              // Failures at 10m, 130m and 250m: the 3h window always holds one from 10m on.
              name: 'fires after four hours of failures every two hours',
              interval: '10m',
              series: [{ series: `${metric}{${promTarget}}`, values: '0 1x11 2x11 3x5' }],
              evalTime: '250m',
              quietAt: ['249m'],
              expect: [
                {
                  labels: { severity: 'warning', job: jobs.prometheus, instance: 'prometheus:9090' },
                  annotations: { description: `Prometheus prometheus:9090 has had 2 failed ${what} in the last ${TSDB.window}, again and again for ${TSDB.for}.` },
                },
              ],
            },
            { name: 'stays quiet after a single failure', interval: '10m', series: [{ series: `${metric}{${promTarget}}`, values: '0 1x27' }], evalTime: '250m', expect: [] },
          ],
        }),
      ),
      alert({
        alert: 'StackComponentDown',
        expr: downOrMissing(generic),
        for: COMPONENT_DOWN_FOR,
        severity: 'warning',
        summary: 'Prometheus cannot scrape a component of the monitoring stack.',
        description: `Stack component {{ $labels.job }} ${whyDown}, for ${COMPONENT_DOWN_FOR}.`,
        runbook: {
          meaning: `Prometheus has failed to scrape a target of one of the stack's jobs (${generic.join(', ')}) for ${COMPONENT_DOWN_FOR}, or the job has no target at all. Jaeger, Elasticsearch and Logstash have alerts of their own.`,
          impact:
            'Depends on the component: Prometheus down (seen from another Prometheus) means no rules and no alerts; Alertmanager down means no notifications; Grafana down means no dashboards; node-exporter down means no host metrics and blind host alerts.',
          diagnosis: [
            `Which: \`${metrics.up}{job=~"${generic.join('|')}"} == 0\` and Prometheus's Targets page (/targets) with the last scrape error.`,
            'Whether the container or pod runs (status, restarts, last log lines); whether service discovery still finds it (a renamed service or changed labels drops the target: absent() then fires).',
          ],
          mitigation: ['Restart or reschedule the component; roll back a change to its deployment or to the scrape configuration.'],
          escalation: 'A ticket for the platform team; page if Alertmanager is the one down and no other instance runs.',
          dashboard: DASHBOARD,
        },
        tests: [
          {
            name: 'fires five minutes after a component goes down',
            series: [...allUp, up(jobs.grafana, 'grafana:3000', '1x5 0x15')],
            evalTime: '11m',
            quietAt: ['10m'],
            expect: [
              {
                labels: { severity: 'warning', job: jobs.grafana, instance: 'grafana:3000' },
                annotations: { description: `Stack component ${jobs.grafana} at grafana:3000 cannot be scraped, for ${COMPONENT_DOWN_FOR}.` },
              },
            ],
          },
          {
            name: 'fires five minutes into a component\'s job having no target at all (absent)',
            series: allUp,
            evalTime: '5m',
            quietAt: ['4m'],
            expect: [{ labels: { severity: 'warning', job: jobs.grafana }, annotations: { description: `Stack component ${jobs.grafana} has no scrape target left, for ${COMPONENT_DOWN_FOR}.` } }],
          },
          { name: 'stays quiet while every component is scraped', series: [...allUp, up(jobs.grafana, 'grafana:3000', '1x20')], evalTime: '15m', expect: [] },
          // TargetDown (service.ts) covers service jobs; a service target down is not a stack component down.
          { name: 'ignores targets of other jobs', series: [...allUp, up(jobs.grafana, 'grafana:3000', '1x20'), up('shop', 'shop:8080', '0x20')], evalTime: '15m', expect: [] },
        ],
      }),
      componentDown({
        alert: 'JaegerDown',
        job: jobs.jaeger,
        instance: 'jaeger:8888',
        name: 'Jaeger',
        consequence: 'traces are probably not being collected',
        runbook: {
          impact: 'Spans sent by the services are dropped or queue up in their exporters; exemplar links from dashboards lead to missing traces.',
          diagnosis: [`Which target: \`${metrics.up}{job="${jobs.jaeger}"}\` by instance, and Jaeger's container or pod status and last log lines.`, 'Whether its storage backend (Elasticsearch) is reachable: Jaeger exits when it cannot write.'],
          mitigation: ['Restart Jaeger; fix its storage backend first if that is what fails.'],
          escalation: 'A ticket for the platform team: tracing is a debugging aid, users are not affected.',
        },
      }),
      componentDown({
        alert: 'ElasticsearchDown',
        job: jobs.elasticsearch,
        instance: 'elasticsearch-exporter:9114',
        name: 'Elasticsearch (through its exporter)',
        consequence: 'its health is unknown, and logs and traces stored in it may not be indexed',
        runbook: {
          impact: 'If Elasticsearch itself is down, Logstash and Jaeger cannot write: logs and traces are delayed or lost, and Kibana shows nothing new. If only the exporter is down, nothing is lost but Elasticsearch is unwatched.',
          diagnosis: [
            'Exporter or cluster: whether the exporter container runs, then `GET /_cluster/health` on Elasticsearch.',
            'Disk watermarks: a node over the flood-stage watermark makes its indices read-only.',
          ],
          mitigation: ['Restart the exporter if it alone is down; otherwise restore Elasticsearch (disk, memory, the unassigned shards) and let Logstash catch up from its queue.'],
          escalation: 'A ticket for the platform team; page if logs are needed for an ongoing incident.',
        },
      }),
      componentDown({
        alert: 'LogstashDown',
        job: jobs.logstash,
        instance: 'logstash:9600',
        name: 'Logstash',
        consequence: 'logs are probably not being shipped to Elasticsearch',
        runbook: {
          impact: 'Log lines pile up in the shippers (or are dropped when their buffers fill); Kibana shows nothing new.',
          diagnosis: ['Logstash\'s container or pod status and log (pipeline errors, out of heap); its monitoring API on port 9600 (`GET /_node/stats/pipelines`).'],
          mitigation: ['Restart Logstash; fix the pipeline configuration if it fails to start.'],
          escalation: 'A ticket for the platform team.',
        },
      }),
      alert({
        alert: 'AlertmanagerFailedToSendAlerts',
        expr: `rate(${metrics.alertmanagerNotificationsFailed}{${am}}[5m]) / ignoring (reason) group_left clamp_min(rate(${metrics.alertmanagerNotifications}{${am}}[5m]), 1e-12) > ${ALERTMANAGER_FAILED.value}`,
        for: ALERTMANAGER_FAILED.for,
        severity: 'warning',
        summary: 'Alertmanager is failing to send notifications.',
        description: `Alertmanager {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }} over the last 5 minutes ({{ $labels.reason }}).`,
        runbook: {
          meaning: `More than ${percent(ALERTMANAGER_FAILED.value)} of the notifications an Alertmanager sent through one integration (webhook, email, Slack, PagerDuty…) failed, for ${ALERTMANAGER_FAILED.for}.`,
          impact: 'The receivers of that integration miss pages and tickets; Alertmanager retries, so some arrive late.',
          diagnosis: [
            `Which integration and why: \`rate(${metrics.alertmanagerNotificationsFailed}{${am}}[5m])\` by integration and reason (clientError: our config or credentials; serverError: their side).`,
            'Alertmanager\'s log names the receiver and the HTTP status or error.',
          ],
          mitigation: ['Fix the receiver\'s URL, credentials (read from files or env) or network path; for their outage, route critical alerts to a second integration.'],
          escalation: 'A ticket for the platform team; page through another integration if the failing one carries pages.',
          dashboard: DASHBOARD,
        },
        tests: [
          {
            name: 'fires five minutes after notifications start failing',
            series: [
              { series: `${metrics.alertmanagerNotifications}{${amTarget},integration="webhook"}`, values: '100+10x30' },
              { series: `${metrics.alertmanagerNotificationsFailed}{${amTarget},integration="webhook",reason="serverError"}`, values: '5x10 6+1x20' },
            ],
            evalTime: '16m',
            quietAt: ['15m'],
            expect: [
              {
                labels: { severity: 'warning', job: jobs.alertmanager, instance: 'alertmanager:9093', integration: 'webhook', reason: 'serverError' },
                annotations: { description: 'Alertmanager alertmanager:9093 failed to send 10% of its notifications to webhook over the last 5 minutes (serverError).' },
              },
            ],
          },
          {
            name: 'stays quiet while no notification fails',
            series: [
              { series: `${metrics.alertmanagerNotifications}{${amTarget},integration="webhook"}`, values: '100+10x30' },
              { series: `${metrics.alertmanagerNotificationsFailed}{${amTarget},integration="webhook",reason="serverError"}`, values: '5x30' },
            ],
            evalTime: '20m',
            expect: [],
          },
          {
            name: 'stays quiet when there is nothing to send',
            series: [
              { series: `${metrics.alertmanagerNotifications}{${amTarget},integration="webhook"}`, values: '0x30' },
              { series: `${metrics.alertmanagerNotificationsFailed}{${amTarget},integration="webhook",reason="serverError"}`, values: '0x30' },
            ],
            evalTime: '20m',
            expect: [],
          },
        ],
      }),
      alert({
        alert: 'AlertmanagerConfigReloadFailed',
        expr: `${metrics.alertmanagerConfigReloadSuccessful}{${am}} == 0`,
        for: CONFIG_RELOAD_FOR,
        severity: 'warning',
        summary: 'Alertmanager could not reload its configuration.',
        description: `Alertmanager {{ $labels.instance }} has failed to load its configuration for ${CONFIG_RELOAD_FOR}; it keeps routing with the last configuration that loaded.`,
        runbook: {
          meaning: 'The last reload of alertmanager.yml (or a template it names) failed.',
          impact: 'Alertmanager keeps the previous routes, receivers and inhibitions: a new receiver or a fixed route does not apply, so notifications may still go to the old place.',
          diagnosis: ['Alertmanager\'s log at the last reload names the error; `amtool check-config alertmanager.yml` reproduces it.'],
          mitigation: ['Fix the file (or roll back the change to it) and reload: `POST /-/reload` or SIGHUP.'],
          escalation: 'A ticket for whoever changed the configuration.',
          dashboard: DASHBOARD,
        },
        tests: [
          {
            name: 'fires ten minutes after a reload fails',
            series: [{ series: `${metrics.alertmanagerConfigReloadSuccessful}{${amTarget}}`, values: '1x5 0x20' }],
            evalTime: '16m',
            quietAt: ['15m'],
            expect: [
              {
                labels: { severity: 'warning', job: jobs.alertmanager, instance: 'alertmanager:9093' },
                annotations: { description: 'Alertmanager alertmanager:9093 has failed to load its configuration for 10m; it keeps routing with the last configuration that loaded.' },
              },
            ],
          },
          { name: 'stays quiet while reloads succeed', series: [{ series: `${metrics.alertmanagerConfigReloadSuccessful}{${amTarget}}`, values: '1x20' }], evalTime: '15m', expect: [] },
        ],
      }),
      alert({
        alert: 'Watchdog',
        expr: 'vector(1)',
        severity: 'info',
        // Alertmanager routes it by this label to the heartbeat receiver, which raises the alarm when it stops arriving.
        labels: { watchdog: 'true' },
        summary: 'The alerting pipeline is alive.',
        description: 'Prometheus{{ with $externalLabels.prometheus }} {{ . }}{{ end }} evaluates rules and delivers alerts: this alert always fires, and the heartbeat receiver raises the alarm when it stops arriving.',
        runbook: {
          meaning: 'A dead man\'s switch: it always fires. Its absence at the heartbeat receiver, not its presence, is the alarm.',
          impact: 'None while it fires. When the heartbeat receiver stops getting it, no alert at all is reaching anyone.',
          diagnosis: [
            'When the heartbeat service reports it missing: whether Prometheus runs and evaluates rules (its Rules page), whether Alertmanager runs and receives it (its Alerts page, filter watchdog="true"), and whether Alertmanager can reach the heartbeat receiver.',
          ],
          mitigation: ['Restore whichever link of Prometheus → Alertmanager → receiver is broken; PrometheusErrorSendingAlertsToAnyAlertmanager and AlertmanagerFailedToSendAlerts point at the link if they can still be delivered.'],
          escalation: 'The heartbeat service pages the platform team directly, outside this alerting path.',
          dashboard: DASHBOARD,
        },
        tests: [
          {
            name: 'fires from the first evaluation, with no series at all',
            series: [],
            evalTime: '0m',
            expect: [{ labels: { severity: 'info', watchdog: 'true' }, annotations: { description: 'Prometheus evaluates rules and delivers alerts: this alert always fires, and the heartbeat receiver raises the alarm when it stops arriving.' } }],
          },
          {
            name: 'keeps firing',
            series: [],
            evalTime: '30m',
            expect: [{ labels: { severity: 'info', watchdog: 'true' }, annotations: { description: 'Prometheus evaluates rules and delivers alerts: this alert always fires, and the heartbeat receiver raises the alarm when it stops arriving.' } }],
          },
        ],
      }),
    ]),
  ];
}
