// What the dashboards and Grafana's provisioning need, resolved from the
// project config: dashboard uids and folders, the datasources (fixed uids,
// in-stack URLs), browser-facing URLs for links, and where the log fields
// are. Thresholds and stack job names are not repeated here: they are the
// alerts' own (signals/alert-settings.ts), so a panel's threshold line is the
// alert's threshold. Logs and traces exist only when the project's stack
// runs them: without them there is no datasource and no link to them.
import { type AlertConfig, configFor, environmentsOf } from '../signals/alert-settings.ts';
import type { ProjectConfig } from '../signals/project/config.ts';

/** Stable uids of the kit's dashboards: runbooks and notifications (alerts/) link them. */
export const DASHBOARD_UIDS = {
  serviceOverview: 'service-overview',
  system: 'system',
  sloOverview: 'slo-overview',
  alertsOverview: 'alerts-overview',
  stackHealth: 'stack-health',
  kubernetesWorkloads: 'kubernetes-workloads',
} as const;
export type KitDashboardUid = (typeof DASHBOARD_UIDS)[keyof typeof DASHBOARD_UIDS];

/** Grafana folders, each provisioned from its own directory. */
export const FOLDERS = {
  services: { uid: 'nok-services', title: 'Services', dir: 'services' },
  infrastructure: { uid: 'nok-infrastructure', title: 'Infrastructure', dir: 'infrastructure' },
  observability: { uid: 'nok-observability', title: 'Observability stack', dir: 'observability' },
} as const;
export type Folder = (typeof FOLDERS)[keyof typeof FOLDERS];

/** Grafana core datasource plugin ids the kit provisions. */
export type DatasourceType = 'prometheus' | 'alertmanager' | 'jaeger' | 'elasticsearch';

export interface DatasourceSpec {
  readonly uid: string;
  readonly name: string;
  readonly type: DatasourceType;
  /** As Grafana's backend reaches it (compose service or Kubernetes Service name). */
  readonly url: string;
}

/** Environment variables the provisioning files expect Grafana to have (Grafana expands `${VAR}` in them). */
export const PROVISIONING_ENV = {
  elasticsearchUsername: 'ELASTICSEARCH_USERNAME',
  elasticsearchPassword: 'ELASTICSEARCH_PASSWORD',
} as const;

/** Logs in Elasticsearch (ECS documents), read in Grafana and opened in Kibana. */
export interface LogSettings {
  readonly datasource: DatasourceSpec;
  /** Kibana as a browser reaches it. */
  readonly publicUrl: string;
  readonly index: string;
  readonly timeField: string;
  readonly messageField: string;
  readonly levelField: string;
  readonly serviceField: string;
  readonly traceIdField: string;
  readonly spanIdField: string;
}

/** Traces in Jaeger, read in Grafana and opened in Jaeger's UI. */
export interface TraceSettings {
  readonly datasource: DatasourceSpec;
  /** Jaeger's UI as a browser reaches it. */
  readonly publicUrl: string;
}

export interface DashboardSettings {
  /** Thresholds and stack job names of the project's first environment: the alerts' settings. */
  readonly alerts: AlertConfig;
  /** The project's services by name: each is a Prometheus job. */
  readonly services: readonly string[];
  /** Tag on every dashboard (the project's name); the header's dashboard links list the dashboards with it. */
  readonly tag: string;
  readonly datasources: { readonly prometheus: DatasourceSpec; readonly alertmanager: DatasourceSpec };
  /** Absent when the project's stack runs no logs (`stack.logs: false`). */
  readonly logs?: LogSettings;
  /** Absent when the project's stack runs no traces (`stack.traces: false`). */
  readonly traces?: TraceSettings;
  /** Prometheus's scrape interval, as the datasource's `timeInterval` (the floor of `$__rate_interval`). */
  readonly scrapeInterval: string;
  /** Grafana as a browser reaches it (alerting.urls.grafana). */
  readonly grafanaUrl: string;
  /** Exemplar label that carries the trace id (exporter's OpenMetrics exemplars). */
  readonly exemplarTraceIdLabel: string;
  /** Where Grafana finds the dashboard JSON: `<dashboardsPath>/<folder dir>/<uid>.json`. */
  readonly dashboardsPath: string;
}

/** The Kibana and Jaeger UIs as the local stack publishes them: the default of `alerting.urls.kibana`/`jaeger`. */
export const DEFAULT_PUBLIC_URLS = { kibana: 'http://localhost:5601', jaeger: 'http://localhost:16686' } as const;

export function dashboardSettings(project: ProjectConfig): DashboardSettings {
  const alerts = configFor(project, environmentsOf(project)[0]!);
  const { logs, traces } = alerts.stack;
  const urls = project.alerting.urls;
  return {
    alerts,
    services: project.services.map((s) => s.name),
    tag: project.name,
    datasources: {
      prometheus: { uid: 'prometheus', name: 'Prometheus', type: 'prometheus', url: 'http://prometheus:9090' },
      alertmanager: { uid: 'alertmanager', name: 'Alertmanager', type: 'alertmanager', url: 'http://alertmanager:9093' },
    },
    ...(logs && {
      logs: {
        datasource: { uid: 'elasticsearch', name: 'Elasticsearch', type: 'elasticsearch', url: 'http://elasticsearch:9200' },
        publicUrl: (urls.kibana ?? DEFAULT_PUBLIC_URLS.kibana).replace(/\/+$/, ''),
        index: 'logs-*',
        timeField: '@timestamp',
        messageField: 'message',
        levelField: 'log.level',
        serviceField: 'service.name',
        traceIdField: 'trace.id',
        spanIdField: 'span.id',
      },
    }),
    ...(traces && { traces: { datasource: { uid: 'jaeger', name: 'Jaeger', type: 'jaeger', url: 'http://jaeger:16686' }, publicUrl: (urls.jaeger ?? DEFAULT_PUBLIC_URLS.jaeger).replace(/\/+$/, '') } }),
    scrapeInterval: alerts.stack.scrapeInterval,
    grafanaUrl: alerts.grafanaUrl,
    exemplarTraceIdLabel: 'trace_id',
    dashboardsPath: '/var/lib/grafana/dashboards',
  };
}

/** Every datasource the build provisions: Prometheus and Alertmanager, then Jaeger and Elasticsearch where they run. */
export function provisionedDatasources(settings: DashboardSettings): DatasourceSpec[] {
  return [settings.datasources.prometheus, settings.datasources.alertmanager, ...(settings.traces ? [settings.traces.datasource] : []), ...(settings.logs ? [settings.logs.datasource] : [])];
}
