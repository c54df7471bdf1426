// NodeEventLoopUtilizationHigh: the event loop of a Node.js process is busy
// running callbacks nearly all the time: saturated, whatever its CPU shows.
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { label, percent } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;
const state = label(m.eventLoopTime, 'nodejs_eventloop_state');

export function nodeEventLoopUtilizationHigh(config: AlertConfig): AlertRule {
  const elu = config.system.eventLoopUtilization;
  const loop = (active: string, idle: string) => [
    series(m.eventLoopTime.name, `${target},${state}="active"`, active),
    series(m.eventLoopTime.name, `${target},${state}="idle"`, idle),
  ];
  return alert({
    alert: 'NodeEventLoopUtilizationHigh',
    expr: `sum by (${BY_TARGET}) (rate(${m.eventLoopTime.name}{${state}="active"}[5m])) > ${elu.value}`,
    for: elu.for,
    severity: 'warning',
    summary: 'The event loop of a Node.js process is nearly always busy.',
    description: `The event loop of {{ $labels.instance }} ({{ $labels.job }}) was busy {{ $value | humanizePercentage }} of the time over the last 5 minutes (threshold ${percent(elu.value)}).`,
    runbook: {
      meaning: `The event loop of a service process has run callbacks more than ${percent(elu.value)} of the wall time, averaged over 5 minutes, for ${elu.for}: it has almost no idle time left for new work.`,
      impact: 'Every new request waits for the loop: latency climbs on all routes, then requests time out. More load makes it worse at once.',
      diagnosis: [
        `Utilisation by instance: \`rate(${m.eventLoopTime.name}{job="<job>", ${state}="active"}[5m])\`; one instance alone points at uneven balancing.`,
        `Against CPU: \`rate(${m.processCpu.name}{job="<job>", instance="<instance>"}[5m])\`, and the lag (NodeEventLoopLagHigh).`,
        'A CPU profile under load (`node --cpu-prof`) names the hot callbacks.',
      ],
      mitigation: ['Scale out (more replicas or cluster workers).', 'Move heavy synchronous work to worker threads; roll back a deploy that made a path hotter.'],
      escalation: 'Ticket for the owning team; urgent when the SLO burn-rate alerts page too.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // 30% busy, then 96% from minute 10: from 14m the 5-minute window holds only busy samples; it fires 15 minutes later.
        name: 'fires fifteen minutes after the loop passes 90% busy',
        series: loop('0+18x10 237.6+57.6x40', '0+42x10 422.4+2.4x40'),
        evalTime: '29m',
        quietAt: ['28m'],
        expect: [firing('warning', targetLabels, 'The event loop of shop:8080 (shop) was busy 96% of the time over the last 5 minutes (threshold 90%).')],
      },
      { name: 'stays quiet at half busy', series: loop('0+30x50', '0+30x50'), evalTime: '40m', expect: [] },
    ],
  });
}
