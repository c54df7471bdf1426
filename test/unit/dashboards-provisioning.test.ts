// Grafana cannot run here, so the provisioning files of the demo project's
// build are checked against the format Grafana reads (apiVersion 1, the
// fields it requires), and every datasource uid a dashboard, an exemplar, a
// data link or a trace-to-logs link names must be one the same build
// provisions.
import { relative } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { buildDashboards, builtDashboards, GRAFANA_PATHS } from '../../dashboards/build.ts';
import { dashboardSettings, FOLDERS, provisionedDatasources, PROVISIONING_ENV } from '../../dashboards/dashboard-settings.ts';
import demo from '../../examples/demo-shop/observability.config.ts';
import { hashHeader } from '../../signals/generated.ts';
import { validateProject } from '../../signals/project/validate.ts';

const project = validateProject(demo);
const config = dashboardSettings(project);
const files = buildDashboards(project);
const logs = config.logs!;
const traces = config.traces!;

/**
 * Datasource plugins built into Grafana (public/app/plugins/datasource/, and
 * the bundled core plugins), by the id a `type:` names.
 */
const GRAFANA_CORE_DATASOURCES = new Set([
  'prometheus', 'alertmanager', 'jaeger', 'elasticsearch', 'loki', 'tempo', 'zipkin', 'graphite', 'influxdb',
  'mysql', 'grafana-postgresql-datasource', 'mssql', 'opentsdb', 'cloudwatch', 'stackdriver', 'grafana-azure-monitor-datasource',
  'grafana-testdata-datasource', 'grafana-pyroscope-datasource', 'parca',
]);

interface Datasource {
  name: string;
  type: string;
  uid: string;
  access: string;
  url: string;
  isDefault?: boolean;
  basicAuthUser?: string;
  secureJsonData?: Record<string, string>;
  jsonData?: Record<string, unknown>;
}
interface Provider {
  name: string;
  type: string;
  folder: string;
  folderUid?: string;
  orgId?: number;
  options: { path: string };
}

function readProvisioning(path: string): { text: string; doc: unknown } {
  const text = files.get(`${GRAFANA_PATHS.provisioning}/${path}`);
  if (text === undefined) throw new Error(`the build wrote no ${path}`);
  return { text, doc: parse(text) };
}

const { text: dsText, doc: dsDoc } = readProvisioning('datasources/datasources.yaml');
const { text: providersText, doc: providersDoc } = readProvisioning('dashboards/dashboards.yaml');
const datasources = (dsDoc as { datasources: Datasource[] }).datasources;
const providers = (providersDoc as { providers: Provider[] }).providers;
const byUid = new Map(datasources.map((d) => [d.uid, d]));
const ofType = (type: string) => datasources.filter((d) => d.type === type);

/** Every `datasource: {uid}` and `datasourceUid` in a JSON or YAML document, with where it stands. */
function datasourceRefs(doc: unknown, path = ''): { path: string; uid: string }[] {
  if (Array.isArray(doc)) return doc.flatMap((x, i) => datasourceRefs(x, `${path}[${i}]`));
  if (doc === null || typeof doc !== 'object') return [];
  return Object.entries(doc).flatMap(([k, v]) => {
    const at = `${path}.${k}`;
    if (k === 'datasourceUid' && typeof v === 'string') return [{ path: at, uid: v }];
    if (k === 'datasource' && v !== null && typeof v === 'object' && 'uid' in v) return [{ path: at, uid: String(v.uid) }];
    return datasourceRefs(v, at);
  });
}

describe('datasources.yaml', () => {
  test('says it is generated, and is Grafana datasource provisioning (apiVersion 1)', () => {
    expect(dsText.startsWith(hashHeader())).toBe(true);
    expect((dsDoc as { apiVersion: number }).apiVersion).toBe(1);
    expect(datasources.map((d) => d.uid).sort()).toEqual(['alertmanager', 'elasticsearch', 'jaeger', 'prometheus']);
    expect(datasources.map((d) => d.uid).sort()).toEqual(provisionedDatasources(config).map((d) => d.uid).sort());
  });

  test.each(provisionedDatasources(config).map((d) => [d.uid]))('%s has the fields Grafana requires and a core plugin type', (uid) => {
    const ds = byUid.get(uid)!;
    expect(ds.name).toMatch(/\S/);
    expect(GRAFANA_CORE_DATASOURCES.has(ds.type), `${ds.type} is not a Grafana core datasource plugin id`).toBe(true);
    expect(ds.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(['proxy', 'direct']).toContain(ds.access);
    expect(new URL(ds.url).protocol).toBe('http:');
  });

  test('names and uids are unique, and Prometheus is the one default', () => {
    expect(new Set(datasources.map((d) => d.name)).size).toBe(datasources.length);
    expect(new Set(datasources.map((d) => d.uid)).size).toBe(datasources.length);
    expect(datasources.filter((d) => d.isDefault).map((d) => d.type)).toEqual(['prometheus']);
  });

  test('Alertmanager is the Prometheus implementation', () => {
    expect(ofType('alertmanager')[0]?.jsonData).toMatchObject({ implementation: 'prometheus' });
  });

  test("Prometheus's exemplars link their trace_id to the Jaeger datasource, and its scrape interval is the rate floor", () => {
    const prom = ofType('prometheus')[0]!;
    const destinations = prom.jsonData!.exemplarTraceIdDestinations as { name: string; datasourceUid?: string; url?: string }[];
    expect(destinations.every((d) => d.name === config.exemplarTraceIdLabel)).toBe(true);
    expect(destinations.filter((d) => d.datasourceUid).map((d) => byUid.get(d.datasourceUid!)?.type)).toEqual(['jaeger']);
    // Grafana would expand a single `$`: its own ${__value.raw} must be written `$${__value.raw}`.
    expect(destinations.filter((d) => d.url).map((d) => d.url)).toEqual([
      expect.stringContaining(`${traces.publicUrl}/trace/$\${__value.raw}`),
      expect.stringMatching(new RegExp(`^${logs.publicUrl}/app/discover.*trace\\.id:%22\\$\\$\\{__value\\.raw\\}%22`)),
    ]);
    expect(prom.jsonData!.timeInterval).toBe(config.scrapeInterval);
  });

  test('Jaeger links spans to their log lines in the Elasticsearch datasource', () => {
    const links = ofType('jaeger')[0]!.jsonData!.tracesToLogsV2 as { datasourceUid: string; query: string };
    expect(byUid.get(links.datasourceUid)?.type).toBe('elasticsearch');
    expect(links.query).toBe('trace.id:"$${__trace.traceId}"');
  });

  test('Elasticsearch reads the ECS log data streams and links trace.id to the Jaeger datasource', () => {
    const es = ofType('elasticsearch')[0]!;
    expect(es.jsonData).toMatchObject({ index: 'logs-*', timeField: '@timestamp', logMessageField: 'message', logLevelField: 'log.level' });
    const links = es.jsonData!.dataLinks as { field: string; datasourceUid?: string }[];
    expect(links.every((l) => l.field === 'trace.id')).toBe(true);
    expect(links.filter((l) => l.datasourceUid).map((l) => byUid.get(l.datasourceUid!)?.type)).toEqual(['jaeger']);
  });

  test('no secret is written down: credentials are environment references Grafana expands', () => {
    const allowed = Object.values(PROVISIONING_ENV);
    for (const ds of datasources) {
      for (const [key, value] of Object.entries(ds.secureJsonData ?? {})) expect(value, `${ds.uid}.secureJsonData.${key}`).toMatch(new RegExp(`^\\$\\{(${allowed.join('|')})\\}$`));
    }
    expect(byUid.get(logs.datasource.uid)?.basicAuthUser).toBe(`\${${PROVISIONING_ENV.elasticsearchUsername}}`);
    const secretLines = dsText.split('\n').filter((l) => /password|secret|token/i.test(l));
    expect(secretLines.length).toBeGreaterThan(0);
    for (const line of secretLines) expect(line).toMatch(/:\s*\$\{[A-Z_]+\}$/);
  });

  test('every `$` is an escaped literal (`$$`) or an expected environment variable', () => {
    for (const text of [dsText, providersText]) {
      const loose = text.replace(/\$\$/g, '').match(/\$\{?[^}\s]*\}?/g) ?? [];
      expect(loose.filter((ref) => !Object.values(PROVISIONING_ENV).some((v) => ref === `\${${v}}`))).toEqual([]);
    }
  });
});

describe('dashboards.yaml', () => {
  test('says it is generated, and is Grafana dashboard provisioning (apiVersion 1) with a provider per folder', () => {
    expect(providersText.startsWith(hashHeader())).toBe(true);
    expect((providersDoc as { apiVersion: number }).apiVersion).toBe(1);
    expect(providers.map((p) => p.folder).sort()).toEqual(Object.values(FOLDERS).map((f) => f.title).sort());
    for (const p of providers) {
      expect(p.name).toMatch(/\S/);
      expect(p.type).toBe('file');
      expect(p.options.path.startsWith(`${config.dashboardsPath}/`)).toBe(true);
      expect(p.folderUid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    }
    expect(new Set(providers.map((p) => p.name)).size).toBe(providers.length);
  });

  test("each provider's path holds its folder's dashboard files, and every dashboard file is in exactly one", () => {
    const dashboardFiles = [...files.keys()].filter((f) => f.startsWith(`${GRAFANA_PATHS.dashboards}/`)).map((f) => relative(GRAFANA_PATHS.dashboards, f)).sort();
    for (const f of dashboardFiles) expect(f).toMatch(/^[a-z]+\/[a-z0-9-]+\.json$/);
    const mounted = (p: Provider) => relative(config.dashboardsPath, p.options.path);
    const claimed = providers.flatMap((p) => dashboardFiles.filter((f) => f.startsWith(`${mounted(p)}/`)));
    expect(claimed.sort()).toEqual(dashboardFiles);
    for (const p of providers) expect(dashboardFiles.some((f) => f.startsWith(`${mounted(p)}/`)), `${p.name} provisions nothing`).toBe(true);
    expect(dashboardFiles).toEqual(builtDashboards(config).map((d) => `${d.folder.dir}/${d.uid}.json`).sort());
  });
});

describe('every datasource a dashboard or a link names is provisioned', () => {
  const dashboards = builtDashboards(config);

  test.each(dashboards.map((d) => [d.uid, d.json]))('%s', (_uid, json) => {
    const vars = json.templating.list ?? [];
    const resolve = (uid: string): string[] => {
      const variable = /^\$\{(\w+)\}$/.exec(uid)?.[1];
      if (variable === undefined) return [uid];
      const v = vars.find((x) => x.name === variable && x.type === 'datasource');
      if (v === undefined) return [];
      // A datasource variable offers every datasource of its plugin type; its default must be one of them.
      return [String((v.current as { value?: string } | undefined)?.value ?? '')].concat(ofType(String(v.query)).map((d) => d.uid));
    };
    const refs = datasourceRefs(json);
    expect(refs.length).toBeGreaterThan(0);
    const missing = refs.filter((r) => resolve(r.uid).length === 0 || !resolve(r.uid).every((u) => byUid.has(u)));
    expect(missing).toEqual([]);
    // The alert list names the datasource whose rules it shows.
    for (const p of json.panels ?? []) {
      if (p.type === 'alertlist') expect(datasources.map((d) => d.name)).toContain((p as { options: { datasource: string } }).options.datasource);
    }
  });

  test('the provisioning files link only provisioned datasources', () => {
    const refs = datasourceRefs(dsDoc);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    expect(refs.filter((r) => !byUid.has(r.uid))).toEqual([]);
  });
});
