// Names of the series the SLO rules record and of their alert: what the
// alerts write and the dashboards read.
import type { Duration } from '../rule-types.ts';

/** Names of the recorded SLO series, for the alerts and the dashboards. */
export const sloSeries = {
  /** Rate of all events over 5m: the base of the period's ratio. */
  requests5m: 'slo:sli_requests:rate5m',
  /** Rate of bad events over 5m, 0 while there are none. */
  errors5m: 'slo:sli_errors:rate5m',
  /** Bad events / all events over `window`. */
  errorRatio: (window: Duration) => `slo:sli_error:ratio_rate${window}`,
  objective: 'slo:objective:ratio',
  /** 1 − objective. A window's burn rate, as the alerts compute it, is its error ratio divided by this. */
  errorBudget: 'slo:error_budget:ratio',
  /** Unix time since which the SLI has data without a gap over an hour: how much of a long window is real data. */
  dataSince: 'slo:sli_data:since_timestamp',
  /** 1 − (error ratio over the period) / (error budget): 1 untouched, 0 spent, below 0 overspent. */
  budgetRemaining: 'slo:error_budget:remaining',
} as const;

/** The burn-rate alert of every SLO. */
export const ALERT_NAME = 'ErrorBudgetBurn';
