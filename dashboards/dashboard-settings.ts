// The one typed place for what the dashboards and Grafana's provisioning need
// beyond the metric catalog: dashboard uids and folders, the datasources
// (fixed uids, in-cluster URLs), public URLs of Kibana and Jaeger for links,
// and where the log fields are. Thresholds, selectors and stack job names are
// not repeated here: they are the alerts' own (signals/alert-settings.ts), so a
// panel's threshold line is the alert's threshold.
import { type AlertConfig, configFor } from '../signals/alert-settings.ts';

/** Stable uids: runbooks and notifications (alerts/) link the first five. */
export const DASHBOARD_UIDS = {
  serviceOverview: 'service-overview',
  system: 'system',
  businessKpis: 'business-kpis',
  sloOverview: 'slo-overview',
  alertsOverview: 'alerts-overview',
  stackHealth: 'stack-health',
} as const;
export type DashboardUid = (typeof DASHBOARD_UIDS)[keyof typeof DASHBOARD_UIDS];

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

export interface DashboardConfig {
  /** Thresholds, selectors and scrape job names: the alerts' config. */
  readonly alerts: AlertConfig;
  /** Tag on every kit dashboard; the header's dashboard links list the dashboards with it. */
  readonly tag: string;
  readonly datasources: {
    readonly prometheus: DatasourceSpec;
    readonly alertmanager: DatasourceSpec;
    readonly jaeger: DatasourceSpec;
    readonly elasticsearch: DatasourceSpec;
  };
  /** Prometheus's scrape interval, as the datasource's `timeInterval` (the floor of `$__rate_interval`). */
  readonly scrapeInterval: string;
  /** Browser-facing base URLs, for links that open Kibana and Jaeger. */
  readonly publicUrls: { readonly kibana: string; readonly jaeger: string };
  /** The ECS log documents in Elasticsearch. */
  readonly logs: {
    readonly index: string;
    readonly timeField: string;
    readonly messageField: string;
    readonly levelField: string;
    readonly serviceField: string;
    readonly traceIdField: string;
    readonly spanIdField: string;
  };
  /** Exemplar label that carries the trace id (exporter's OpenMetrics exemplars). */
  readonly exemplarTraceIdLabel: string;
  /** Where Grafana finds the dashboard JSON: `<dashboardsPath>/<folder dir>/<uid>.json`. */
  readonly dashboardsPath: string;
}

export function dashboardConfig(alerts: AlertConfig = configFor('production')): DashboardConfig {
  return {
    alerts,
    tag: 'node-observability-kit',
    datasources: {
      prometheus: { uid: 'prometheus', name: 'Prometheus', type: 'prometheus', url: 'http://prometheus:9090' },
      alertmanager: { uid: 'alertmanager', name: 'Alertmanager', type: 'alertmanager', url: 'http://alertmanager:9093' },
      jaeger: { uid: 'jaeger', name: 'Jaeger', type: 'jaeger', url: 'http://jaeger:16686' },
      elasticsearch: { uid: 'elasticsearch', name: 'Elasticsearch', type: 'elasticsearch', url: 'http://elasticsearch:9200' },
    },
    scrapeInterval: '15s',
    publicUrls: { kibana: 'http://localhost:5601', jaeger: 'http://localhost:16686' },
    logs: {
      index: 'logs-*',
      timeField: '@timestamp',
      messageField: 'message',
      levelField: 'log.level',
      serviceField: 'service.name',
      traceIdField: 'trace.id',
      spanIdField: 'span.id',
    },
    exemplarTraceIdLabel: 'trace_id',
    dashboardsPath: '/var/lib/grafana/dashboards',
  };
}
