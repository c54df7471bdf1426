// Warning and critical variants of one alert. They share the name, so
// Alertmanager's critical-inhibits-warning rule matches on it, and the
// runbook page; they differ in threshold, `for`, description and tests.
import type { Threshold } from '../../signals/alert-settings.ts';
import { alert, type AlertRule, type AlertTest, type Severity } from '../../signals/rule-types.ts';

/** One severity of the pair: its threshold (value and `for`) and the promtool cases that pin it. */
export interface Variant {
  readonly threshold: Threshold;
  readonly tests: readonly AlertTest[];
}

/** The alert but for what a variant sets; expression and description take the variant's threshold. */
export type PairSpec = Omit<AlertRule, 'kind' | 'expr' | 'for' | 'severity' | 'description' | 'tests'> & {
  readonly expr: (threshold: number) => string;
  readonly description: (threshold: number) => string;
};

/** The warning rule, then the critical one. */
export function warningAndCritical(spec: PairSpec, variants: { readonly warning: Variant; readonly critical: Variant }): AlertRule[] {
  const { expr, description, ...rest } = spec;
  const at = (severity: Severity, v: Variant) =>
    alert({ ...rest, expr: expr(v.threshold.value), for: v.threshold.for, severity, description: description(v.threshold.value), tests: v.tests });
  return [at('warning', variants.warning), at('critical', variants.critical)];
}
