// What every kind of business alert shares: the service's own series, the
// environment's threshold and `for`, the description with its threshold
// filled in, the runbook's dashboard, and the promtool tests of the user's
// cases with the service's job and instance on every input series.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { BusinessAlert, BusinessAlertTest, MetricRef } from '../../signals/project/business.ts';
import { businessDashboardUid } from '../../signals/project/business.ts';
import type { ServiceConfig } from '../../signals/project/config.ts';
import { type Range, select, sumRate, whereMatchers } from '../../signals/promql.ts';
import { alert, type AlertRule, type AlertTest } from '../../signals/rule-types.ts';
import { testInstance } from '../../signals/slo/test-labels.ts';

/** How one kind of business alert becomes PromQL and text. */
export interface BusinessAlertKind<A extends BusinessAlert> {
  /** The expression at `threshold` over the series of the service `job`, keeping `job` and the alert's `by` labels. */
  expr(alert: A, threshold: number, job: string): string;
  /** The expression also keeps `instance` (one alert per process). */
  readonly keepsInstance: boolean;
  /** The threshold as descriptions print it. */
  thresholdText(threshold: number): string;
  /** The description when the alert gives none; `{threshold}` is filled in later. */
  defaultDescription(alert: A): string;
}

/** Where `{threshold}` in a description stands for the environment's threshold. */
export const THRESHOLD_PLACEHOLDER = '{threshold}';

/** The metric's series of the service `job`, with the reference's label filters. */
export function seriesOf(ref: MetricRef, job: string): string {
  return select(ref.spec.name, `job="${job}"`, ...whereMatchers(ref.where));
}

/** `sum by (job, <by>) (rate(<the service's series>[window]))`; the range may read last week (`offset`). */
export function serviceRate(ref: MetricRef, job: string, range: string | Range, by: readonly string[]): string {
  return sumRate(ref.spec.name, range, ['job', ...by], `job="${job}"`, ...whereMatchers(ref.where));
}

/** The start of a default description: what fires, `{{ $labels.job }}` and its split labels. */
export function subject(by: readonly string[], keepsInstance: boolean): string {
  const labels = [...(keepsInstance ? ['instance'] : []), ...by].map((l) => `${l}={{ $labels.${l} }}`);
  return labels.length === 0 ? '{{ $labels.job }}' : `{{ $labels.job }} (${labels.join(', ')})`;
}

/** A metric reference as descriptions name it: `name` or `name{label=~"a|b"}`. */
export function refText(ref: MetricRef): string {
  return select(ref.spec.name, ...whereMatchers(ref.where));
}

function promtoolTest<A extends BusinessAlert>(a: A, kind: BusinessAlertKind<A>, service: ServiceConfig, test: BusinessAlertTest, severity: string): AlertTest {
  const target = { job: service.name, instance: testInstance(service) };
  const labelText = (labels: Readonly<Record<string, string>>) =>
    Object.entries({ ...target, ...labels })
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
  return {
    name: test.name,
    ...(test.interval && { interval: test.interval, evaluationInterval: test.interval }),
    series: test.series.map((s) => ({ series: `${s.spec.name}{${labelText(s.labels)}}`, values: s.values })),
    evalTime: test.evalTime,
    ...(test.quietAt && { quietAt: test.quietAt }),
    expect: test.expect.map((e) => ({
      labels: { severity, job: service.name, ...(kind.keepsInstance && { instance: target.instance }), ...e.labels },
      annotations: { description: e.description },
    })),
  };
}

/** The rule of one business alert of `service`, at the threshold and `for` of the environment of `config`. */
export function compileBusinessAlert<A extends BusinessAlert>(a: A, kind: BusinessAlertKind<A>, service: ServiceConfig, config: AlertConfig): AlertRule {
  const override = config.businessOverrides[a.alert];
  const threshold = override?.threshold ?? a.threshold;
  return alert({
    alert: a.alert,
    expr: kind.expr(a, threshold, service.name),
    for: override?.for ?? a.for,
    severity: a.severity,
    summary: a.summary,
    description: (a.description ?? kind.defaultDescription(a)).replaceAll(THRESHOLD_PLACEHOLDER, kind.thresholdText(threshold)),
    runbook: { ...a.runbook, dashboard: a.runbook.dashboard ?? businessDashboardUid(service.name) },
    tests: a.tests.map((t) => promtoolTest(a, kind, service, t, a.severity)),
  });
}
