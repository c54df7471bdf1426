// Compiles rule groups to the files Prometheus and its tools read: a rule
// file, a Prometheus Operator PrometheusRule object, and promtool unit tests.
import { stringify } from 'yaml';
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { hashHeader } from '../../signals/generated.ts';
import { type AlertRule, type AlertTest, type Duration, isAlert, type Rule, type RuleGroup } from '../../signals/rule-types.ts';

function toYaml(doc: unknown): string {
  // Long PromQL stays on one line, so diffs and promtool errors point at whole expressions.
  return hashHeader() + stringify(doc, { lineWidth: 0, singleQuote: false });
}

export function runbookUrl(config: AlertConfig, alertName: string): string {
  return `${config.runbookBaseUrl}/${alertName}.md`;
}

/** The Grafana link of a dashboard uid. */
export function dashboardUrl(config: AlertConfig, uid: string): string {
  return `${config.grafanaUrl}/d/${uid}`;
}

/**
 * The link an alert carries: the dashboard opened on the alert's service
 * (`var-job`, the dashboards' service variable). `job` is the alert's own
 * label in the rule (a template), its value in a promtool expectation.
 */
export function alertDashboardUrl(config: AlertConfig, uid: string, job = '{{ $labels.job }}'): string {
  return `${dashboardUrl(config, uid)}?var-job=${job}`;
}

function ruleObject(rule: Rule, config: AlertConfig): Record<string, unknown> {
  if (!isAlert(rule)) return { record: rule.record, expr: rule.expr, ...(rule.labels && { labels: rule.labels }) };
  return {
    alert: rule.alert,
    expr: rule.expr,
    ...(rule.for && { for: rule.for }),
    ...(rule.keepFiringFor && { keep_firing_for: rule.keepFiringFor }),
    labels: { severity: rule.severity, ...rule.labels },
    annotations: {
      summary: rule.summary,
      description: rule.description,
      runbook_url: runbookUrl(config, rule.alert),
      ...(rule.runbook.dashboard && { dashboard_url: alertDashboardUrl(config, rule.runbook.dashboard) }),
    },
  };
}

function groupsObject(groups: readonly RuleGroup[], config: AlertConfig) {
  return groups.map((g) => ({ name: g.name, ...(g.interval && { interval: g.interval }), rules: g.rules.map((r) => ruleObject(r, config)) }));
}

/** A Prometheus rule file (`rule_files:`). */
export function ruleFile(groups: readonly RuleGroup[], config: AlertConfig): string {
  return toYaml({ groups: groupsObject(groups, config) });
}

/** The same rules as a Prometheus Operator `PrometheusRule` (monitoring.coreos.com/v1). */
export function prometheusRule(groups: readonly RuleGroup[], config: AlertConfig, name: string, labels: Readonly<Record<string, string>> = {}): string {
  return toYaml({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name, labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'node-observability-kit', ...labels } },
    spec: { groups: groupsObject(groups, config) },
  });
}

/**
 * promtool unit tests of every alert in `groups`, against `ruleFilePath`
 * (relative to the test files), one file per evaluation interval: promtool
 * evaluates every rule at every step up to a test's last minute, and a test
 * over a week of history needs no 1-minute steps.
 */
export function promtoolTests(groups: readonly RuleGroup[], ruleFilePath: string, config: AlertConfig): Map<Duration, string> {
  const alerts = groups.flatMap((g) => g.rules.filter(isAlert));
  const byInterval = Map.groupBy(
    alerts.flatMap((a) => a.tests.map((t) => ({ a, t }))),
    ({ t }) => t.evaluationInterval ?? '1m',
  );
  const files = new Map<Duration, string>();
  for (const [interval, tests] of byInterval) {
    files.set(
      interval,
      toYaml({
        rule_files: [ruleFilePath],
        evaluation_interval: interval,
        // Groups run in file order, so alerts read what the recording groups wrote in the same step.
        group_eval_order: groups.map((g) => g.name),
        tests: tests.map(({ a, t }) => promtoolTest(a, t, config)),
      }),
    );
  }
  return files;
}

function promtoolTest(rule: AlertRule, test: AlertTest, config: AlertConfig) {
  return {
    name: `${rule.alert}: ${test.name}`,
    interval: test.interval ?? '1m',
    input_series: test.series.map((s) => ({ series: s.series, values: s.values })),
    alert_rule_test: [
      ...(test.quietAt ?? []).map((t) => ({ eval_time: t, alertname: rule.alert, exp_alerts: [] })),
      {
        eval_time: test.evalTime,
        alertname: rule.alert,
        exp_alerts: test.expect.map((e) => ({
          exp_labels: e.labels,
          // summary, runbook_url and dashboard_url are fixed per rule; tests state what varies.
          exp_annotations: {
            summary: rule.summary,
            ...e.annotations,
            runbook_url: runbookUrl(config, rule.alert),
            ...(rule.runbook.dashboard && { dashboard_url: alertDashboardUrl(config, rule.runbook.dashboard, e.labels.job ?? '') }),
          },
        })),
      },
    ],
  };
}
