// System alerts: the host a service runs on (CPU, memory, disks) and the
// Node.js process itself (event loop, GC, restarts, file descriptors).
//
// Every instance of a service exports these, one target per process; each
// alert keeps one series per target (plus the mountpoint for disks), so one
// alert names one process. One file per alert, in system/, with its runbook
// and promtool cases; this list is the group's evaluation order.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { RuleGroup } from '../../signals/rule-types.ts';
import { alertGroup } from '../lib/alert-group.ts';
import { hostCpuHigh } from './system/host-cpu-high.ts';
import { hostFilesystemFull } from './system/host-filesystem-full.ts';
import { hostFilesystemPredictedFull } from './system/host-filesystem-predicted-full.ts';
import { hostMemoryHigh } from './system/host-memory-high.ts';
import { nodeEventLoopLagHigh } from './system/node-event-loop-lag-high.ts';
import { nodeGcTimeHigh } from './system/node-gc-time-high.ts';
import { containerCpuThrottlingHigh } from './system/container-cpu-throttling-high.ts';
import { containerMemoryNearLimit } from './system/container-memory-near-limit.ts';
import { nodeEventLoopUtilizationHigh } from './system/node-event-loop-utilization-high.ts';
import { nodeHeapNearLimit } from './system/node-heap-near-limit.ts';
import { processCpuSaturated } from './system/process-cpu-saturated.ts';
import { processFileDescriptorsNearLimit } from './system/process-file-descriptors-near-limit.ts';
import { processRestarted } from './system/process-restarted.ts';

export function systemRules(config: AlertConfig): RuleGroup {
  return alertGroup(
    'system',
    [
      hostCpuHigh,
      processCpuSaturated,
      hostMemoryHigh,
      hostFilesystemFull,
      hostFilesystemPredictedFull,
      nodeEventLoopLagHigh,
      nodeEventLoopUtilizationHigh,
      nodeHeapNearLimit,
      containerMemoryNearLimit,
      containerCpuThrottlingHigh,
      nodeGcTimeHigh,
      processRestarted,
      processFileDescriptorsNearLimit,
    ],
    config,
  );
}
