// prometheus.yml of one environment of the Kubernetes bundle. Every pod is
// found through the Kubernetes API: one job per stack component and per
// project service, over the pods of the namespace labelled with that name,
// at the port and path of their prometheus.io/* annotations; and a
// `kubernetes-pods` job for annotated pods anywhere else in the cluster.
import { type AlertConfig, STACK_JOBS } from '../signals/alert-settings.ts';
import { HA_REPLICAS, highAvailability, remoteWriteOf } from '../signals/bundles.ts';
import { remoteWriteEntry } from '../signals/remote-write.ts';
import { KUBE_STATE_METRICS_JOB } from '../signals/stack-metrics.ts';
import { seconds } from '../signals/slo/spec.ts';

/** The pod-SD relabelling shared by every job: pod IP + the prometheus.io/port annotation, path from prometheus.io/path. */
const podTargetRelabel = [
  {
    source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
    regex: '([^:]+)(?::\\d+)?;(\\d+)',
    replacement: '$1:$2',
    target_label: '__address__',
  },
  { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], regex: '(.+)', target_label: '__metrics_path__' },
  { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
  { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
];

/** The pods of this namespace whose app.kubernetes.io/name is `job`, scraped as that job. */
function namespaceJob(job: string): Record<string, unknown> {
  return {
    job_name: job,
    kubernetes_sd_configs: [{ role: 'pod', namespaces: { own_namespace: true } }],
    relabel_configs: [
      { source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: job, action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '\\d+', action: 'keep' },
      { source_labels: ['__meta_kubernetes_pod_container_init'], regex: 'true', action: 'drop' },
      ...podTargetRelabel,
    ],
  };
}

/** Where the bundle's node-exporter DaemonSet runs (node-exporter/, applied once per cluster). */
export const NODE_EXPORTER_NAMESPACE = 'node-exporter';

/** The pods of `namespaces` labelled `job`, scraped as that job. */
function podsJob(job: string, namespaces: Record<string, unknown>): Record<string, unknown> {
  const ownNamespace = namespaceJob(job);
  return { ...ownNamespace, kubernetes_sd_configs: [{ role: 'pod', namespaces }] };
}

/** The scrape jobs of the stack components the project runs, by their STACK_JOBS names. */
export function stackJobs(settings: AlertConfig): string[] {
  const { logs, traces, nodeExporter } = settings.stack;
  return [
    STACK_JOBS.prometheus,
    STACK_JOBS.alertmanager,
    STACK_JOBS.grafana,
    ...(traces ? [STACK_JOBS.jaeger] : []),
    ...(nodeExporter ? [STACK_JOBS.nodeExporter] : []),
    ...(logs ? [STACK_JOBS.logstash, STACK_JOBS.elasticsearch] : []),
    KUBE_STATE_METRICS_JOB,
  ];
}

/** The label that tells the two Prometheus replicas of a pair apart; the store deduplicates on it. */
export const REPLICA_LABEL = 'replica';

/** Each Alertmanager replica by its name under the headless Service (every alert goes to every replica), or the one Service. */
export function alertmanagerTargets(ha: boolean): string[] {
  return ha ? Array.from({ length: HA_REPLICAS.alertmanager }, (_, i) => `alertmanager-${i}.alertmanager-cluster:9093`) : ['alertmanager:9093'];
}

export function prometheusConfig(settings: AlertConfig): Record<string, unknown> {
  const interval = settings.stack.scrapeInterval;
  const ha = highAvailability(settings.project, settings.environment);
  const remoteWrite = remoteWriteOf(settings.project, settings.environment);
  return {
    global: {
      scrape_interval: interval,
      scrape_timeout: seconds(interval as never) < 10 ? interval : '10s',
      evaluation_interval: interval,
      // Prometheus 3 expands ${POD_NAME} (the pod's env, from its name): prometheus-0, prometheus-1.
      external_labels: { environment: settings.environment, ...(ha && { [REPLICA_LABEL]: '${POD_NAME}' }) },
    },
    rule_files: ['rules/*.yml'],
    alerting: {
      // Both replicas send the same alerts: without the replica label they are one alert to Alertmanager.
      ...(ha && { alert_relabel_configs: [{ action: 'labeldrop', regex: REPLICA_LABEL }] }),
      alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: alertmanagerTargets(ha) }] }],
    },
    ...(remoteWrite && { remote_write: [remoteWriteEntry(remoteWrite)] }),
    scrape_configs: [
      // node-exporter runs in its own namespace: the restricted Pod Security Standard of this one forbids its host paths.
      ...[...stackJobs(settings), ...settings.services.map((s) => s.name)].map((job) =>
        job === STACK_JOBS.nodeExporter
          ? podsJob(job, { names: [NODE_EXPORTER_NAMESPACE] })
          : // Its series name the objects' own namespace and pod: keep those, not its own pod's.
            job === KUBE_STATE_METRICS_JOB
            ? { ...namespaceJob(job), honor_labels: true }
            : namespaceJob(job),
      ),
      {
        // Services outside the project that embed the middleware, in any namespace: annotated pods, job = their app.kubernetes.io/name (service.name).
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [{ role: 'pod' }],
        relabel_configs: [
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' },
          { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_port'], regex: '\\d+', action: 'keep' },
          { source_labels: ['__meta_kubernetes_pod_phase'], regex: 'Pending|Succeeded|Failed', action: 'drop' },
          ...podTargetRelabel,
          {
            source_labels: ['__meta_kubernetes_pod_label_app', '__meta_kubernetes_pod_label_app_kubernetes_io_name'],
            separator: ';',
            regex: '.*;(.+)|(.+);',
            replacement: '$1$2',
            target_label: 'job',
          },
        ],
      },
    ],
  };
}
