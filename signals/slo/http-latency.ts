// Latency of every HTTP service: the share of requests answered within the
// threshold, per job, read from the duration histogram's bucket at the
// threshold (so the threshold must be one of the catalog's buckets).
import { catalog } from '../../catalog/index.ts';
import type { AlertConfig } from '../alert-settings.ts';
import { bucket, label, sumRate } from '../promql.ts';
import type { Duration } from '../rule-types.ts';
import type { Slo } from './spec.ts';
import { TEST_REQUEST_LABELS } from './test-labels.ts';

const duration = catalog.http.requestDuration;
const status = label(duration, 'http_response_status_code');
const route = label(duration, 'http_route');

/**
 * The `le` value of a bucket as Prometheus 3 stores it: it normalises
 * classic-histogram bounds on ingestion, so `1` is stored as `1.0`.
 */
export function leValue(bound: number): string {
  return Number.isInteger(bound) ? `${bound}.0` : String(bound);
}

export function httpLatency(config: AlertConfig): Slo {
  const threshold = config.slo.latencyThresholdSeconds;
  if (!duration.buckets.includes(threshold)) {
    throw new Error(`slo.latencyThresholdSeconds ${threshold} is not a bucket of ${duration.name} (${duration.buckets.join(', ')}): the SLI could not count requests below it`);
  }
  const requests = (window: Duration, le: string) => sumRate(bucket(duration), window, [config.serviceLabel], config.serviceSelector, `le="${le}"`);
  return {
    name: 'http-latency',
    objective: config.slo.latencyObjective,
    period: config.slo.period,
    description: `requests answered within ${threshold}s`,
    sli: {
      kind: 'good',
      good: (w) => requests(w, leValue(threshold)),
      // The +Inf bucket counts every request, from the same scrape as the threshold's bucket.
      total: (w) => requests(w, '+Inf'),
    },
    diagnosis: `Which routes are slow (http-latency): \`histogram_quantile(0.99, sum by (${route}, le) (rate(${bucket(duration)}{job="<job>"}[5m])))\` against ${threshold}s.`,
    testSeries: ({ good, total }) => [
      { series: `${bucket(duration)}{${TEST_REQUEST_LABELS},${status}="200",le="${leValue(threshold)}"}`, values: good },
      { series: `${bucket(duration)}{${TEST_REQUEST_LABELS},${status}="200",le="+Inf"}`, values: total },
    ],
  };
}
