// ContainerMemoryNearLimit: a service's container is close to its memory
// limit, where the kernel OOM-kills it (the host may have plenty left).
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;
const MIB = 1024 ** 2;

export function containerMemoryNearLimit(config: AlertConfig): AlertRule {
  const near = config.system.containerMemoryNearLimit;
  const memory = (usage: string, limit: string) => [series(m.cgroupMemoryUsage.name, target, usage), series(m.cgroupMemoryLimit.name, target, limit)];
  return alert({
    alert: 'ContainerMemoryNearLimit',
    // A limit of 0 is none: `> 0` drops it, so an unlimited process never matches.
    expr: `max by (${BY_TARGET}) (${m.cgroupMemoryUsage.name}) / max by (${BY_TARGET}) (${m.cgroupMemoryLimit.name} > 0) > ${near.value}`,
    for: near.for,
    severity: 'warning',
    summary: 'A container is near its memory limit.',
    description: `The container of {{ $labels.instance }} ({{ $labels.job }}) uses {{ $value | humanizePercentage }} of its memory limit (threshold ${percent(near.value)}).`,
    runbook: {
      meaning: `The working set of a service's cgroup (memory used less reclaimable file cache) has held more than ${percent(near.value)} of its memory limit for ${near.for}.`,
      impact: 'At the limit the kernel kills the process (OOMKilled): its in-flight requests fail and it restarts, in a loop if the load stays.',
      diagnosis: [
        `The trend: \`${m.cgroupMemoryUsage.name}{job="<job>", instance="<instance>"}\` against \`${m.cgroupMemoryLimit.name}\`; whether the V8 heap grows with it: \`${m.heapSizeUsed.name}\` (NodeHeapNearLimit) or memory outside it (\`${m.externalMemory.name}\`, buffers).`,
        'Past OOM kills: the pod\'s last state (`kubectl describe pod`, reason OOMKilled) and restarts (KubePodCrashLooping, ProcessRestarted).',
      ],
      mitigation: ['Raise the memory limit (and --max-old-space-size below it) if the load needs it; roll back a deploy that made it grow.', 'Restart to buy time while a leak is fixed.'],
      escalation: 'Ticket for the owning team; urgent when instances are being OOM-killed.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires five minutes after the working set passes 90% of a 512 MiB limit',
        series: memory(`${300 * MIB}x10 ${480 * MIB}x30`, `${512 * MIB}x40`),
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', targetLabels, 'The container of shop:8080 (shop) uses 93.75% of its memory limit (threshold 90%).')],
      },
      { name: 'stays quiet without a limit (0), however much it uses', series: memory(`${480 * MIB}x40`, '0x40'), evalTime: '30m', expect: [] },
    ],
  });
}
