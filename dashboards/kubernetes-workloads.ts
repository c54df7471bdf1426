// Kubernetes workloads: a service's pods as the cluster sees them, from
// kube-state-metrics and the kubelet's cAdvisor: replicas against the HPA's
// range, restarts, CPU throttling and memory against the limits. The panels
// the KubeHpaMaxedOut and KubePodCrashLooping runbooks open. A service's
// container and HPA are named after it (k8s/), so the service variable `job`
// (the alerts' var-job link) selects both.
import { select, sumBy, sumOf, sumRate } from '../signals/promql.ts';
import { cadvisorMetrics as cadvisor, HPA_LABEL, kubeStateMetrics as ksm } from '../signals/kubernetes-metrics.ts';
import { DASHBOARD_UIDS, type DashboardSettings, FOLDERS } from './dashboard-settings.ts';
import { type KitDashboard, kitDashboard, row, serviceVariables } from './lib/common.ts';
import { catalog } from '../catalog/index.ts';
import { higherIsWorse, q, timeseries } from './lib/panels.ts';
import { RATE_INTERVAL } from './lib/promql.ts';

const CONTAINER = 'container=~"$job"';
const HPA = `${HPA_LABEL}=~"$job"`;

function replicas() {
  const series = (metric: string, legend: string) => q(sumOf(metric, [HPA_LABEL], HPA), `{{${HPA_LABEL}}} ${legend}`);
  return timeseries({
    title: 'Replicas and the autoscaler range',
    description: 'Current and desired replicas of each service against its HPA minimum and maximum. Current at the maximum for 15 minutes fires KubeHpaMaxedOut: the service cannot scale out any more.',
    unit: 'short',
    min: 0,
    queries: [series(ksm.hpaCurrentReplicas, 'current'), series(ksm.hpaDesiredReplicas, 'desired'), series(ksm.hpaMinReplicas, 'min'), series(ksm.hpaMaxReplicas, 'max')],
  });
}

function restarts() {
  return timeseries({
    title: 'Container restarts',
    description: 'Restarts per pod of the service in each interval. A steady stream is a crash loop (KubePodCrashLooping fires after 15 minutes in CrashLoopBackOff); `kubectl logs --previous` shows why.',
    unit: 'short',
    min: 0,
    queries: [q(sumBy(['pod'], `increase(${select(ksm.containerRestarts, CONTAINER)}[${RATE_INTERVAL}])`), '{{pod}}')],
    steps: higherIsWorse(1),
  });
}

function throttling(c: DashboardSettings) {
  const t = c.alerts.system.cpuThrottling;
  return timeseries({
    title: 'CPU throttling',
    description: `Share of CFS periods in which each pod's container used up its CPU limit and waited (cAdvisor). Throttling raises tail latency while average CPU looks fine; the service's own ContainerCpuThrottlingHigh informs above ${t.value * 100}%.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(`${sumRate(cadvisor.cpuThrottledPeriods, RATE_INTERVAL, ['pod'], CONTAINER)} / ${sumRate(cadvisor.cpuPeriods, RATE_INTERVAL, ['pod'], CONTAINER)}`, '{{pod}}')],
    steps: higherIsWorse(t.value),
  });
}

function memory(c: DashboardSettings) {
  const t = c.alerts.system.containerMemoryNearLimit;
  return timeseries({
    title: 'Memory against the limit',
    description: `Working set of each pod's container over its memory limit (cAdvisor and kube-state-metrics). At 100% the kernel OOM-kills it; the service's own ContainerMemoryNearLimit warns above ${t.value * 100}%.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(`${sumOf(cadvisor.memoryWorkingSet, ['pod'], CONTAINER)} / ${sumOf(ksm.containerResourceLimits, ['pod'], CONTAINER, 'resource="memory"')}`, '{{pod}}')],
    steps: higherIsWorse(t.value),
  });
}

export function kubernetesWorkloads(c: DashboardSettings): KitDashboard {
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.kubernetesWorkloads,
    title: 'Kubernetes workloads',
    description: "A service's pods as Kubernetes sees them: replicas against the autoscaler's range, restarts, CPU throttling and memory against the limits (kube-state-metrics and cAdvisor; empty outside Kubernetes).",
    folder: FOLDERS.infrastructure,
    tags: ['kubernetes'],
    // The services as the other kit dashboards offer them; the panels select their containers and HPAs by that name.
    variables: serviceVariables(catalog.system.processStartTime.name, c.services),
    rows: [row('Scaling', [replicas(), restarts()]), row('Resources', [throttling(c), memory(c)])],
  });
}
