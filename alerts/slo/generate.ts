// The SLO generator (after sloth): from an SLO as data, the recording rules of
// its error ratio at every window the alerts read, its error budget over the
// period, and the multi-window multi-burn-rate alerts with their promtool
// tests. Every series carries `slo` and `job` (one service's, so the series of
// two services' SLOs never clash); none is NaN or missing while a job serves
// no requests or no errors.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { percent, ratioOrZero } from '../../signals/promql.ts';
import { alert, type AlertRule, type AlertTest, type Duration, group, record, type RecordingRule, type RuleGroup, type Runbook } from '../../signals/rule-types.ts';
import { withinBudget } from './feasible-scenarios.ts';
import { BURN_SCENARIOS, type Scenario, scenarioCounters, ZERO_TRAFFIC } from './scenarios.ts';
import { BURN_RATE_POLICY, type BurnRateAlertWindows, burnRateFactor, errorBudget, exact, seconds, SLI_WINDOWS, type Slo } from '../../signals/slo/spec.ts';
import { ALERT_NAME, sloSeries } from '../../signals/slo/series.ts';


const only = (slo: Slo) => `{slo="${slo.name}"}`;

/** The range PromQL reads for a nominal SLO window: the window itself, or shorter in a rehearsal (the local stack's quick mode). */
export function rangeOf(window: Duration, config: AlertConfig): Duration {
  const speedup = config.slo.rehearsalSpeedup;
  return speedup === 1 ? window : `${exact(seconds(window) / speedup)}s`;
}

/** Rate of bad events over `window`, `by (job)`, present (0) for every job with traffic. */
export function errorsQuery(slo: Slo, window: Duration, config: AlertConfig): string {
  const sli = slo.sli;
  return sli.kind === 'errors' ? `${sli.errors(window)} or on (${config.serviceLabel}) (0 * ${sli.total(window)})` : `${sli.total(window)} - ${sli.good(window)}`;
}

export function sloRecordingRules(slo: Slo, config: AlertConfig): RecordingRule[] {
  if (SLI_WINDOWS.includes(slo.period)) throw new Error(`${slo.name}: the period ${slo.period} must be longer than every alert window`);
  // A fresh object per rule: a shared one would come out as YAML anchors and aliases.
  const labels = () => ({ slo: slo.name });
  const budget = errorBudget(slo.objective);
  const sel = only(slo);
  return [
    record(sloSeries.requests5m, slo.sli.total(rangeOf('5m', config)), labels()),
    record(sloSeries.errors5m, errorsQuery(slo, rangeOf('5m', config), config), labels()),
    ...SLI_WINDOWS.map((w) =>
      record(
        sloSeries.errorRatio(w),
        // The 5m ratio reuses the two series above; longer windows read the counters, as the SRE Workbook's alerts do.
        w === '5m' ? ratioOrZero(`${sloSeries.errors5m}${sel}`, `${sloSeries.requests5m}${sel}`) : ratioOrZero(errorsQuery(slo, rangeOf(w, config), config), slo.sli.total(rangeOf(w, config))),
        labels(),
      ),
    ),
    // The period from the 5-minute rates recorded every evaluation, weighted by traffic: one series
    // per job, where a 30-day rate() would read 30 days of every route's raw counters each minute.
    // It counts from when these rules were first deployed (or the retention, if shorter).
    record(sloSeries.errorRatio(slo.period), ratioOrZero(`sum_over_time(${sloSeries.errors5m}${sel}[${slo.period}])`, `sum_over_time(${sloSeries.requests5m}${sel}[${slo.period}])`), labels()),
    // Its own earliest value over the last hour, else now: the start of the data, kept across
    // evaluation intervals and restarts shorter than an hour, reset by a longer gap. Read off
    // the fastest page's long-window ratio, which exists from a job's second sample on.
    record(sloSeries.dataSince, `min_over_time(${sloSeries.dataSince}${sel}[1h]) or timestamp(${sloSeries.errorRatio(BURN_RATE_POLICY[0]!.long)}${sel})`, labels()),
    record(sloSeries.objective, `0 * ${sloSeries.requests5m}${sel} + ${slo.objective}`, labels()),
    record(sloSeries.errorBudget, `0 * ${sloSeries.requests5m}${sel} + ${budget}`, labels()),
    record(sloSeries.budgetRemaining, `1 - ${sloSeries.errorRatio(slo.period)}${sel} / ${budget}`, labels()),
  ];
}

/** The description of one alert variant, for given job and burn-rate text (templates in the rule, values in tests). */
function description(slo: Slo, p: BurnRateAlertWindows, job: string, burnRate: string): string {
  const factor = burnRateFactor(p.budgetShare, slo.period, p.long);
  return (
    `${job} is spending the error budget of its ${slo.name} SLO ${burnRate} times as fast as sustainable over the last ${p.long}, and still over the last ${p.short} ` +
    `(threshold ${factor}: ${percent(p.budgetShare)} of the ${slo.period} budget within ${p.long}). ` +
    `The SLO: ${percent(slo.objective)} of ${slo.description} over ${slo.period}.`
  );
}

function alertTest(slo: Slo, p: BurnRateAlertWindows, designed: Scenario): AlertTest {
  const s = withinBudget(designed, p, burnRateFactor(p.budgetShare, slo.period, p.long), errorBudget(slo.objective));
  return {
    name: `${slo.name}: ${s.name}`,
    interval: s.interval,
    ...(s.evaluationInterval && { evaluationInterval: s.evaluationInterval }),
    series: slo.testSeries(scenarioCounters(s.phases, errorBudget(slo.objective), s.fromZero)),
    evalTime: s.evalTime,
    ...(s.quietAt && { quietAt: s.quietAt }),
    expect: s.fires
      ? [
          {
            labels: { severity: p.severity, long_window: p.long, short_window: p.short, slo: slo.name, job: slo.job },
            annotations: { description: description(slo, p, slo.job, s.fires.burnRate) },
          },
        ]
      : [],
  };
}

/** The fastest page (1h/5m) and the slower one (6h/30m) it stands for while both fire. */
const [FASTEST_PAGE, SLOWER_PAGE] = BURN_RATE_POLICY.filter((p) => p.severity === 'critical');

/**
 * The guards of one burn-rate alert: enough events in its short window (two
 * errors in thirty requests are no incident), and, but for the fastest page,
 * data over most of its long window (no 3-day verdict on a minute of data).
 * The fastest page (1h/5m) guards with its short window alone, so a new
 * service that fails from its first minutes still pages.
 */
function guards(slo: Slo, p: BurnRateAlertWindows, config: AlertConfig): string {
  const { minEventsPerShortWindow, minLongWindowCoverage } = config.slo;
  const short = rangeOf(p.short, config);
  const traffic = ` and on (${config.serviceLabel}) (${slo.sli.total(short)}) * ${seconds(short)} >= ${minEventsPerShortWindow}`;
  if (p === FASTEST_PAGE) return traffic;
  return `${traffic} and on (${config.serviceLabel}, slo) time() - ${sloSeries.dataSince}${only(slo)} >= ${exact(minLongWindowCoverage * seconds(rangeOf(p.long, config)))}`;
}

export function sloAlerts(slo: Slo, runbook: Runbook, config: AlertConfig): AlertRule[] {
  const sel = only(slo);
  const budget = errorBudget(slo.objective);
  return BURN_RATE_POLICY.map((p, i) => {
    const factor = burnRateFactor(p.budgetShare, slo.period, p.long);
    const scenarios = BURN_SCENARIOS[p.long];
    if (scenarios === undefined) throw new Error(`no promtool scenarios for the ${p.long} window`);
    return alert({
      alert: ALERT_NAME,
      // Burn rates are error ratios over the budget; the value (the long window's) is what the description prints.
      expr: `${sloSeries.errorRatio(p.long)}${sel} / ${budget} > ${factor} and ${sloSeries.errorRatio(p.short)}${sel} / ${budget} > ${factor}${guards(slo, p, config)}`,
      severity: p.severity,
      // The fast page stays open as long as the slower page's short window remembers the burn: a
      // 5-minute window that dips under the factor and back is one incident, and the slower page
      // (which it inhibits) cannot outlive it and page on its own after the fast one resolved.
      ...(p === FASTEST_PAGE && SLOWER_PAGE && { keepFiringFor: rangeOf(SLOWER_PAGE.short, config) }),
      // `slo` is on every input series too; as a rule label it also tells the SLOs' rules apart for promtool's duplicate check.
      labels: { long_window: p.long, short_window: p.short, slo: slo.name },
      summary: 'A service is spending its SLO error budget too fast.',
      description: description(slo, p, '{{ $labels.job }}', '{{ printf "%.2f" $value }}'),
      runbook,
      tests: [alertTest(slo, p, scenarios.fires), alertTest(slo, p, scenarios.spike), ...(i === 0 ? [alertTest(slo, p, ZERO_TRAFFIC)] : [])],
    });
  });
}

/** One runbook page for every variant of every SLO. */
export function errorBudgetBurnRunbook(all: readonly Slo[]): Runbook {
  const rows = (severity: string) =>
    BURN_RATE_POLICY.filter((p) => p.severity === severity)
      .map((p) => `${percent(p.budgetShare)} of it burns within ${p.long} (and the burn goes on over the last ${p.short})`)
      .join(' or ');
  const promises = all.map((s) => `${s.name}: ${percent(s.objective)} of ${s.job}'s ${s.description} over ${s.period}`).join('; ');
  return {
    meaning:
      `A service's error ratio, over both windows named by the labels long_window and short_window, spends the error budget of the SLO named by the label slo fast enough to miss it. ` +
      `Of the SLO's budget for its period: critical (a page) when ${rows('critical')}; warning (a ticket) when ${rows('warning')}. ` +
      `The SLOs: ${promises}.`,
    impact: 'Users get errors or slow answers more often than the SLO allows. A page means the whole budget is gone within days if nothing changes; a ticket, within weeks.',
    diagnosis: [
      `How fast, over each window: \`${sloSeries.errorRatio('1h')}{slo="<slo>", job="<job>"} / ${sloSeries.errorBudget}\` (the burn rate; likewise 5m to 3d), and what is left of the period's budget: \`${sloSeries.budgetRemaining}{slo="<slo>", job="<job>"}\`.`,
      ...all.map((s) => s.diagnosis),
      'Follow an exemplar of a failing or slow request on the dashboard to its trace, then to its log lines; check the deploys and config changes since the burn started.',
    ],
    mitigation: [
      'Roll back the deploy or change that started the burn.',
      'Shed load or scale out if the burn follows saturation; fail over if a dependency is down.',
      'While the budget stays spent, hold risky releases and spend the time on reliability, as the SLO agreement says.',
    ],
    escalation: 'A page: the owning team at once, and whoever runs incidents if the burn has not slowed within 30 minutes. A ticket: the owning team within a working day.',
    dashboard: 'slo-overview',
  };
}

/**
 * The rule group of one SLO: recordings first, then the alerts that read
 * them. They share a group so each evaluation sees its own inputs: Prometheus
 * (and promtool) evaluate groups independently and in no set order.
 */
export function sloGroup(slo: Slo, config: AlertConfig, runbook: Runbook): RuleGroup {
  return group(`slo-${slo.name}`, [...sloRecordingRules(slo, config), ...sloAlerts(slo, runbook, config)]);
}
