// SLOs: the SLOs of one service, chosen with the `slo` variable (every SLO
// the rules record for the selected job): objective, the SLI over the
// period, the error budget left, the burn rate at every window the burn-rate
// alerts read (thresholds: their factors), and whether they fire. Everything
// reads the SLO recording rules, the series the alerts evaluate. The
// period's SLI series and the alerts' factors depend on the period, so there
// is one row per period the project's SLOs use (usually one).
import { catalog } from '../catalog/index.ts';
import { count, orZero, percent } from '../signals/promql.ts';
import { ALERT_NAME, sloSeries } from '../signals/slo/series.ts';
import { slos } from '../signals/slo/index.ts';
import { BURN_RATE_POLICY, burnRateFactor, SLI_WINDOWS, type Slo } from '../signals/slo/spec.ts';
import type { Duration } from '../signals/rule-types.ts';
import { DASHBOARD_UIDS, type DashboardSettings, FOLDERS } from './dashboard-settings.ts';
import { instanceVariable, type KitDashboard, kitDashboard, labelVariable, row, type Row, serviceJobVariable } from './lib/common.ts';
import { barGauge, higherIsWorse, q, type Step, stat, timeseries } from './lib/panels.ts';
import { JOB } from './lib/promql.ts';

/** A dimensionless multiple: Grafana's custom unit with a suffix. */
const TIMES = 'suffix:×';
const BY_SLO = 'by (slo)';

/** The SLOs of one period: their series are selected by the `slo` and `job` variables, and by name when other periods exist. */
interface PeriodRow {
  readonly period: Duration;
  readonly slos: readonly Slo[];
  /** Matchers of every series of this row. */
  readonly selector: string;
}

const series = (name: string, r: PeriodRow) => `${name}{${r.selector}}`;
/** Burn rate over a window: its error ratio over the error budget, as the alerts divide it, per SLO. */
const burnRate = (r: PeriodRow, w: Duration) => `max ${BY_SLO} (${series(sloSeries.errorRatio(w), r)}) / max ${BY_SLO} (${series(sloSeries.errorBudget, r)})`;
/** The one value every SLO of the row shares, or undefined. */
const shared = <T,>(values: readonly T[]): T | undefined => (new Set(values).size === 1 ? values[0] : undefined);

/** Orange from the slowest ticket's factor, red from the slowest page's. */
function burnSteps(period: Duration): Step[] {
  const factors = (severity: string) => BURN_RATE_POLICY.filter((p) => p.severity === severity).map((p) => burnRateFactor(p.budgetShare, period, p.long));
  return higherIsWorse(Math.min(...factors('warning')), Math.min(...factors('critical')));
}

function objective(r: PeriodRow) {
  return stat({
    title: 'Objective',
    description: `The promise of each selected SLO: the share of its good events over ${r.period} (${sloSeries.objective}).`,
    unit: 'percentunit',
    decimals: 2,
    width: 6,
    sparkline: false,
    queries: [q(`max ${BY_SLO} (${series(sloSeries.objective, r)})`, '{{slo}}')],
  });
}

function sli(r: PeriodRow) {
  const target = shared(r.slos.map((s) => s.objective));
  return stat({
    title: `SLI over ${r.period}`,
    description: `Share of good events of each selected SLO over the ${r.period} period so far (1 − ${sloSeries.errorRatio(r.period)}).${target === undefined ? ' The objectives differ: the error budget left shows which SLO misses its own.' : ` Green while it meets the ${percent(target)} objective.`}`,
    unit: 'percentunit',
    decimals: 3,
    width: 6,
    queries: [q(`1 - max ${BY_SLO} (${series(sloSeries.errorRatio(r.period), r)})`, '{{slo}}')],
    ...(target !== undefined && { base: 'red' as const, steps: [{ value: target, color: 'green' as const }] }),
  });
}

function budgetLeft(r: PeriodRow) {
  return stat({
    title: 'Error budget left',
    description: `Share of each selected SLO's ${r.period} error budget not yet spent (${sloSeries.budgetRemaining}): 100% untouched, 0 spent, negative overspent.`,
    unit: 'percentunit',
    decimals: 1,
    width: 6,
    queries: [q(`min ${BY_SLO} (${series(sloSeries.budgetRemaining, r)})`, '{{slo}}')],
    base: 'red',
    steps: [
      { value: 0, color: 'orange' },
      { value: 0.25, color: 'green' },
    ],
  });
}

function firing(r: PeriodRow) {
  const alerts = `count ${BY_SLO} (ALERTS{alertname="${ALERT_NAME}", alertstate="firing", ${r.selector}})`;
  return stat({
    title: 'Burn alerts firing',
    description: `How many ${ALERT_NAME} alerts of each selected SLO fire now (page and ticket windows together); 0 while the budget burns at a sustainable pace. The alerts overview lists them.`,
    unit: 'short',
    width: 6,
    sparkline: false,
    queries: [q(orZero(alerts, `max ${BY_SLO} (${series(sloSeries.objective, r)})`), '{{slo}}')],
    steps: higherIsWorse(1),
  });
}

function burnRates(r: PeriodRow) {
  const pairs = BURN_RATE_POLICY.map((p) => `${p.long}/${p.short} ×${burnRateFactor(p.budgetShare, r.period, p.long)} (${p.severity})`).join(', ');
  return barGauge({
    title: 'Burn rate by window',
    description: `How many times faster than sustainable each selected SLO burns its budget over each window (1 spends it exactly over ${r.period}). ${ALERT_NAME} fires when both windows of a pair exceed its factor: ${pairs}.`,
    unit: TIMES,
    decimals: 2,
    min: 0,
    width: 24,
    queries: SLI_WINDOWS.map((w) => q(burnRate(r, w), `{{slo}} ${w}`)),
    steps: burnSteps(r.period),
  });
}

function burnRateTrend(r: PeriodRow) {
  return timeseries({
    title: 'Burn rate over time',
    description: 'Burn rate of each selected SLO over the long window of each alert pair; dashed lines: the slowest ticket and page factors.',
    unit: TIMES,
    width: 12,
    queries: BURN_RATE_POLICY.map((p) => q(burnRate(r, p.long), `{{slo}} ${p.long}`)),
    steps: burnSteps(r.period),
  });
}

function budgetTrend(r: PeriodRow) {
  return timeseries({
    title: 'Error budget left over time',
    description: `The ${r.period} budget left of each selected SLO over time: a steep fall is a burn, a steady slope the normal spend.`,
    unit: 'percentunit',
    width: 12,
    queries: [q(`min ${BY_SLO} (${series(sloSeries.budgetRemaining, r)})`, '{{slo}}')],
  });
}

function periodRow(r: PeriodRow): Row {
  return row(`SLOs over ${r.period}`, [objective(r), sli(r), budgetLeft(r), firing(r), burnRates(r), burnRateTrend(r), budgetTrend(r)]);
}

/** The project's SLOs grouped by period, in config order. */
function periodRows(all: readonly Slo[]): PeriodRow[] {
  const byPeriod = Map.groupBy(all, (s) => s.period);
  return [...byPeriod].map(([period, ofPeriod]) => ({
    period,
    slos: ofPeriod,
    // With one period every SLO is in the row; with several, each row keeps its own.
    selector: `slo=~"$slo", ${JOB}${byPeriod.size > 1 ? `, slo=~"${ofPeriod.map((s) => s.name).join('|')}"` : ''}`,
  }));
}

/** The SLO dashboard, or none when no service declares an SLO. */
export function sloOverview(c: DashboardSettings): KitDashboard | undefined {
  const all = slos(c.alerts);
  if (all.length === 0) return undefined;
  const withSlos = [...new Set(all.map((s) => s.job))];
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.sloOverview,
    title: 'SLOs',
    description: 'The SLOs of one service: objective, SLI over the period, error budget left, burn rate at each alert window against the multi-window multi-burn-rate factors, and the burn alerts firing.',
    folder: FOLDERS.services,
    tags: ['slo'],
    // The SLO series are per job and SLO; the instances are the job's HTTP targets (for the links to the other dashboards).
    variables: [
      serviceJobVariable(sloSeries.objective, withSlos),
      labelVariable({ name: 'slo', label: 'SLO', series: `${sloSeries.objective}{${JOB}}`, multi: true }),
      instanceVariable(count(catalog.http.requestDuration)),
    ],
    rows: periodRows(all).map(periodRow),
  });
}
