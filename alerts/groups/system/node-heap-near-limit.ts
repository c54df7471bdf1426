// NodeHeapNearLimit: the V8 heap of a Node.js process is close to its limit,
// where the process dies with "JavaScript heap out of memory".
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;
const GIB = 1024 ** 3;

export function nodeHeapNearLimit(config: AlertConfig): AlertRule {
  const near = config.system.heapNearLimit;
  const heap = (used: string) => [series(m.heapSizeUsed.name, target, used), series(m.heapSizeLimit.name, target, `${2 * GIB}x40`)];
  return alert({
    alert: 'NodeHeapNearLimit',
    expr: `sum by (${BY_TARGET}) (${m.heapSizeUsed.name}) / sum by (${BY_TARGET}) (${m.heapSizeLimit.name} > 0) > ${near.value}`,
    for: near.for,
    severity: 'warning',
    summary: 'The V8 heap of a Node.js process is near its limit.',
    description: `{{ $labels.instance }} ({{ $labels.job }}) uses {{ $value | humanizePercentage }} of its V8 heap limit (threshold ${percent(near.value)}).`,
    runbook: {
      meaning: `The JavaScript heap of a service process has held more than ${percent(near.value)} of its limit (heap_size_limit: --max-old-space-size, or V8's default from the container's memory) for ${near.for}.`,
      impact: 'GC runs ever more often and longer (latency), and at the limit the process aborts with "JavaScript heap out of memory": its in-flight requests fail.',
      diagnosis: [
        `The trend: \`${m.heapSizeUsed.name}{job="<job>", instance="<instance>"}\` against \`${m.heapSizeLimit.name}\`; a steady climb across GCs is a leak.`,
        'A heap snapshot (`node --heapsnapshot-signal=SIGUSR2`, or the inspector) of an instance near the limit names what holds the memory.',
      ],
      mitigation: ['Restart the instance to buy time; fix the leak (unbounded caches, listeners, closures over large objects).', 'Raise --max-old-space-size (and the container memory limit with it) if the load legitimately needs more.'],
      escalation: 'Ticket for the owning team; urgent when ProcessRestarted shows out-of-memory restarts.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires five minutes after the heap passes 90% of its limit',
        series: heap(`${1.2 * GIB}x10 ${1.9 * GIB}x30`),
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', targetLabels, 'shop:8080 (shop) uses 95% of its V8 heap limit (threshold 90%).')],
      },
      { name: 'stays quiet at 60% of the limit', series: heap(`${1.2 * GIB}x40`), evalTime: '30m', expect: [] },
    ],
  });
}
