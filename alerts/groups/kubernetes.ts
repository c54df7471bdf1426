// Kubernetes alerts on a project's workloads, from kube-state-metrics (which
// the k8s bundle deploys and scrapes): crash loops and an autoscaler at its
// limit. The service's name becomes `job`, so they reach its team. Outside
// Kubernetes these series do not exist and the alerts stay quiet.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { RuleGroup } from '../../signals/rule-types.ts';
import { alertGroup } from '../lib/alert-group.ts';
import { kubeHpaMaxedOut } from './kubernetes/kube-hpa-maxed-out.ts';
import { kubePodCrashLooping } from './kubernetes/kube-pod-crash-looping.ts';

export function kubernetesRules(config: AlertConfig): RuleGroup {
  return alertGroup('kubernetes', [kubePodCrashLooping, kubeHpaMaxedOut], config);
}
