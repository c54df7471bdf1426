// Latency of a service: the share of its requests answered within the
// threshold, read from the duration histogram's bucket at the threshold (so
// the threshold must be one of the catalog's buckets).
import { catalog } from '../../catalog/index.ts';
import type { ServiceConfig, SloConfig } from '../project/config.ts';
import { bucket, label, sumRate } from '../promql.ts';
import type { Duration } from '../rule-types.ts';
import { requestsText, sloMatchers } from './selector.ts';
import type { Slo } from './spec.ts';
import { testRequestLabels } from './test-labels.ts';

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

export function httpLatency(service: ServiceConfig, slo: SloConfig, name: string, period: Duration): Slo {
  const threshold = slo.thresholdSeconds;
  if (threshold === undefined || !duration.buckets.includes(threshold)) {
    throw new Error(`${name}: thresholdSeconds ${threshold} is not a bucket of ${duration.name} (${duration.buckets.join(', ')}): the SLI could not count requests below it`);
  }
  const requests = (window: Duration, le: string) => sumRate(bucket(duration), window, ['job'], ...sloMatchers(service, slo), `le="${le}"`);
  const labels = testRequestLabels(service, slo);
  return {
    name,
    job: service.name,
    objective: slo.objective,
    period,
    description: `${requestsText(slo)} answered within ${threshold}s`,
    sli: {
      kind: 'good',
      good: (w) => requests(w, leValue(threshold)),
      // The +Inf bucket counts every request, from the same scrape as the threshold's bucket.
      total: (w) => requests(w, '+Inf'),
    },
    diagnosis: `Which routes are slow (${name}): \`histogram_quantile(0.99, sum by (${route}, le) (rate(${bucket(duration)}{job="${service.name}"}[5m])))\` against ${threshold}s.`,
    testSeries: ({ good, total }) => [
      { series: `${bucket(duration)}{${labels},${status}="200",le="${leValue(threshold)}"}`, values: good },
      { series: `${bucket(duration)}{${labels},${status}="200",le="+Inf"}`, values: total },
    ],
  };
}
