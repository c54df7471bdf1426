// What the service alerts share: the HTTP metrics they read, the dashboard
// they open, and the test inputs of a demo target's requests.
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { bucket, count, counterValues } from '../../../signals/promql.ts';
import { recorded } from '../../../signals/recording-rules.ts';
import { ALERT_NAME as BURN } from '../../../signals/slo/series.ts';

export const duration = catalog.http.requestDuration;
export const inFlight = catalog.http.activeRequests;
/** Prometheus's own per-target series (not a catalog metric): 1 when the last scrape succeeded. */
export const UP = 'up';

export const DASHBOARD = 'service-overview';

/** The low-traffic guard of ratio and latency alerts: ` and` the job serves at least the configured requests per second. */
export const enoughTraffic = (config: AlertConfig) => ` and on (job) ${recorded.requestRate} >= ${config.service.minRequestRate}`;

/**
 * ` unless` an SLO of the job pages: the threshold warnings on the same
 * requests stand down while the page fires. Alertmanager inhibits them too,
 * but only while the page lasts; held back here, a warning cannot fire behind
 * the page and be notified the moment the page resolves.
 */
export const unlessSloPages = ` unless on (job) ALERTS{alertname="${BURN}", alertstate="firing", severity="critical"}`;

// Test inputs: the demo's target answering GET /api/:version/products.
export const target = 'job="shop",instance="shop:8080"';
export const products = (status: number, of = target) => `${of},http_request_method="GET",http_route="/api/:version/products",http_response_status_code="${status}"`;
export const ok = products(200);
/** Requests counted (the histogram's `_count`) on the series of `labels`. */
export const requests = (labels: string, values: string) => ({ series: `${count(duration)}{${labels}}`, values });

/** A stretch of test traffic: requests per minute by how long each took (seconds). */
export interface Phase {
  readonly minutes: number;
  readonly perMinute: Readonly<Record<number, number>>;
}

/**
 * promtool input of the duration histogram (every bucket and `_count`) for
 * traffic that changes phase by phase: the cumulative series a real
 * exporter would expose, one sample a minute from 0.
 */
export function durationHistogram(labels: string, phases: readonly Phase[]) {
  const les = [...duration.buckets.map(String), '+Inf'];
  // A request of `seconds` counts in every bucket whose upper bound `le` it does not exceed.
  const perMinute = (p: Phase, le: string) =>
    Object.entries(p.perMinute).reduce((n, [seconds, requests]) => (le === '+Inf' || Number(seconds) <= Number(le) ? n + requests : n), 0);
  const values = (le: string) => counterValues(phases.map((p) => ({ steps: p.minutes, perStep: perMinute(p, le) })));
  return [
    ...les.map((le) => ({ series: `${bucket(duration)}{${labels},le="${le}"}`, values: values(le) })),
    { series: `${count(duration)}{${labels}}`, values: values('+Inf') },
  ];
}
