// SLO recording rules and burn-rate alerts, generated from each service's
// SLOs (signals/slo/): one group per SLO, its recordings, then its alerts.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { RuleGroup } from '../../signals/rule-types.ts';
import { errorBudgetBurnRunbook, sloGroup } from '../slo/generate.ts';
import { slos } from '../../signals/slo/index.ts';

export function sloRules(config: AlertConfig): RuleGroup[] {
  const all = slos(config);
  const runbook = errorBudgetBurnRunbook(all);
  return all.map((slo) => sloGroup(slo, config, runbook));
}
