// Metrics of a Kubernetes cluster that are not ours: kube-state-metrics'
// view of the objects (pods, HPAs, resource limits) and the kubelet's cAdvisor
// view of the containers. The Kubernetes alerts read these names; a service's
// container, deployment and HPA are named after the service (k8s/).

/** kube-state-metrics 2.x. */
export const kubeStateMetrics = {
  containerRestarts: 'kube_pod_container_status_restarts_total',
  containerWaitingReason: 'kube_pod_container_status_waiting_reason',
  containerResourceLimits: 'kube_pod_container_resource_limits',
  hpaCurrentReplicas: 'kube_horizontalpodautoscaler_status_current_replicas',
  hpaDesiredReplicas: 'kube_horizontalpodautoscaler_status_desired_replicas',
  hpaMinReplicas: 'kube_horizontalpodautoscaler_spec_min_replicas',
  hpaMaxReplicas: 'kube_horizontalpodautoscaler_spec_max_replicas',
} as const;

/** The kubelet's cAdvisor (/metrics/cadvisor). */
export const cadvisorMetrics = {
  cpuPeriods: 'container_cpu_cfs_periods_total',
  cpuThrottledPeriods: 'container_cpu_cfs_throttled_periods_total',
  memoryWorkingSet: 'container_memory_working_set_bytes',
} as const;

/** The label kube-state-metrics gives the HPA's name. */
export const HPA_LABEL = 'horizontalpodautoscaler';
