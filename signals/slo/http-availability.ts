// Availability of a service: the share of its requests answered without a
// 5xx status. A client that gives up (499) is not the server's error.
import { catalog } from '../../catalog/index.ts';
import type { ServiceConfig, SloConfig } from '../project/config.ts';
import { count, label, sumRate } from '../promql.ts';
import type { Duration } from '../rule-types.ts';
import { requestsText, sloMatchers } from './selector.ts';
import type { Slo } from './spec.ts';
import { testRequestLabels } from './test-labels.ts';

const duration = catalog.http.requestDuration;
const status = label(duration, 'http_response_status_code');
const route = label(duration, 'http_route');

export function httpAvailability(service: ServiceConfig, slo: SloConfig, name: string, period: Duration): Slo {
  const requests = (window: Duration, ...matchers: string[]) => sumRate(count(duration), window, ['job'], ...sloMatchers(service, slo), ...matchers);
  const labels = testRequestLabels(service, slo);
  return {
    name,
    job: service.name,
    objective: slo.objective,
    period,
    description: `${requestsText(slo)} answered without a 5xx status`,
    sli: {
      kind: 'errors',
      errors: (w) => requests(w, `${status}=~"5.."`),
      total: (w) => requests(w),
    },
    diagnosis: `Which routes fail (${name}): \`sum by (${route}, ${status}) (rate(${count(duration)}{job="${service.name}", ${status}=~"5.."}[5m]))\`.`,
    testSeries: ({ good, bad }) => [
      { series: `${count(duration)}{${labels},${status}="200"}`, values: good },
      { series: `${count(duration)}{${labels},${status}="500"}`, values: bad },
    ],
  };
}
