// business alerts: written by the business-rules work in progress.
import type { AlertConfig } from '../config.ts';
import { group, type RuleGroup } from '../lib/rules.ts';

export function businessRules(_config: AlertConfig): RuleGroup {
  return group('business', []);
}
