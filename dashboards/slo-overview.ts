// SLOs: per SLO declared in alerts/slo/, its objective, the SLI over the
// period, the error budget left, the burn rate at every window the
// burn-rate alerts read (thresholds: their factors), and whether they fire.
// Everything reads the SLO recording rules, the series the alerts evaluate.
import { catalog } from '../catalog/index.ts';
import { count } from '../signals/promql.ts';
import { ALERT_NAME, sloSeries } from '../signals/slo/series.ts';
import { slos } from '../signals/slo/index.ts';
import { BURN_RATE_POLICY, burnRateFactor, SLI_WINDOWS, type Slo } from '../signals/slo/spec.ts';
import type { Duration } from '../signals/rule-types.ts';
import { DASHBOARD_UIDS, type DashboardConfig, FOLDERS } from './dashboard-settings.ts';
import { instanceVariable, type KitDashboard, kitDashboard, row, type Row, serviceJobVariable } from './lib/common.ts';
import { barGauge, higherIsWorse, q, type Step, stat, timeseries } from './lib/panels.ts';
import { JOB, orZero } from './lib/promql.ts';

/** A dimensionless multiple: Grafana's custom unit with a suffix. */
const TIMES = 'suffix:×';

const of = (slo: Slo) => `slo="${slo.name}", ${JOB}`;
const series = (name: string, slo: Slo) => `${name}{${of(slo)}}`;
/** Burn rate over a window: its error ratio over the error budget, as the alerts divide it. */
const burnRate = (slo: Slo, w: Duration) => `max(${series(sloSeries.errorRatio(w), slo)}) / max(${series(sloSeries.errorBudget, slo)})`;

/** Orange from the slowest ticket's factor, red from the slowest page's. */
function burnSteps(slo: Slo): Step[] {
  const factors = (severity: string) => BURN_RATE_POLICY.filter((p) => p.severity === severity).map((p) => burnRateFactor(p.budgetShare, slo.period, p.long));
  return higherIsWorse(Math.min(...factors('warning')), Math.min(...factors('critical')));
}

function objective(slo: Slo) {
  return stat({
    title: `${slo.name}: objective`,
    description: `The promise: ${slo.objective * 100}% of ${slo.description} over ${slo.period} (${sloSeries.objective}).`,
    unit: 'percentunit',
    decimals: 2,
    width: 4,
    sparkline: false,
    queries: [q(`max(${series(sloSeries.objective, slo)})`, 'objective')],
  });
}

function sli(slo: Slo) {
  return stat({
    title: `${slo.name}: SLI over ${slo.period}`,
    description: `Share of ${slo.description} over the ${slo.period} period so far (1 − ${sloSeries.errorRatio(slo.period)}). Green while it meets the ${slo.objective * 100}% objective.`,
    unit: 'percentunit',
    decimals: 3,
    width: 4,
    queries: [q(`1 - max(${series(sloSeries.errorRatio(slo.period), slo)})`, 'SLI')],
    base: 'red',
    steps: [{ value: slo.objective, color: 'green' }],
  });
}

function budgetLeft(slo: Slo) {
  return stat({
    title: `${slo.name}: error budget left`,
    description: `Share of the ${slo.period} error budget not yet spent (${sloSeries.budgetRemaining}): 100% untouched, 0 spent, negative overspent.`,
    unit: 'percentunit',
    decimals: 1,
    width: 4,
    queries: [q(`min(${series(sloSeries.budgetRemaining, slo)})`, 'budget left')],
    base: 'red',
    steps: [
      { value: 0, color: 'orange' },
      { value: 0.25, color: 'green' },
    ],
  });
}

function firing(slo: Slo) {
  const alerts = `count(ALERTS{alertname="${ALERT_NAME}", alertstate="firing", ${of(slo)}})`;
  return stat({
    title: `${slo.name}: burn alerts firing`,
    description: `How many ${ALERT_NAME} alerts of this SLO fire now (page and ticket windows together); 0 while the budget burns at a sustainable pace. The alerts overview lists them.`,
    unit: 'short',
    width: 4,
    sparkline: false,
    queries: [q(orZero(alerts, `max(${series(sloSeries.objective, slo)})`), 'firing')],
    steps: higherIsWorse(1),
  });
}

function burnRates(slo: Slo) {
  const pairs = BURN_RATE_POLICY.map((p) => `${p.long}/${p.short} ×${burnRateFactor(p.budgetShare, slo.period, p.long)} (${p.severity})`).join(', ');
  return barGauge({
    title: `${slo.name}: burn rate by window`,
    description: `How many times faster than sustainable the budget burns over each window (1 spends it exactly over ${slo.period}). ${ALERT_NAME} fires when both windows of a pair exceed its factor: ${pairs}.`,
    unit: TIMES,
    decimals: 2,
    min: 0,
    queries: SLI_WINDOWS.map((w) => q(burnRate(slo, w), w)),
    steps: burnSteps(slo),
  });
}

function burnRateTrend(slo: Slo) {
  return timeseries({
    title: `${slo.name}: burn rate over time`,
    description: `Burn rate over the long window of each alert pair; dashed lines: the slowest ticket and page factors.`,
    unit: TIMES,
    width: 12,
    queries: BURN_RATE_POLICY.map((p) => q(burnRate(slo, p.long), p.long)),
    steps: burnSteps(slo),
  });
}

function budgetTrend(slo: Slo) {
  return timeseries({
    title: `${slo.name}: error budget left over time`,
    description: `The ${slo.period} budget left over time: a steep fall is a burn, a steady slope the normal spend.`,
    unit: 'percentunit',
    width: 12,
    queries: [q(`min(${series(sloSeries.budgetRemaining, slo)})`, 'budget left')],
  });
}

function sloRow(slo: Slo): Row {
  return row(`SLO ${slo.name}: ${slo.objective * 100}% of ${slo.description}`, [objective(slo), sli(slo), budgetLeft(slo), firing(slo), burnRates(slo), burnRateTrend(slo), budgetTrend(slo)]);
}

export function sloOverview(c: DashboardConfig): KitDashboard {
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.sloOverview,
    title: 'SLOs',
    description: 'Every SLO of one service: objective, SLI over the period, error budget left, burn rate at each alert window against the multi-window multi-burn-rate factors, and the burn alerts firing.',
    folder: FOLDERS.services,
    tags: ['slo'],
    // The SLO series are per job; the instances are the job's HTTP targets (for the links to the other dashboards).
    variables: [serviceJobVariable(sloSeries.objective, c), instanceVariable(count(catalog.http.requestDuration))],
    rows: slos(c.alerts).map(sloRow),
  });
}
