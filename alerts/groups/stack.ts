// Alerts on the monitoring stack itself: written by the stack-rules work in progress.
import type { AlertConfig } from '../config.ts';
import type { RuleGroup } from '../lib/rules.ts';

export function stackRules(_config: AlertConfig): RuleGroup[] {
  return [];
}
