// NodeEventLoopLagHigh: something blocks the event loop of a Node.js process.
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { sum } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;

export function nodeEventLoopLagHigh(config: AlertConfig): AlertRule {
  const lag = config.system.eventLoopLagSeconds;
  return alert({
    alert: 'NodeEventLoopLagHigh',
    expr: `max by (${BY_TARGET}) (${m.eventLoopLagP99.name}) > ${lag.value}`,
    for: lag.for,
    severity: 'warning',
    summary: 'The event loop of a Node.js process lags.',
    description: `The 99th percentile event loop lag of {{ $labels.instance }} ({{ $labels.job }}) is {{ $value | humanizeDuration }} (threshold ${lag.value}s).`,
    runbook: {
      meaning: `Timers and I/O callbacks of a Node.js process started more than ${lag.value}s late (99th percentile between scrapes) for ${lag.for}: something blocks the event loop.`,
      impact: 'Every request on the process waits while the loop is blocked: latency rises for all routes at once, health checks may time out.',
      diagnosis: [
        `Lag against CPU: \`${m.eventLoopLagP99.name}{job="<job>", instance="<instance>"}\` and \`rate(${m.processCpu.name}{job="<job>", instance="<instance>"}[5m])\`; near 1 CPU second per second the process is CPU-bound.`,
        `GC share: \`rate(${sum(m.gcDuration)}{job="<job>", instance="<instance>"}[5m])\` (NodeGcTimeHigh).`,
        'Otherwise synchronous work blocks the loop (JSON of large bodies, sync fs or crypto, a hot regular expression): take a CPU profile (`node --cpu-prof`) under load.',
      ],
      mitigation: ['Scale out to spread the load; roll back a deploy that introduced the blocking code.', 'Move heavy synchronous work to worker threads or stream it.'],
      escalation: 'Ticket for the owning team; urgent when HttpLatencyP99High fires too.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires five minutes after the p99 lag passes the threshold',
        series: [series(m.eventLoopLagP99.name, target, '0.012x10 0.45x30')],
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', targetLabels, 'The 99th percentile event loop lag of shop:8080 (shop) is 450ms (threshold 0.2s).')],
      },
      { name: 'stays quiet at a normal lag', series: [series(m.eventLoopLagP99.name, target, '0.015x40')], evalTime: '30m', expect: [] },
    ],
  });
}
