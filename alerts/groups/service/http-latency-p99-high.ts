// HttpLatencyP99High: a service answers very slowly. A warning: the latency
// SLO's burn-rate alert is the page, and inhibits it.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { bucket } from '../../../signals/promql.ts';
import { recorded } from '../../../signals/recording-rules.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, duration, durationHistogram, enoughTraffic, inFlight, ok, unlessSloPages } from './common.ts';

export function httpLatencyP99High(config: AlertConfig): AlertRule {
  const p99 = config.service.latencyP99Seconds;
  return alert({
    alert: 'HttpLatencyP99High',
    expr: `${recorded.latencyP99} > ${p99.value}${enoughTraffic(config)}${unlessSloPages}`,
    for: p99.for,
    keepFiringFor: config.service.keepFiringFor,
    severity: 'warning',
    summary: 'A service answers very slowly: its 99th percentile latency is high.',
    description: `{{ $labels.job }} answered 1% of its requests in more than {{ $value | humanizeDuration }} over the last 5 minutes (threshold ${p99.value}s).`,
    runbook: {
      meaning: `The 99th percentile of HTTP request durations of a service, over the last 5 minutes, has been above ${p99.value}s for ${p99.for}.`,
      impact: 'Some users wait seconds for pages and API calls; clients time out and retry, adding load.',
      diagnosis: [
        `Which routes are slow: \`histogram_quantile(0.99, sum by (http_route, le) (rate(${bucket(duration)}{job="<job>"}[5m])))\`.`,
        `Whether requests pile up: \`sum by (instance) (${inFlight.name}{job="<job>"})\`.`,
        'Follow an exemplar of a slow request to its trace: the longest span names the dependency or handler at fault.',
      ],
      mitigation: ['Roll back the last deploy if the latency started with it.', 'Scale out or shed load; fail fast on a slow dependency (timeouts, circuit breaker).'],
      escalation: 'Ticket for the owning team; ErrorBudgetBurn pages (and silences this warning) when the slow requests spend the latency SLO\'s budget too fast. Escalate to the owners of the slow dependency once a trace names it.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // At 11m the window already holds one slow minute (2.5% of its requests): p99 is above 2.5 s from then on.
        name: 'fires five minutes after a tenth of the requests start taking 4 s',
        series: durationHistogram(ok, [
          { minutes: 10, perMinute: { 0.05: 100 } },
          { minutes: 20, perMinute: { 0.05: 90, 4: 10 } },
        ]),
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', { job: 'shop' }, 'shop answered 1% of its requests in more than 4.75s over the last 5 minutes (threshold 2.5s).')],
      },
      {
        name: 'stays quiet when the slow requests stay under the threshold',
        series: durationHistogram(ok, [{ minutes: 30, perMinute: { 0.05: 80, 2: 20 } }]),
        evalTime: '25m',
        expect: [],
      },
      { name: 'stays quiet at zero traffic', series: durationHistogram(ok, [{ minutes: 30, perMinute: {} }]), evalTime: '25m', expect: [] },
    ],
  });
}
