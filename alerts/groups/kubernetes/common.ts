// What the Kubernetes alerts share: the services' names as kube-state-metrics
// sees them (containers and HPAs are named after the service), and relabelling
// that puts the service in `job`, so the alert reaches the service's team.
import type { AlertConfig } from '../../../signals/alert-settings.ts';

export const DASHBOARD = 'kubernetes-workloads';

/** `name=~"a|b"` over the project's services. */
export const ofServices = (config: AlertConfig, label: string) => `${label}=~"${config.services.map((s) => s.name).join('|')}"`;

/** `expr` with its `job` set from `label` (the service's name): routed to the team that owns the service. */
export const asServiceJob = (expr: string, label: string) => `label_replace(${expr}, "job", "$1", "${label}", "(.+)")`;

/** Test input: the demo's pod in a namespace, as kube-state-metrics labels it. */
export const KSM = 'job="kube-state-metrics",instance="kube-state-metrics:8080",namespace="shop"';
