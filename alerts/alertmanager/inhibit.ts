// Inhibition: while a more telling alert fires, the alerts it explains stay
// quiet, so one incident is one notification per team.
import { ALERT_NAME as BURN } from '../../signals/slo/series.ts';
import { BURN_RATE_POLICY } from '../../signals/slo/spec.ts';
import type { InhibitRule } from './schema.ts';

/** Threshold alerts on the signals the SLOs read: warnings, and silent while an SLO of their service pages. */
export const EXPLAINED_BY_SLO_PAGE = ['HttpErrorRatioHigh', 'HttpLatencyP95High', 'HttpLatencyP99High'] as const;

/** A service none of whose targets is up: every other alert of it is blind or a consequence. */
export const JOB_MISSING = 'JobMissing';

export function inhibitRules(serviceLabel: string): InhibitRule[] {
  const [fastest, slower] = BURN_RATE_POLICY.filter((p) => p.severity === 'critical');
  return [
    // The warning and critical variants of an alert share its name: page once, not twice.
    // Also equal on what tells two firings of one alert apart (a host, a disk, an SLO):
    // a critical on one host must not hide the warning of another. A label both lack counts as equal.
    { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', serviceLabel, 'instance', 'mountpoint', 'slo'] },
    // The SLO page is the service's page: the threshold warnings on the same requests add nothing.
    { source_matchers: [`alertname="${BURN}"`, 'severity="critical"'], target_matchers: [`alertname=~"${EXPLAINED_BY_SLO_PAGE.join('|')}"`], equal: [serviceLabel] },
    // Both page windows of one SLO tell one story: the fast burn's page stands for the slow one's.
    ...(fastest && slower
      ? [{ source_matchers: [`alertname="${BURN}"`, `long_window="${fastest.long}"`], target_matchers: [`alertname="${BURN}"`, `long_window="${slower.long}"`], equal: [serviceLabel, 'slo'] } satisfies InhibitRule]
      : []),
    // A service with no target up explains every other alert about it.
    { source_matchers: [`alertname="${JOB_MISSING}"`], target_matchers: [`alertname!="${JOB_MISSING}"`], equal: [serviceLabel] },
  ];
}
