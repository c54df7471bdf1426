// HttpErrorRatioHigh: a service answers too many requests with 5xx errors.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { recorded } from '../../../signals/recording-rules.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, duration, ok, products, requests } from './common.ts';

const failed = products(500);

export function httpErrorRatioHigh(config: AlertConfig): AlertRule {
  const errorRatio = config.service.errorRatio;
  return alert({
    alert: 'HttpErrorRatioHigh',
    expr: `${recorded.errorRatio} > ${errorRatio.value}`,
    for: errorRatio.for,
    severity: 'critical',
    summary: 'A service answers too many requests with 5xx errors.',
    description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of its requests with 5xx over the last 5 minutes (threshold ${percent(errorRatio.value)}).`,
    runbook: {
      meaning: `More than ${percent(errorRatio.value)} of the HTTP requests a service answered in the last 5 minutes ended with a 5xx status.`,
      impact: 'Users see failed pages and API calls; retries add load.',
      diagnosis: [
        `Which routes fail: \`sum by (http_route, http_response_status_code) (rate(${duration.name}_count{job="<job>", http_response_status_code=~"5.."}[5m]))\`.`,
        'Open the service overview dashboard, follow an exemplar of a failing route to its trace, then to its log lines.',
        'Check recent deploys and the fault switch of the demo (`GET /admin/fault`).',
      ],
      mitigation: ['Roll back the last deploy if the errors started with it.', 'Shed or rate-limit the failing route; scale out if the errors follow saturation.'],
      escalation: 'Page the owning team if the ratio stays above the threshold for 15 minutes or users report outages.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires one minute after the 5xx ratio crosses the threshold',
        series: [requests(ok, '0+100x30'), requests(failed, '0x10 10+10x20')],
        evalTime: '14m',
        quietAt: ['13m'],
        expect: [firing('critical', { job: 'shop' }, 'shop answered 7.407% of its requests with 5xx over the last 5 minutes (threshold 5%).')],
      },
      { name: 'stays quiet while the ratio is below the threshold', series: [requests(ok, '0+100x30'), requests(failed, '0+2x30')], evalTime: '20m', expect: [] },
      { name: 'stays quiet at zero traffic', series: [requests(ok, '0x30'), requests(failed, '0x30')], evalTime: '20m', expect: [] },
    ],
  });
}
