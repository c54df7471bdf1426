// HttpLatencyP95High: a service answers slowly (ticket; HttpLatencyP99High pages).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { bucket } from '../../../signals/promql.ts';
import { recorded } from '../../../signals/recording-rules.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, duration, durationHistogram, enoughTraffic, ok, unlessSloPages } from './common.ts';

export function httpLatencyP95High(config: AlertConfig): AlertRule {
  const p95 = config.service.latencyP95Seconds;
  return alert({
    alert: 'HttpLatencyP95High',
    // histogram_quantile of no traffic is NaN, and NaN > x is false: an idle service stays quiet.
    expr: `${recorded.latencyP95} > ${p95.value}${enoughTraffic(config)}${unlessSloPages}`,
    for: p95.for,
    severity: 'warning',
    summary: 'A service answers slowly: its 95th percentile latency is high.',
    description: `{{ $labels.job }} answered 5% of its requests in more than {{ $value | humanizeDuration }} over the last 5 minutes (threshold ${p95.value}s).`,
    runbook: {
      meaning: `The 95th percentile of HTTP request durations of a service, over the last 5 minutes, has been above ${p95.value}s for ${p95.for}.`,
      impact: 'One request in twenty is slow enough for users to notice; timeouts and retries upstream become likely.',
      diagnosis: [
        `Which routes are slow: \`histogram_quantile(0.95, sum by (http_route, le) (rate(${bucket(duration)}{job="<job>"}[5m])))\`.`,
        `Whether load grew: \`${recorded.requestRate}{job="<job>"}\` against the same time yesterday (\`offset 1d\`).`,
        'Check saturation of the instances (HostCpuHigh, NodeEventLoopLagHigh, NodeGcTimeHigh) and the latency of dependencies in the slowest traces (follow an exemplar).',
      ],
      mitigation: ['Roll back the last deploy if the latency started with it.', 'Scale out if the instances are saturated; shed or cache the slowest route.'],
      escalation: 'Ticket for the owning team; if the 99th percentile also crosses its threshold (HttpLatencyP99High pages), treat it as an incident.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // The first slow requests land between minutes 10 and 11; at 12m they are a tenth of the 5-minute window, p95 is 1.75 s.
        name: 'fires five minutes after a fifth of the requests start taking 2 s',
        series: durationHistogram(ok, [
          { minutes: 10, perMinute: { 0.05: 100 } },
          { minutes: 20, perMinute: { 0.05: 80, 2: 20 } },
        ]),
        evalTime: '17m',
        quietAt: ['16m'],
        expect: [firing('warning', { job: 'shop' }, 'shop answered 5% of its requests in more than 2.125s over the last 5 minutes (threshold 1s).')],
      },
      {
        name: 'stays quiet while only a few requests are slow',
        series: durationHistogram(ok, [{ minutes: 30, perMinute: { 0.05: 98, 2: 2 } }]),
        evalTime: '25m',
        expect: [],
      },
      { name: 'stays quiet at zero traffic', series: durationHistogram(ok, [{ minutes: 30, perMinute: {} }]), evalTime: '25m', expect: [] },
    ],
  });
}
