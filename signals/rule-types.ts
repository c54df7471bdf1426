// The typed shape of alerting and recording rules, and the builders that
// groups use. An alert carries its runbook and its promtool unit tests, so
// one definition yields the rule, the page and the proof.

export type Severity = 'critical' | 'warning' | 'info';
export type Duration = `${number}${'s' | 'm' | 'h' | 'd' | 'w'}`;

export interface Runbook {
  /** What the alert means, in one or two sentences. */
  readonly meaning: string;
  /** What users experience while it fires. */
  readonly impact: string;
  /** Steps to find the cause; PromQL in backticks is shown as code. */
  readonly diagnosis: readonly string[];
  readonly mitigation: readonly string[];
  /** When and to whom to escalate. */
  readonly escalation: string;
  /** Grafana dashboard uid to open first (issue 5 builds the dashboards). */
  readonly dashboard?: string;
}

/** One promtool alert test: series, the minute to evaluate, and what must fire then (empty: nothing). */
export interface AlertTest {
  /** Sentence naming the behaviour, shown in failures. */
  readonly name: string;
  readonly interval?: Duration;
  /** How often promtool evaluates the rules (default 1m); coarser for tests over days of history. */
  readonly evaluationInterval?: Duration;
  readonly series: readonly { readonly series: string; readonly values: string }[];
  readonly evalTime: Duration;
  /** Times at which the alert must not be firing yet (e.g. one minute before evalTime: the exact start). */
  readonly quietAt?: readonly Duration[];
  /** Expected alerts at evalTime: their labels (alertname and rule labels included by promtool) and annotations. */
  readonly expect: readonly { readonly labels: Readonly<Record<string, string>>; readonly annotations: Readonly<Record<string, string>> }[];
}

export interface AlertRule {
  readonly kind: 'alert';
  /** CamelCase; warning and critical variants share it so inhibition can match on it. */
  readonly alert: string;
  readonly expr: string;
  /** Required unless the alert is one of a burn-rate pair (`for` is then in its windows). */
  readonly for?: Duration;
  /** Keeps the alert firing this long after its condition clears: one incident, not one per flap. */
  readonly keepFiringFor?: Duration;
  readonly severity: Severity;
  readonly labels?: Readonly<Record<string, string>>;
  /** A static sentence ending with a period. */
  readonly summary: string;
  /** Templated detail: `{{ $labels.job }}`, `{{ $value | humanizePercentage }}`. */
  readonly description: string;
  readonly runbook: Runbook;
  readonly tests: readonly AlertTest[];
}

export interface RecordingRule {
  readonly kind: 'record';
  /** `level:metric:operations`, the Prometheus recording-rule convention. */
  readonly record: string;
  readonly expr: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export type Rule = AlertRule | RecordingRule;

export interface RuleGroup {
  readonly name: string;
  readonly interval?: Duration;
  readonly rules: readonly Rule[];
}

export function alert(spec: Omit<AlertRule, 'kind'>): AlertRule {
  return { kind: 'alert', ...spec };
}

export function record(record: string, expr: string, labels?: Readonly<Record<string, string>>): RecordingRule {
  return { kind: 'record', record, expr, ...(labels && { labels }) };
}

export function group(name: string, rules: readonly Rule[], interval?: Duration): RuleGroup {
  return { name, rules, ...(interval && { interval }) };
}

export const isAlert = (r: Rule): r is AlertRule => r.kind === 'alert';
