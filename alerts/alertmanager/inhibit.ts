// Inhibition: while a more telling alert fires, the alerts it explains stay quiet.
import type { InhibitRule } from './schema.ts';

export function inhibitRules(serviceLabel: string): InhibitRule[] {
  return [
    // The warning and critical variants of an alert share its name: page once, not twice.
    { source_matchers: ['severity="critical"'], target_matchers: ['severity="warning"'], equal: ['alertname', serviceLabel] },
    // A target Prometheus cannot scrape explains every other alert about that target.
    { source_matchers: ['alertname="TargetDown"'], target_matchers: ['alertname!="TargetDown"'], equal: [serviceLabel, 'instance'] },
  ];
}
