// Availability of every HTTP service: the share of requests answered without
// a 5xx status, per job. A client that gives up (499) is not the server's error.
import { catalog } from '../../catalog/index.ts';
import type { AlertConfig } from '../alert-settings.ts';
import { count, label, sumRate } from '../promql.ts';
import type { Duration } from '../rule-types.ts';
import type { Slo } from './spec.ts';
import { TEST_REQUEST_LABELS } from './test-labels.ts';

const duration = catalog.http.requestDuration;
const status = label(duration, 'http_response_status_code');
const route = label(duration, 'http_route');

export function httpAvailability(config: AlertConfig): Slo {
  const requests = (window: Duration, ...matchers: string[]) => sumRate(count(duration), window, [config.serviceLabel], config.serviceSelector, ...matchers);
  return {
    name: 'http-availability',
    objective: config.slo.availabilityObjective,
    period: config.slo.period,
    description: 'requests answered without a 5xx status',
    sli: {
      kind: 'errors',
      errors: (w) => requests(w, `${status}=~"5.."`),
      total: (w) => requests(w),
    },
    diagnosis: `Which routes fail (http-availability): \`sum by (${route}, ${status}) (rate(${count(duration)}{job="<job>", ${status}=~"5.."}[5m]))\`.`,
    testSeries: ({ good, bad }) => [
      { series: `${count(duration)}{${TEST_REQUEST_LABELS},${status}="200"}`, values: good },
      { series: `${count(duration)}{${TEST_REQUEST_LABELS},${status}="500"}`, values: bad },
    ],
  };
}
