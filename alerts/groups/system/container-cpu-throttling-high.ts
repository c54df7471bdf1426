// ContainerCpuThrottlingHigh: a service's container often uses up its CPU
// quota and waits (information, as the kubernetes-mixin's CPUThrottlingHigh).
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;

export function containerCpuThrottlingHigh(config: AlertConfig): AlertRule {
  const throttling = config.system.cpuThrottling;
  const cpu = (throttled: string) => [series(m.cgroupCpuPeriods.name, target, '0+600x40'), series(m.cgroupCpuThrottledPeriods.name, target, throttled)];
  return alert({
    alert: 'ContainerCpuThrottlingHigh',
    expr: `sum by (${BY_TARGET}) (increase(${m.cgroupCpuThrottledPeriods.name}[5m])) / clamp_min(sum by (${BY_TARGET}) (increase(${m.cgroupCpuPeriods.name}[5m])), 1) > ${throttling.value}`,
    for: throttling.for,
    severity: 'info',
    summary: 'A container is often throttled by its CPU quota.',
    description: `The container of {{ $labels.instance }} ({{ $labels.job }}) was throttled in {{ $value | humanizePercentage }} of its CPU periods over the last 5 minutes (threshold ${percent(throttling.value)}).`,
    runbook: {
      meaning: `In more than ${percent(throttling.value)} of the scheduler's periods the container used up its CPU quota and had to wait, for ${throttling.for}. Information: it explains latency, it is no incident by itself.`,
      impact: 'Bursts of work wait for the next period: tail latency rises even though average CPU looks fine.',
      diagnosis: [
        `Throttled share: \`increase(${m.cgroupCpuThrottledPeriods.name}{job="<job>"}[5m]) / increase(${m.cgroupCpuPeriods.name}{job="<job>"}[5m])\`; the quota: \`${m.cgroupCpuLimit.name}\`.`,
        'Whether latency follows it on the service dashboard.',
      ],
      mitigation: ['Raise the CPU limit, or remove it and keep the request (a common choice for latency-sensitive services).', 'Spread the load over more replicas.'],
      escalation: 'Informational (not routed); the owning team looks at it when latency rises.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // 600 periods a minute; from minute 10, 300 of them throttled (50%): above 25% of the 5-minute window from 13m.
        name: 'informs fifteen minutes after half the periods are throttled',
        series: cpu('0x10 300+300x30'),
        evalTime: '28m',
        quietAt: ['27m'],
        expect: [firing('info', targetLabels, 'The container of shop:8080 (shop) was throttled in 50% of its CPU periods over the last 5 minutes (threshold 25%).')],
      },
      { name: 'stays quiet at 5% throttled', series: cpu('0+30x40'), evalTime: '30m', expect: [] },
    ],
  });
}
