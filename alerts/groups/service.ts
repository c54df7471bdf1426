// Service alerts: what users of an HTTP service feel (errors, latency, no
// traffic) and whether Prometheus can see the service at all.
import { catalog } from '../../exporter/catalog/index.ts';
import type { AlertConfig } from '../config.ts';
import { percent } from '../lib/promql.ts';
import { alert, group, type RuleGroup } from '../lib/rules.ts';
import { recorded } from './recording.ts';

const requests = (labels: string, values: string) => ({ series: `${catalog.http.requestDuration.name}_count{${labels}}`, values });
const ok = 'job="shop",instance="shop:8080",http_request_method="GET",http_route="/api/:version/products",http_response_status_code="200"';
const failed = 'job="shop",instance="shop:8080",http_request_method="GET",http_route="/api/:version/products",http_response_status_code="500"';

export function serviceRules(config: AlertConfig): RuleGroup {
  const s = config.service;
  return group('service', [
    alert({
      alert: 'HttpErrorRatioHigh',
      expr: `${recorded.errorRatio} > ${s.errorRatio.value}`,
      for: s.errorRatio.for,
      severity: 'critical',
      summary: 'A service answers too many requests with 5xx errors.',
      description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of its requests with 5xx over the last 5 minutes (threshold ${percent(s.errorRatio.value)}).`,
      runbook: {
        meaning: `More than ${percent(s.errorRatio.value)} of the HTTP requests a service answered in the last 5 minutes ended with a 5xx status.`,
        impact: 'Users see failed pages and API calls; retries add load.',
        diagnosis: [
          `Which routes fail: \`sum by (http_route, http_response_status_code) (rate(${catalog.http.requestDuration.name}_count{job="<job>", http_response_status_code=~"5.."}[5m]))\`.`,
          'Open the service overview dashboard, follow an exemplar of a failing route to its trace, then to its log lines.',
          'Check recent deploys and the fault switch of the demo (`GET /admin/fault`).',
        ],
        mitigation: ['Roll back the last deploy if the errors started with it.', 'Shed or rate-limit the failing route; scale out if the errors follow saturation.'],
        escalation: 'Page the owning team if the ratio stays above the threshold for 15 minutes or users report outages.',
        dashboard: 'service-overview',
      },
      tests: [
        {
          name: 'fires one minute after the 5xx ratio crosses the threshold',
          series: [requests(ok, '0+100x30'), requests(failed, '0x10 10+10x20')],
          evalTime: '14m',
          quietAt: ['13m'],
          expect: [
            {
              labels: { severity: 'critical', job: 'shop' },
              annotations: { description: 'shop answered 7.407% of its requests with 5xx over the last 5 minutes (threshold 5%).' },
            },
          ],
        },
        { name: 'stays quiet while the ratio is below the threshold', series: [requests(ok, '0+100x30'), requests(failed, '0+2x30')], evalTime: '20m', expect: [] },
        { name: 'stays quiet at zero traffic', series: [requests(ok, '0x30'), requests(failed, '0x30')], evalTime: '20m', expect: [] },
      ],
    }),
  ]);
}
