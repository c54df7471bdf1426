// SLO recording rules and burn-rate alerts: written by the SLO work in progress.
import type { AlertConfig } from '../config.ts';
import type { RuleGroup } from '../lib/rules.ts';

export function sloRules(_config: AlertConfig): RuleGroup[] {
  return [];
}
