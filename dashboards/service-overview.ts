// Service overview (RED): how much traffic a service gets, how much of it
// fails, how slow it is, and how much of its error budget is left. The
// headline numbers read the recording rules the alerts read; the breakdowns
// by route and status compute from the raw histogram at the dashboard's
// resolution, with exemplars that open the trace of a slow request.
import { catalog } from '../catalog/index.ts';
import { count, label, orZero, quantile, ratioOrZero, sumOf, sumRate } from '../signals/promql.ts';
import { recorded } from '../signals/recording-rules.ts';
import { slos } from '../signals/slo/index.ts';
import { sloSeries } from '../signals/slo/series.ts';
import { DASHBOARD_UIDS, type DashboardSettings, FOLDERS } from './dashboard-settings.ts';
import { dashboardUrl, type KitDashboard, kitDashboard, row, serviceVariables } from './lib/common.ts';
import { logsAndTraces } from './lib/links.ts';
import { higherIsWorse, q, stat, table, timeseries } from './lib/panels.ts';
import { JOB, RATE_INTERVAL, TARGET } from './lib/promql.ts';

const duration = catalog.http.requestDuration;
const inFlight = catalog.http.activeRequests;
const rejected = catalog.httpConnections.rejectedRequests;
const route = label(duration, 'http_route');
const status = label(duration, 'http_response_status_code');
const method = label(inFlight, 'http_request_method');
const SERVER_ERROR = `${status}=~"5.."`;
const QUANTILES = [0.5, 0.95, 0.99] as const;

/** A recorded per-job series of the selected job. */
const ofJob = (series: string) => `sum(${series}{${JOB}})`;

function requestRateStat() {
  return stat({
    title: 'Request rate',
    description: `Requests per second the service answered over the last 5 minutes, all routes and instances (recording rule ${recorded.requestRate}, which the traffic alerts read).`,
    unit: 'reqps',
    width: 3,
    queries: [q(ofJob(recorded.requestRate), 'requests/s')],
  });
}

function errorRatioStat(c: DashboardSettings) {
  const t = c.alerts.service.errorRatio;
  return stat({
    title: 'Error ratio (5xx)',
    description: `Share of requests answered with a 5xx status over the last 5 minutes (${recorded.errorRatio}). HttpErrorRatioHigh pages above ${t.value * 100}% for ${t.for}: the red threshold.`,
    unit: 'percentunit',
    width: 3,
    decimals: 2,
    queries: [q(`max(${recorded.errorRatio}{${JOB}})`, '5xx ratio')],
    steps: higherIsWorse(t.value / 2, t.value),
  });
}

function latencyStat(c: DashboardSettings, which: 'p95' | 'p99') {
  const [series, t, alert] =
    which === 'p95' ? [recorded.latencyP95, c.alerts.service.latencyP95Seconds, 'HttpLatencyP95High'] : [recorded.latencyP99, c.alerts.service.latencyP99Seconds, 'HttpLatencyP99High'];
  return stat({
    title: `Latency ${which}`,
    description: `${which === 'p95' ? '95th' : '99th'} percentile of request durations over the last 5 minutes, all routes (${series}). ${alert} fires above ${t.value}s for ${t.for}: the red threshold.`,
    unit: 's',
    width: 3,
    queries: [q(`max(${series}{${JOB}})`, which)],
    steps: higherIsWorse(t.value / 2, t.value),
  });
}

function inFlightStat(c: DashboardSettings) {
  const t = c.alerts.service.requestsInFlight;
  return stat({
    title: 'In flight',
    description: `Requests being served right now, summed over the selected instances. HttpRequestsInFlightHigh warns above ${t.value} per instance for ${t.for}.`,
    unit: 'short',
    width: 3,
    queries: [q(sumOf(inFlight.name, [], ...TARGET), 'in flight')],
    steps: higherIsWorse(t.value),
  });
}

/** Only where the project has SLOs: the SLO dashboard it links to exists then. */
function budgetLeft() {
  return stat({
    title: 'Error budget left',
    description: `Share of the error budget of each SLO of the service not yet spent over its period (${sloSeries.budgetRemaining}): 100% untouched, 0 spent, negative overspent. Open the SLO dashboard for objectives and burn rates per window.`,
    unit: 'percentunit',
    decimals: 1,
    width: 6,
    noValue: 'no SLO',
    queries: [q(`min by (slo) (${sloSeries.budgetRemaining}{${JOB}})`, '{{slo}}')],
    base: 'red',
    steps: [
      { value: 0, color: 'orange' },
      { value: 0.25, color: 'green' },
    ],
    links: [{ title: 'SLO overview', url: dashboardUrl(DASHBOARD_UIDS.sloOverview), tooltip: 'Burn rates and budgets of every SLO' }],
  });
}

function requestsByRoute(c: DashboardSettings) {
  return timeseries({
    title: 'Requests by route',
    description: 'Requests per second by Express route template (never the raw path; unmatched requests share one value), on the selected instances.',
    unit: 'reqps',
    queries: [q(sumRate(count(duration), RATE_INTERVAL, [route], ...TARGET), `{{${route}}}`)],
    links: logsAndTraces(c),
  });
}

function requestsByStatus() {
  return timeseries({
    title: 'Requests by status',
    description: 'Requests per second by HTTP status code, stacked: the height is the total rate. 499 means the client closed the connection first.',
    unit: 'reqps',
    stacked: true,
    queries: [q(sumRate(count(duration), RATE_INTERVAL, [status], ...TARGET), `{{${status}}}`)],
  });
}

function errorRatioByRoute(c: DashboardSettings) {
  const t = c.alerts.service.errorRatio;
  return timeseries({
    title: 'Error ratio by route',
    description: `Share of each route's requests answered with a 5xx status, on the selected instances; the dashed line is the HttpErrorRatioHigh threshold (${t.value * 100}% of all requests). Only routes that failed in the window show.`,
    unit: 'percentunit',
    queries: [q(ratioOrZero(sumRate(count(duration), RATE_INTERVAL, [route], ...TARGET, SERVER_ERROR), sumRate(count(duration), RATE_INTERVAL, [route], ...TARGET)), `{{${route}}}`)],
    steps: higherIsWorse(t.value),
    links: logsAndTraces(c),
  });
}

function latencyQuantiles(c: DashboardSettings) {
  const s = c.alerts.service;
  return timeseries({
    title: 'Latency p50 / p95 / p99',
    description: `Percentiles of request durations over all routes of the selected instances. Exemplars (dots) are sampled requests: click one to open its trace. Dashed lines: the p95 (${s.latencyP95Seconds.value}s) and p99 (${s.latencyP99Seconds.value}s) alert thresholds.`,
    unit: 's',
    queries: QUANTILES.map((x) => q(quantile(x, duration, RATE_INTERVAL, [], ...TARGET), `p${x * 100}`, { exemplar: true })),
    steps: higherIsWorse(s.latencyP95Seconds.value, s.latencyP99Seconds.value),
    links: logsAndTraces(c),
  });
}

function latencyByRoute(c: DashboardSettings) {
  return timeseries({
    title: 'Latency p95 by route',
    description: 'The 95th percentile of request durations of each route, on the selected instances. Exemplars link to traces of individual requests.',
    unit: 's',
    queries: [q(quantile(0.95, duration, RATE_INTERVAL, [route], ...TARGET), `{{${route}}}`, { exemplar: true })],
    steps: higherIsWorse(c.alerts.service.latencyP95Seconds.value),
  });
}

function inFlightByMethod() {
  return timeseries({
    title: 'In flight by method',
    description: 'Requests being served at each scrape, by HTTP method, on the selected instances. A climb without more traffic means requests pile up (a slow dependency or a blocked event loop).',
    unit: 'short',
    queries: [q(sumOf(inFlight.name, [method], ...TARGET), `{{${method}}}`)],
  });
}

function rejectedByParser() {
  return timeseries({
    title: 'Rejected before routing',
    description:
      "Requests Node's HTTP parser refused before any route saw them (malformed request line, headers too large, too slow), by reason, on the selected instances. They appear in no other panel, log line or trace: a climb is a broken client, a proxy sending oversized headers, or an attack.",
    unit: 'reqps',
    queries: [q(sumRate(rejected.name, RATE_INTERVAL, [label(rejected, 'error_type')], ...TARGET), `{{${label(rejected, 'error_type')}}}`)],
  });
}

function slowestRoutes() {
  const total = sumRate(count(duration), RATE_INTERVAL, [route], ...TARGET);
  const slowest = `topk(10, ${quantile(0.95, duration, RATE_INTERVAL, [route], ...TARGET)})`;
  // Every column for the same ten routes: the slowest by p95.
  const ofSlowest = (expr: string) => q(`${expr} and on (${route}) ${slowest}`, undefined, { instant: true, table: true });
  return table({
    title: 'Slowest routes',
    description: 'The ten routes with the highest 95th percentile latency now, with their 99th percentile, request rate and 5xx ratio, on the selected instances.',
    unit: 's',
    queries: [
      q(slowest, undefined, { instant: true, table: true }),
      ofSlowest(quantile(0.99, duration, RATE_INTERVAL, [route], ...TARGET)),
      ofSlowest(total),
      ofSlowest(`(${ratioOrZero(orZero(sumRate(count(duration), RATE_INTERVAL, [route], ...TARGET, SERVER_ERROR), total), total)})`),
    ],
    merge: true,
    columns: { [route]: 'Route', 'Value #A': 'p95', 'Value #B': 'p99', 'Value #C': 'Requests/s', 'Value #D': '5xx ratio' },
    sortBy: 'p95',
    width: 24,
  })
    .overrideByName('Requests/s', [{ id: 'unit', value: 'reqps' }])
    .overrideByName('5xx ratio', [{ id: 'unit', value: 'percentunit' }]);
}

export function serviceOverview(c: DashboardSettings): KitDashboard {
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.serviceOverview,
    title: 'Service overview',
    description: 'RED view of one HTTP service: rate, errors and duration by route and status, requests in flight, and its SLO error budgets. Exemplars open traces; the header opens its logs in Kibana and traces in Jaeger.',
    folder: FOLDERS.services,
    tags: ['red', 'http'],
    variables: serviceVariables(count(duration), c.services),
    rows: [
      row('At a glance', [requestRateStat(), errorRatioStat(c), latencyStat(c, 'p95'), latencyStat(c, 'p99'), inFlightStat(c), ...(slos(c.alerts).length > 0 ? [budgetLeft()] : [])]),
      row('Traffic and errors', [requestsByRoute(c), requestsByStatus(), errorRatioByRoute(c), inFlightByMethod(), rejectedByParser()]),
      row('Duration', [latencyQuantiles(c), latencyByRoute(c), slowestRoutes()]),
    ],
  });
}
