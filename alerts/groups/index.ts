// Every rule group that ships, in evaluation-file order: the shared
// recordings, the kit's alerts on every service, host and Kubernetes workload, each service's
// business alerts and SLOs, then the monitoring stack's own.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { RuleGroup } from '../../signals/rule-types.ts';
import { businessRules } from '../business/index.ts';
import { recordingRules } from '../../signals/recording-rules.ts';
import { kubernetesRules } from './kubernetes.ts';
import { serviceRules } from './service.ts';
import { sloRules } from './slo.ts';
import { stackRules } from './stack.ts';
import { systemRules } from './system.ts';

export function allGroups(config: AlertConfig): RuleGroup[] {
  return [recordingRules(), serviceRules(config), systemRules(config), kubernetesRules(config), ...businessRules(config), ...sloRules(config), ...stackRules(config)];
}
