// What an SLO is, as data, and the multi-window multi-burn-rate alerting
// policy of the Google SRE Workbook ("Alerting on SLOs", table 5-8). The
// burn-rate factors are not typed in: they follow from the share of the
// budget each alert may let burn, the SLO period and the long window.
import type { Duration, Severity } from '../rule-types.ts';

/** A PromQL rate over `window` of one service's requests, aggregated `by (job)`. */
export type RateQuery = (window: Duration) => string;

/**
 * How the SLI counts events: bad and total (`errors`), or good and total
 * (`good`). Either way the generator derives the error ratio and keeps it 0,
 * never NaN or absent, while a job has no traffic or no errors.
 */
export type Sli =
  | { readonly kind: 'errors'; readonly errors: RateQuery; readonly total: RateQuery }
  | { readonly kind: 'good'; readonly good: RateQuery; readonly total: RateQuery };

/** promtool `values` of three counters of one test: good, bad and all events. */
export interface TestCounters {
  readonly good: string;
  readonly bad: string;
  readonly total: string;
}

export interface Slo {
  /** kebab-case, unique in the project; the `slo` label of every series and alert of this SLO. */
  readonly name: string;
  /** The service's name: the only `job` whose requests this SLO counts. */
  readonly job: string;
  /** Share of good events the SLO promises, e.g. 0.995. */
  readonly objective: number;
  /** The compliance period the error budget is counted over. */
  readonly period: Duration;
  /** What a good event is, completing "99.5% of …": e.g. "requests answered without a 5xx status". */
  readonly description: string;
  readonly sli: Sli;
  /** The runbook's step for this SLO: where its bad events come from (PromQL in backticks). */
  readonly diagnosis: string;
  /** The input series of promtool tests for given good/bad/total counters (the SLI's own metric, the service's job and instance). */
  readonly testSeries: (counters: TestCounters) => readonly { readonly series: string; readonly values: string }[];
}

/** One alert of the policy: it fires when both windows burn faster than `budgetShare` of the budget per long window. */
export interface BurnRateAlertWindows {
  readonly severity: Severity;
  readonly long: Duration;
  /** A twelfth of the long window: the alert stops soon after the burn does. */
  readonly short: Duration;
  /** Share of the whole period's error budget that burns within `long` at the alert's threshold. */
  readonly budgetShare: number;
}

/** Page on fast burns, ticket on slow ones (SRE Workbook, table 5-8). */
export const BURN_RATE_POLICY: readonly BurnRateAlertWindows[] = [
  { severity: 'critical', long: '1h', short: '5m', budgetShare: 0.02 },
  { severity: 'critical', long: '6h', short: '30m', budgetShare: 0.05 },
  { severity: 'warning', long: '1d', short: '2h', budgetShare: 0.1 },
  { severity: 'warning', long: '3d', short: '6h', budgetShare: 0.1 },
];

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 } as const;

export function seconds(d: Duration): number {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(d);
  if (m === null) throw new Error(`not a duration: ${d}`);
  return Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS];
}

/** Decimal arithmetic's answer for our small factors: 1 − 0.995 is 0.005, not 0.0050000000000000044. */
export function exact(x: number): number {
  return Number(x.toPrecision(12));
}

/** The error budget: the share of events allowed to be bad. */
export function errorBudget(objective: number): number {
  if (!(objective > 0 && objective < 1)) throw new Error(`an objective is a ratio between 0 and 1, not ${objective}`);
  return exact(1 - objective);
}

/**
 * How many times faster than sustainable the budget burns when `budgetShare`
 * of a `period` budget is spent within `window`: a burn rate of 1 spends the
 * budget exactly over the period.
 */
export function burnRateFactor(budgetShare: number, period: Duration, window: Duration): number {
  return exact((budgetShare * seconds(period)) / seconds(window));
}

/** Every window the policy reads, shortest first: the error ratios to record. */
export const SLI_WINDOWS: readonly Duration[] = [...new Set(BURN_RATE_POLICY.flatMap((p) => [p.long, p.short]))].sort((a, b) => seconds(a) - seconds(b));
