// HttpErrorRatioHigh: a service answers too many requests with 5xx errors. A
// warning: the availability SLO's burn-rate alert is the page, and inhibits it.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { recorded } from '../../../signals/recording-rules.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, duration, enoughTraffic, ok, products, requests, unlessSloPages } from './common.ts';

const failed = products(500);

export function httpErrorRatioHigh(config: AlertConfig): AlertRule {
  const errorRatio = config.service.errorRatio;
  return alert({
    alert: 'HttpErrorRatioHigh',
    expr: `${recorded.errorRatio} > ${errorRatio.value}${enoughTraffic(config)}${unlessSloPages}`,
    for: errorRatio.for,
    keepFiringFor: config.service.keepFiringFor,
    severity: 'warning',
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
      escalation: 'Ticket for the owning team; ErrorBudgetBurn pages (and silences this warning) once the errors spend the availability SLO\'s budget too fast.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires one minute after the 5xx ratio crosses the threshold',
        series: [requests(ok, '0+100x30'), requests(failed, '0x10 10+10x20')],
        evalTime: '14m',
        quietAt: ['13m'],
        expect: [firing('warning', { job: 'shop' }, 'shop answered 7.407% of its requests with 5xx over the last 5 minutes (threshold 5%).')],
      },
      { name: 'stays quiet while the ratio is below the threshold', series: [requests(ok, '0+100x30'), requests(failed, '0+2x30')], evalTime: '20m', expect: [] },
      {
        name: 'stands down while an SLO of the job pages (the page says it all)',
        series: [
          requests(ok, '0+100x30'),
          requests(failed, '0x10 10+10x20'),
          { series: 'ALERTS{alertname="ErrorBudgetBurn",alertstate="firing",severity="critical",job="shop",slo="shop-availability",long_window="1h",short_window="5m"}', values: '_x10 1x20' },
        ],
        evalTime: '14m',
        expect: [],
      },
      { name: 'stays quiet at zero traffic', series: [requests(ok, '0x30'), requests(failed, '0x30')], evalTime: '20m', expect: [] },
      // 2 errors in 30 requests a minute (6.7%) is 0.5 requests per second: below the guard of 1.
      { name: 'stays quiet at low traffic: 2 errors in 30 requests a minute', series: [requests(ok, '0+28x30'), requests(failed, '0+2x30')], evalTime: '20m', expect: [] },
      {
        // The errors stop at 15m and the 5-minute ratio is back under 5% by 20m; the alert keeps
        // firing (with the last value it saw) for 10 minutes more, and is quiet by 31m.
        name: 'keeps firing ten minutes after the errors stop, so a flapping ratio is one incident',
        series: [requests(ok, '0+100x40'), requests(failed, '0x10 10+10x5 60x25')],
        evalTime: '27m',
        quietAt: ['31m'],
        expect: [firing('warning', { job: 'shop' }, 'shop answered 6.977% of its requests with 5xx over the last 5 minutes (threshold 5%).')],
      },
    ],
  });
}
