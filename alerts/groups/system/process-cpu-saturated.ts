// ProcessCpuSaturated: a Node.js process uses about a whole CPU: its one main
// thread has no time left, whatever the rest of the host does (the warning
// signal of CPU saturation; HostCpuHigh is information only).
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { sum } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;

export function processCpuSaturated(config: AlertConfig): AlertRule {
  const saturation = config.system.processCpuSaturation;
  return alert({
    alert: 'ProcessCpuSaturated',
    expr: `max by (${BY_TARGET}) (rate(${m.processCpu.name}[5m])) > ${saturation.value}`,
    for: saturation.for,
    severity: 'warning',
    summary: 'A Node.js process uses nearly a whole CPU.',
    description: `{{ $labels.instance }} ({{ $labels.job }}) used {{ printf "%.2f" $value }} CPU seconds per second over the last 5 minutes (threshold ${saturation.value}).`,
    runbook: {
      meaning: `A service process has used more than ${saturation.value} CPU seconds per second, averaged over 5 minutes, for ${saturation.for}. JavaScript runs on one thread: near 1, requests queue for it however idle the host is.`,
      impact: 'Latency rises on every route of the instance and the event loop lags; at more load, requests time out.',
      diagnosis: [
        `CPU by instance: \`rate(${m.processCpu.name}{job="<job>"}[5m])\`; one instance alone points at uneven balancing, all at load or a hot code path.`,
        `GC share: \`rate(${sum(m.gcDuration)}{job="<job>", instance="<instance>"}[5m])\` (NodeGcTimeHigh).`,
        'A CPU profile under load (`node --cpu-prof`) names the hot functions.',
      ],
      mitigation: ['Scale out (more replicas or cluster workers).', 'Roll back a deploy that made a path hotter; move heavy work to worker threads.'],
      escalation: 'Ticket for the owning team; urgent when the SLO burn-rate alerts page too.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // 0.3 CPU s/s, then 0.98 from minute 10: from 14m the 5-minute window holds only fast samples; it fires 15 minutes later.
        name: 'fires fifteen minutes after the process passes 0.9 CPU seconds per second',
        series: [series(m.processCpu.name, target, '0+18x10 238.8+58.8x40')],
        evalTime: '29m',
        quietAt: ['28m'],
        expect: [firing('warning', targetLabels, 'shop:8080 (shop) used 0.98 CPU seconds per second over the last 5 minutes (threshold 0.9).')],
      },
      { name: 'stays quiet at half a CPU', series: [series(m.processCpu.name, target, '0+30x50')], evalTime: '40m', expect: [] },
    ],
  });
}
