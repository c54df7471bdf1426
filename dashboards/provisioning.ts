// Grafana provisioning: the datasources with fixed uids (so dashboards,
// exemplars and data links can name them) and the dashboard providers, one
// per folder. Grafana expands `$VAR` and `${VAR}` from its environment in
// these files and reads `$$` as a literal `$`: every literal `$` (Grafana's
// own `${__value.raw}`) is written doubled, and secrets are only ever
// environment references.
import { stringify } from 'yaml';
import { hashHeader } from '../signals/generated.ts';
import { type DashboardSettings, type DatasourceSpec, FOLDERS, type Folder, type LogSettings, PROVISIONING_ENV, type TraceSettings } from './dashboard-settings.ts';
import { jaegerTraceUrl, kibanaDiscoverUrl, traceLogsKql } from './lib/links.ts';

/** A value Grafana takes from its environment when it reads the file. */
export class EnvRef {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
}

const env = (name: string) => new EnvRef(name);

/** Grafana's value for "the value of this field" in data links and exemplar destinations. */
const VALUE = '${__value.raw}';

/** What Grafana needs of every datasource: it reaches it itself (proxy), and the UI cannot change it. */
function datasource(ds: DatasourceSpec) {
  return { name: ds.name, type: ds.type, uid: ds.uid, access: 'proxy', url: ds.url, editable: false };
}

function prometheus(config: DashboardSettings) {
  const { prometheus: ds } = config.datasources;
  const { logs, traces } = config;
  const label = config.exemplarTraceIdLabel;
  return {
    ...datasource(ds),
    isDefault: true,
    jsonData: {
      httpMethod: 'POST',
      prometheusType: 'Prometheus',
      timeInterval: config.scrapeInterval,
      // Each exemplar's trace_id opens its trace in Grafana's Jaeger view, in Jaeger's own UI, and its log lines in Kibana.
      ...((traces || logs) && {
        exemplarTraceIdDestinations: [
          ...(traces
            ? [
                { name: label, datasourceUid: traces.datasource.uid, urlDisplayLabel: 'Trace' },
                { name: label, url: jaegerTraceUrl(traces, VALUE), urlDisplayLabel: 'Trace in Jaeger UI' },
              ]
            : []),
          ...(logs ? [{ name: label, url: kibanaDiscoverUrl(logs, traceLogsKql(logs, VALUE)), urlDisplayLabel: 'Logs in Kibana' }] : []),
        ],
      }),
    },
  };
}

function alertmanager(config: DashboardSettings) {
  const { alertmanager: ds } = config.datasources;
  return {
    ...datasource(ds),
    jsonData: { implementation: 'prometheus', handleGrafanaManagedAlerts: false },
  };
}

function jaeger(traces: TraceSettings, logs: LogSettings | undefined) {
  const ds = traces.datasource;
  return {
    ...datasource(ds),
    jsonData: {
      // From a span to the log lines of its trace, in the Elasticsearch datasource.
      ...(logs && {
        tracesToLogsV2: {
          datasourceUid: logs.datasource.uid,
          spanStartTimeShift: '-5m',
          spanEndTimeShift: '5m',
          filterByTraceID: false,
          filterBySpanID: false,
          customQuery: true,
          query: `${logs.traceIdField}:"\${__trace.traceId}"`,
        },
      }),
      nodeGraph: { enabled: true },
    },
  };
}

function elasticsearch(logs: LogSettings, traces: TraceSettings | undefined) {
  const ds = logs.datasource;
  return {
    ...datasource(ds),
    basicAuth: true,
    basicAuthUser: env(PROVISIONING_ENV.elasticsearchUsername),
    secureJsonData: { basicAuthPassword: env(PROVISIONING_ENV.elasticsearchPassword) },
    jsonData: {
      index: logs.index,
      timeField: logs.timeField,
      logMessageField: logs.messageField,
      logLevelField: logs.levelField,
      maxConcurrentShardRequests: 5,
      // From a log line's trace.id to its trace.
      ...(traces && {
        dataLinks: [
          { field: logs.traceIdField, datasourceUid: traces.datasource.uid, url: VALUE, urlDisplayLabel: 'Trace' },
          { field: logs.traceIdField, url: jaegerTraceUrl(traces, VALUE), urlDisplayLabel: 'Trace in Jaeger UI' },
        ],
      }),
    },
  };
}

/** Datasource provisioning: Prometheus and Alertmanager, Jaeger and Elasticsearch where the stack runs them. */
export function datasources(config: DashboardSettings) {
  const { logs, traces } = config;
  return {
    apiVersion: 1,
    // Removed from Grafana's database when they leave this file.
    deleteDatasources: [],
    datasources: [prometheus(config), alertmanager(config), ...(traces ? [jaeger(traces, logs)] : []), ...(logs ? [elasticsearch(logs, traces)] : [])],
  };
}

/** Where the JSON of a folder's dashboards is mounted in the Grafana container. */
export function folderPath(config: DashboardSettings, folder: Folder): string {
  return `${config.dashboardsPath}/${folder.dir}`;
}

export function dashboardProviders(config: DashboardSettings) {
  return {
    apiVersion: 1,
    providers: Object.values(FOLDERS).map((folder) => ({
      name: `${config.tag}-${folder.dir}`,
      orgId: 1,
      folder: folder.title,
      folderUid: folder.uid,
      type: 'file',
      // The files are the source of truth: edits in the UI cannot be saved over them.
      disableDeletion: true,
      allowUiUpdates: false,
      updateIntervalSeconds: 30,
      options: { path: folderPath(config, folder), foldersFromFilesStructure: false },
    })),
  };
}

/** `$` doubled in every string, environment references as `${NAME}`. */
function forGrafana(value: unknown): unknown {
  if (value instanceof EnvRef) return `\${${value.name}}`;
  if (typeof value === 'string') return value.replace(/\$/g, '$$$$');
  if (Array.isArray(value)) return value.map(forGrafana);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forGrafana(v)]));
  return value;
}

export function provisioningYaml(doc: unknown): string {
  return hashHeader() + stringify(forGrafana(doc), { lineWidth: 0 });
}
