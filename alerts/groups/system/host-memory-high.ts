// HostMemoryHigh: the host a service runs on is out of memory (warning and critical).
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import type { AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { warningAndCritical } from '../../lib/warning-critical.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;

export function hostMemoryHigh(config: AlertConfig): AlertRule[] {
  const s = config.system;
  return warningAndCritical(
    {
      alert: 'HostMemoryHigh',
      expr: (t) => `max by (${BY_TARGET}) (${m.memoryUtilization.name}) > ${t}`,
      summary: 'A host is running out of memory.',
      description: (t) => `The host of {{ $labels.instance }} ({{ $labels.job }}) has {{ $value | humanizePercentage }} of its memory in use (threshold ${percent(t)}).`,
      runbook: {
        meaning: `Less than ${percent(1 - s.memoryWarning.value)} (warning) or ${percent(1 - s.memoryCritical.value)} (critical) of the host's physical memory is available without swapping.`,
        impact: 'The kernel reclaims page cache, then swaps or OOM-kills processes: latency spikes and sudden restarts.',
        diagnosis: [
          `Available memory over the last day: \`${m.memoryAvailable.name}{job="<job>", instance="<instance>"}\`.`,
          `Whether the service grows: \`${m.processResidentMemory.name}{job="<job>", instance="<instance>"}\` and \`${m.heapSizeUsed.name}{job="<job>", instance="<instance>"}\`; a steady climb across GCs is a leak.`,
          'Otherwise find the largest processes on the host (top, the container runtime stats) and recent OOM kills in the kernel log.',
        ],
        mitigation: [
          'Restart a leaking instance to buy time, then take a heap snapshot (`node --heapsnapshot-signal`) of a fresh one as it grows.',
          'Move workloads off the host or give it more memory; set container memory limits so one process cannot starve the rest.',
        ],
        escalation: 'Critical pages the owning team; escalate to the platform team when the memory goes to processes outside the service.',
        dashboard: DASHBOARD,
      },
    },
    {
      warning: {
        threshold: s.memoryWarning,
        tests: [
          {
            name: 'fires five minutes after memory use passes 80%',
            series: [series(m.memoryUtilization.name, target, '0.5x10 0.9x30')],
            evalTime: '16m',
            quietAt: ['15m'],
            expect: [firing('warning', targetLabels, 'The host of shop:8080 (shop) has 90% of its memory in use (threshold 80%).')],
          },
          { name: 'stays quiet at 70% memory use', series: [series(m.memoryUtilization.name, target, '0.7x40')], evalTime: '30m', expect: [] },
        ],
      },
      critical: {
        threshold: s.memoryCritical,
        tests: [
          {
            // The warning (5 minutes) is still pending when the critical (2 minutes) fires.
            name: 'fires two minutes after memory use passes 95%',
            series: [series(m.memoryUtilization.name, target, '0.5x10 0.97x30')],
            evalTime: '13m',
            quietAt: ['12m'],
            expect: [firing('critical', targetLabels, 'The host of shop:8080 (shop) has 97% of its memory in use (threshold 95%).')],
          },
          {
            name: 'stays quiet through a one-minute peak',
            series: [series(m.memoryUtilization.name, target, '0.5x10 0.97 0.5x30')],
            evalTime: '30m',
            expect: [],
          },
        ],
      },
    },
  );
}
