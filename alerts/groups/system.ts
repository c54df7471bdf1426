// system alerts: written by the system-rules work in progress.
import type { AlertConfig } from '../config.ts';
import { group, type RuleGroup } from '../lib/rules.ts';

export function systemRules(_config: AlertConfig): RuleGroup {
  return group('system', []);
}
