// The business alerts of every service, compiled from the project config:
// one rule group per service that declares some.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { BusinessAlert } from '../../signals/project/business.ts';
import type { ServiceConfig } from '../../signals/project/config.ts';
import { type AlertRule, group, type RuleGroup } from '../../signals/rule-types.ts';
import { gaugeGrowingKind } from './gauge-growing.ts';
import { rateDropsWeekOverWeekKind } from './rate-drops-week-over-week.ts';
import { ratioAboveKind } from './ratio-above.ts';
import { compileBusinessAlert } from './shared.ts';

function compile(a: BusinessAlert, service: ServiceConfig, config: AlertConfig): AlertRule {
  switch (a.kind) {
    case 'ratio-above':
      return compileBusinessAlert(a, ratioAboveKind, service, config);
    case 'rate-drops-week-over-week':
      return compileBusinessAlert(a, rateDropsWeekOverWeekKind, service, config);
    case 'gauge-growing':
      return compileBusinessAlert(a, gaugeGrowingKind, service, config);
  }
}

/** `business-<service>` groups, in the order of the services. */
export function businessRules(config: AlertConfig): RuleGroup[] {
  return config.services
    .filter((s) => (s.alerts ?? []).length > 0)
    .map((s) => group(`business-${s.name}`, (s.alerts ?? []).map((a) => compile(a, s, config))));
}
