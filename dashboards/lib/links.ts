// Links out of the dashboards: to the other kit dashboards (keeping time and
// variables), to the service's logs in Kibana and its traces in Jaeger.
// Grafana fills `${...}` in link URLs; everything else is percent-encoded.
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import { type DashboardLink, DashboardLinkBuilder, DashboardLinkType } from '@grafana/grafana-foundation-sdk/dashboard';
import type { DashboardSettings, LogSettings, TraceSettings } from '../dashboard-settings.ts';

/**
 * Percent-encodes `text` for a URL's query or fragment, except Grafana's
 * `${...}` variables (Grafana fills them when the link is opened) and the
 * characters Rison and JSON need that URLs allow as they are.
 */
export function encodeKeepingVariables(text: string): string {
  return text
    .split(/(\$\{[^}]+\})/)
    .map((part) => (part.startsWith('${') ? part : encodeURIComponent(part).replace(/%3A/g, ':').replace(/%2C/g, ',')))
    .join('');
}

/** A Rison string literal (Kibana's URL state): single quotes, `!` escapes `!` and `'`. */
const rison = (s: string) => `'${s.replace(/!/g, '!!').replace(/'/g, "!'")}'`;

/** Kibana Discover over the dashboard's time range, filtered by a KQL query. */
export function kibanaDiscoverUrl(logs: LogSettings, kql: string): string {
  const g = `(time:(from:${rison('${__from:date:iso}')},to:${rison('${__to:date:iso}')}))`;
  const a = `(query:(language:kuery,query:${rison(kql)}))`;
  return `${logs.publicUrl}/app/discover#/?_g=${encodeKeepingVariables(g)}&_a=${encodeKeepingVariables(a)}`;
}

/** KQL: the log lines of the selected service (the job is the service's name, as OpenTelemetry maps service.name to job). */
export function serviceLogsKql(logs: LogSettings): string {
  return `${logs.serviceField}:"\${job}"`;
}

/** KQL: the log lines of one trace, by ECS trace.id. */
export function traceLogsKql(logs: LogSettings, traceId: string): string {
  return `${logs.traceIdField}:"${traceId}"`;
}

/** Jaeger's search for the selected service over the dashboard's time range (Jaeger wants microseconds). */
export function jaegerSearchUrl(traces: TraceSettings, tags?: Readonly<Record<string, string>>): string {
  const query = ['service=${job}', 'start=${__from}000', 'end=${__to}000', 'lookback=custom', 'limit=20'];
  if (tags) query.push(`tags=${encodeKeepingVariables(JSON.stringify(tags))}`);
  return `${traces.publicUrl}/search?${query.join('&')}`;
}

/** Jaeger's page of one trace. */
export function jaegerTraceUrl(traces: TraceSettings, traceId: string): string {
  return `${traces.publicUrl}/trace/${traceId}`;
}

export interface Link {
  readonly title: string;
  readonly url: string;
  readonly tooltip: string;
}

/** The service's logs and traces, where the stack runs them: in every dashboard's header and on the panels where errors and latency show. */
export function logsAndTraces(config: DashboardSettings): Link[] {
  const { logs, traces } = config;
  return [
    ...(logs ? [{ title: 'Logs in Kibana', url: kibanaDiscoverUrl(logs, serviceLogsKql(logs)), tooltip: "The selected service's log lines over this time range, in Kibana Discover." }] : []),
    ...(traces ? [{ title: 'Traces in Jaeger', url: jaegerSearchUrl(traces), tooltip: "The selected service's traces over this time range, in Jaeger." }] : []),
  ];
}

/**
 * The SDK places every link in the controls menu (`placement:
 * inControlsMenu`); without a placement Grafana shows it in the header.
 */
function inHeader(link: DashboardLinkBuilder): cog.Builder<DashboardLink> {
  return {
    build() {
      const { placement: _inMenu, ...shown } = link.build();
      return shown;
    },
  };
}

export function externalLink(link: Link): cog.Builder<DashboardLink> {
  return inHeader(new DashboardLinkBuilder(link.title).type(DashboardLinkType.Link).url(link.url).tooltip(link.tooltip).icon('external link').targetBlank(true).keepTime(false).includeVars(false));
}

/** The other kit dashboards, as a dropdown that carries the time range and the variables along. */
export function kitDashboards(config: DashboardSettings): cog.Builder<DashboardLink> {
  return inHeader(new DashboardLinkBuilder('Dashboards').type(DashboardLinkType.Dashboards).tags([config.tag]).asDropdown(true).keepTime(true).includeVars(true).tooltip('The other dashboards of this project').icon('external link'));
}

/** Header links of every dashboard. */
export function headerLinks(config: DashboardSettings): cog.Builder<DashboardLink>[] {
  return [kitDashboards(config), ...logsAndTraces(config).map(externalLink)];
}
