// HostCpuHigh: the host a service runs on is busy (information, not routed): a
// busy host hurts nobody by itself; ProcessCpuSaturated and the SLO pages say
// when the service suffers.
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { counterValues, label, percent, sum } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;

/**
 * Busy share of the host's CPUs over 5 minutes, from the CPU time counter
 * rather than the `system_cpu_utilization_ratio` gauge: the gauge covers the
 * time since the previous collection by anyone (a second Prometheus, a curl,
 * the cluster primary), so its window depends on who scrapes, and one low
 * spot reading resets an alert's `for`. A 5-minute rate of a since-boot
 * counter averages the whole window, survives a missed scrape and does not
 * reset when the process restarts. Idle over wall time also counts the time
 * libuv does not report (iowait, softirq, steal) as busy, like node_exporter's
 * `1 - idle`.
 */
const cpuBusy = `(1 - max by (${BY_TARGET}) (rate(${m.cpuTime.name}{${label(m.cpuTime, 'state')}="idle"}[5m])) / max by (${BY_TARGET}) (${m.cpuLogicalCount.name}))`;

/** Test input: a 2-CPU host (120 CPU seconds a minute) idle for `idle` of them each minute, phase by phase. */
function cpuSeries(phases: readonly { minutes: number; idle: number }[]) {
  const state = (s: string, perMinute: (idle: number) => number) =>
    series(m.cpuTime.name, `${target},state="${s}"`, counterValues(phases.map((p) => ({ steps: p.minutes, perStep: perMinute(p.idle) })), 1_000_000));
  const minutes = phases.reduce((n, p) => n + p.minutes, 0);
  return [
    state('idle', (idle) => idle),
    state('user', (idle) => (120 - idle) * 0.8),
    state('system', (idle) => (120 - idle) * 0.2),
    state('nice', () => 0),
    state('irq', () => 0),
    series(m.cpuLogicalCount.name, target, `2x${minutes}`),
  ];
}

export function hostCpuHigh(config: AlertConfig): AlertRule {
  const busy = config.system.hostCpuBusy;
  return alert({
    alert: 'HostCpuHigh',
    expr: `${cpuBusy} > ${busy.value}`,
    for: busy.for,
    severity: 'info',
    summary: 'A host is busy.',
    description: `The host of {{ $labels.instance }} ({{ $labels.job }}) was {{ $value | humanizePercentage }} busy over the last 5 minutes (threshold ${percent(busy.value)}).`,
    runbook: {
      meaning: `The CPUs of the host a service instance runs on have been busy more than ${percent(busy.value)} of the time, averaged over 5 minutes, for ${busy.for}. Information only: on a shared host or a busy node, other tenants use the CPU without hurting anyone.`,
      impact: 'None by itself. When the service suffers, ProcessCpuSaturated, NodeEventLoopLagHigh or the SLO burn-rate alerts say so.',
      diagnosis: [
        `CPU time by state: \`sum by (state) (rate(${m.cpuTime.name}{job="<job>", instance="<instance>"}[5m])) / on () group_left max(${m.cpuLogicalCount.name}{job="<job>", instance="<instance>"})\`.`,
        `Whether the service itself burns it: \`rate(${m.processCpu.name}{job="<job>", instance="<instance>"}[5m])\` (CPU seconds per second of the Node process).`,
        `Whether GC does: \`rate(${sum(m.gcDuration)}{job="<job>", instance="<instance>"}[5m])\`; otherwise look for other processes on the host (top, the container runtime's stats).`,
      ],
      mitigation: ['Nothing while the service meets its SLOs.', 'If it does not: scale out, or move the instance to a host with spare CPU; profile the hot path (`node --cpu-prof`) if the service itself is the consumer.'],
      escalation: 'Informational (not routed); the platform team looks at it when planning capacity.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // 30% busy, then 95% from minute 10: the 5-minute average passes 90% at 14m, fires 15 minutes later.
        name: 'informs fifteen minutes after the CPUs pass 90% busy',
        series: cpuSeries([{ minutes: 10, idle: 84 }, { minutes: 40, idle: 6 }]),
        evalTime: '29m',
        quietAt: ['28m'],
        expect: [firing('info', targetLabels, 'The host of shop:8080 (shop) was 95% busy over the last 5 minutes (threshold 90%).')],
      },
      { name: 'stays quiet at 85% busy', series: cpuSeries([{ minutes: 40, idle: 18 }]), evalTime: '30m', expect: [] },
      {
        name: 'stays quiet through a burst shorter than its wait',
        series: cpuSeries([{ minutes: 10, idle: 84 }, { minutes: 10, idle: 0 }, { minutes: 20, idle: 84 }]),
        evalTime: '30m',
        expect: [],
      },
    ],
  });
}
