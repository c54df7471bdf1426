// A rule group as the list of its alerts: each alert file exports one
// definition, and the group's index lists them in evaluation order.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { type AlertRule, group, type RuleGroup } from '../../signals/rule-types.ts';

/** One alert, or its warning and critical variants, built from an environment's settings. */
export type AlertDefinition = (config: AlertConfig) => AlertRule | readonly AlertRule[];

/** The group `name` holding the alerts of `definitions`, in the order listed. */
export function alertGroup(name: string, definitions: readonly AlertDefinition[], config: AlertConfig): RuleGroup {
  return group(name, definitions.flatMap((define) => define(config)));
}
