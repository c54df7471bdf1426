// NodeGcTimeHigh: a Node.js process spends too much of its time in garbage collection.
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { counterValues, label, percent, sum } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;
const gcSeconds = sum(m.gcDuration);

export function nodeGcTimeHigh(config: AlertConfig): AlertRule {
  const gc = config.system.gcTimeRatio;
  return alert({
    alert: 'NodeGcTimeHigh',
    // Seconds of GC pause per second of wall time, all kinds (minor, major, incremental, weakcb) together.
    expr: `sum by (${BY_TARGET}) (rate(${gcSeconds}[5m])) > ${gc.value}`,
    for: gc.for,
    severity: 'warning',
    summary: 'A Node.js process spends too much time in garbage collection.',
    description: `{{ $labels.instance }} ({{ $labels.job }}) spent {{ $value | humanizePercentage }} of the last 5 minutes in garbage collection (threshold ${percent(gc.value)}).`,
    runbook: {
      meaning: `A Node.js process has spent more than ${percent(gc.value)} of wall time in garbage collection pauses for ${gc.for}: it allocates too fast or its heap is nearly full.`,
      impact: 'GC pauses stop the event loop: latency rises on every route; a heap near its limit ends in an out-of-memory crash.',
      diagnosis: [
        `GC time by kind: \`sum by (${label(m.gcDuration, 'kind')}) (rate(${gcSeconds}{job="<job>", instance="<instance>"}[5m]))\`; mostly major means the old space is full.`,
        `Heap use against its size: \`${m.heapSizeUsed.name}{job="<job>", instance="<instance>"} / ${m.heapSizeTotal.name}{job="<job>", instance="<instance>"}\` and, per space, \`${m.heapSpaceSizeUsed.name}\`.`,
        'A heap that climbs after every major GC is a leak: compare two heap snapshots (`node --heapsnapshot-signal=SIGUSR2`).',
      ],
      mitigation: [
        'Restart the instance to buy time if the heap is near its limit; roll back a deploy that started it.',
        'Raise `--max-old-space-size` if the heap is legitimately larger; reduce allocation on hot paths (buffers, large JSON).',
      ],
      escalation: 'Ticket for the owning team; urgent when NodeEventLoopLagHigh or latency alerts fire too.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // 2.5% of the time in GC, then 15% from minute 10: the 5-minute rate passes 10% at 13m.
        name: 'fires ten minutes after GC takes more than a tenth of the time',
        series: [
          series(gcSeconds, `${target},kind="minor"`, counterValues([{ steps: 10, perStep: 1.2 }, { steps: 30, perStep: 6 }])),
          series(gcSeconds, `${target},kind="major"`, counterValues([{ steps: 10, perStep: 0.3 }, { steps: 30, perStep: 3 }])),
        ],
        evalTime: '23m',
        quietAt: ['22m'],
        expect: [firing('warning', targetLabels, 'shop:8080 (shop) spent 15% of the last 5 minutes in garbage collection (threshold 10%).')],
      },
      {
        name: 'stays quiet at a few percent of GC',
        series: [
          series(gcSeconds, `${target},kind="minor"`, counterValues([{ steps: 40, perStep: 1.2 }])),
          series(gcSeconds, `${target},kind="major"`, counterValues([{ steps: 40, perStep: 0.3 }])),
        ],
        evalTime: '30m',
        expect: [],
      },
    ],
  });
}
