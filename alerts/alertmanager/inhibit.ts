// Inhibition: while a more telling alert fires, the alerts it explains stay quiet.
import type { InhibitRule } from './schema.ts';

export function inhibitRules(serviceLabel: string): InhibitRule[] {
  return [
    // The warning and critical variants of an alert share its name: page once, not twice.
    // Also equal on what tells two firings of one alert apart (a host, a disk, an SLO):
    // a critical on one host must not hide the warning of another. A label both lack counts as equal.
    { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', serviceLabel, 'instance', 'mountpoint', 'slo'] },
    // A target Prometheus cannot scrape explains every other alert about that target.
    { source_matchers: ['alertname="TargetDown"'], target_matchers: ['alertname!="TargetDown"'], equal: [serviceLabel, 'instance'] },
  ];
}
