// HttpRequestsInFlightHigh: requests arrive at an instance faster than it finishes them.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { label } from '../../../signals/promql.ts';
import { recorded } from '../../../signals/recording-rules.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, inFlight, target } from './common.ts';

/** Test input: GET and POST requests in flight on the demo target. */
const inFlightSeries = (get: string, post: string) => [
  { series: `${inFlight.name}{${target},http_request_method="GET"}`, values: get },
  { series: `${inFlight.name}{${target},http_request_method="POST"}`, values: post },
];

export function httpRequestsInFlightHigh(config: AlertConfig): AlertRule {
  const limit = config.service.requestsInFlight;
  return alert({
    alert: 'HttpRequestsInFlightHigh',
    expr: `sum by (job, instance) (${inFlight.name}) > ${limit.value}`,
    for: limit.for,
    severity: 'warning',
    summary: 'An instance holds many HTTP requests in flight.',
    description: `{{ $labels.instance }} of {{ $labels.job }} has {{ $value }} HTTP requests in flight (threshold ${limit.value}).`,
    runbook: {
      meaning: `More than ${limit.value} HTTP requests have been in progress at once on one instance for ${limit.for}: requests arrive faster than it finishes them.`,
      impact: 'Queued requests wait longer and hold memory and sockets; latency and then errors follow.',
      diagnosis: [
        `In flight by method: \`sum by (${label(inFlight, 'http_request_method')}) (${inFlight.name}{job="<job>", instance="<instance>"})\`.`,
        `Arrival rate against yesterday: \`${recorded.requestRate}{job="<job>"}\` and \`${recorded.requestRate}{job="<job>"} offset 1d\`.`,
        'Slow dependencies hold requests open: look at the slowest traces and at NodeEventLoopLagHigh on the instance.',
      ],
      mitigation: ['Scale out, or rate-limit the heaviest callers.', 'Set timeouts on slow dependencies so requests fail fast instead of piling up.'],
      escalation: 'Ticket for the owning team; it becomes urgent when HttpLatencyP99High or HttpErrorRatioHigh fire too.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires five minutes after the requests in flight of an instance pass the threshold',
        series: inFlightSeries('5x10 90x20', '20x30'),
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', { job: 'shop', instance: 'shop:8080' }, 'shop:8080 of shop has 110 HTTP requests in flight (threshold 100).')],
      },
      {
        name: 'stays quiet below the threshold',
        series: inFlightSeries('60x30', '20x30'),
        evalTime: '25m',
        expect: [],
      },
    ],
  });
}
