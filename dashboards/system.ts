// System (USE): utilisation, saturation and errors of the hosts a service
// runs on and of its Node.js processes, host on the left and process on the
// right of each row. Thresholds are the system alerts' own.
import { catalog } from '../catalog/index.ts';
import { count, label, select, sum, sumRate } from '../signals/promql.ts';
import { DASHBOARD_UIDS, type DashboardSettings, FOLDERS } from './dashboard-settings.ts';
import { type KitDashboard, kitDashboard, row, serviceVariables } from './lib/common.ts';
import { barGauge, higherIsWorse, q, stat, table, timeseries } from './lib/panels.ts';
import { RATE_INTERVAL, TARGET } from './lib/promql.ts';

const m = catalog.system;
const kind = label(m.gcDuration, 'kind');
const space = label(m.heapSpaceSizeUsed, 'space');
const handleType = label(m.activeHandles, 'type');
const mountpoint = label(m.filesystemUtilization, 'mountpoint');
const state = label(m.cpuTime, 'state');

/** `max by (instance, …) (metric{job, instance})`: one series per target, however many processes share it. */
const perInstance = (metric: string, ...labels: string[]) => `max by (${['instance', ...labels].join(', ')}) (${select(metric, ...TARGET)})`;

function hostCpu(c: DashboardSettings) {
  const s = c.alerts.system;
  return timeseries({
    title: 'Host CPU utilisation',
    description: `Share of CPU time not idle on the host of each instance, all logical CPUs together. HostCpuHigh informs (pages nobody) above ${s.hostCpuBusy.value * 100}% for ${s.hostCpuBusy.for}: the process CPU panel shows what the service itself uses.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(perInstance(m.cpuUtilization.name), '{{instance}}')],
    steps: higherIsWorse(s.hostCpuBusy.value),
  });
}

function hostCpuByState() {
  return timeseries({
    title: 'Host CPU by state',
    description: 'CPU seconds per second in each state on the host of each instance, summed over its logical CPUs (idle included: the stack is the number of CPUs).',
    unit: 'short',
    stacked: true,
    queries: [q(sumRate(m.cpuTime.name, RATE_INTERVAL, ['instance', state], ...TARGET), `{{instance}} {{${state}}}`)],
  });
}

function processCpu() {
  return timeseries({
    title: 'Process CPU',
    description: 'CPU seconds per second the Node.js process used, user and system: 100% is one core busy. A process near one core is CPU-bound (the event loop runs on one).',
    unit: 'percentunit',
    queries: [q(sumRate(m.processCpuUser.name, RATE_INTERVAL, ['instance'], ...TARGET), '{{instance}} user'), q(sumRate(m.processCpuSystem.name, RATE_INTERVAL, ['instance'], ...TARGET), '{{instance}} system')],
  });
}

function hostMemory(c: DashboardSettings) {
  const s = c.alerts.system;
  return timeseries({
    title: 'Host memory utilisation',
    description: `Share of the host's physical memory not available for new allocations (1 − MemAvailable / MemTotal). HostMemoryHigh warns above ${s.memoryWarning.value * 100}% and pages above ${s.memoryCritical.value * 100}%.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(perInstance(m.memoryUtilization.name), '{{instance}}')],
    steps: higherIsWorse(s.memoryWarning.value, s.memoryCritical.value),
  });
}

function processMemory() {
  return timeseries({
    title: 'Process memory',
    description: 'Resident set size of the process, the V8 heap (size and used) and memory held outside the heap (Buffers). RSS rising while the heap stays flat points at native memory or Buffers.',
    unit: 'bytes',
    queries: [
      q(perInstance(m.processResidentMemory.name), '{{instance}} RSS'),
      q(perInstance(m.heapSizeTotal.name), '{{instance}} heap size'),
      q(perInstance(m.heapSizeUsed.name), '{{instance}} heap used'),
      q(perInstance(m.externalMemory.name), '{{instance}} external'),
    ],
  });
}

function filesystems(c: DashboardSettings) {
  const s = c.alerts.system;
  return barGauge({
    title: 'Filesystems',
    description: `Used share of each filesystem on the host of each instance, as df reports Use%. HostFilesystemFull warns above ${s.filesystemWarning.value * 100}% and pages above ${s.filesystemCritical.value * 100}%; HostFilesystemPredictedFull warns when one fills within ${s.filesystemPredictHours} hours.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    width: 12,
    queries: [q(perInstance(m.filesystemUtilization.name, mountpoint), `{{instance}} {{${mountpoint}}}`, { instant: true })],
    steps: higherIsWorse(s.filesystemWarning.value, s.filesystemCritical.value),
  });
}

function fileDescriptors(c: DashboardSettings) {
  const t = c.alerts.system.fileDescriptorsRatio;
  return timeseries({
    title: 'File descriptors in use',
    description: `Open file descriptors (sockets, files, pipes) of the process as a share of its limit. ProcessFileDescriptorsNearLimit warns above ${t.value * 100}% for ${t.for}; at the limit, accepting connections fails with EMFILE.`,
    unit: 'percentunit',
    min: 0,
    queries: [q(`${perInstance(m.processOpenFds.name)} / ${perInstance(m.processMaxFds.name)}`, '{{instance}}')],
    steps: higherIsWorse(t.value),
  });
}

function eventLoopLag(c: DashboardSettings) {
  const t = c.alerts.system.eventLoopLagSeconds;
  return timeseries({
    title: 'Event loop lag',
    description: `How late timers and I/O callbacks ran, percentiles between scrapes. NodeEventLoopLagHigh warns when the p99 stays above ${t.value}s for ${t.for}: something blocks the loop and every request waits.`,
    unit: 's',
    queries: [q(perInstance(m.eventLoopLagP50.name), '{{instance}} p50'), q(perInstance(m.eventLoopLagP99.name), '{{instance}} p99'), q(perInstance(m.eventLoopLagMax.name), '{{instance}} max')],
    steps: higherIsWorse(t.value),
  });
}

function gcTime(c: DashboardSettings) {
  const t = c.alerts.system.gcTimeRatio;
  return timeseries({
    title: 'Time in garbage collection',
    description: `Share of wall time spent in GC pauses, by kind (stacked). NodeGcTimeHigh warns above ${t.value * 100}% for ${t.for}; mostly major GC means the old space is full.`,
    unit: 'percentunit',
    stacked: true,
    queries: [q(sumRate(sum(m.gcDuration), RATE_INTERVAL, ['instance', kind], ...TARGET), `{{instance}} {{${kind}}}`)],
    steps: higherIsWorse(t.value),
  });
}

function gcRuns() {
  return timeseries({
    title: 'Garbage collections',
    description: 'Collections per second by kind: frequent minor GCs follow allocation rate; major ones, a full old space.',
    unit: 'short',
    queries: [q(sumRate(count(m.gcDuration), RATE_INTERVAL, ['instance', kind], ...TARGET), `{{instance}} {{${kind}}}`)],
  });
}

function heapSpaces() {
  return timeseries({
    title: 'Heap spaces used',
    description: 'Bytes used in each V8 heap space (stacked). A climbing old_space that major GCs do not bring down is a leak.',
    unit: 'bytes',
    stacked: true,
    queries: [q(perInstance(m.heapSpaceSizeUsed.name, space), `{{instance}} {{${space}}}`)],
  });
}

function eventLoopUtilization(c: DashboardSettings) {
  const t = c.alerts.system.eventLoopUtilization;
  const state = label(m.eventLoopTime, 'nodejs_eventloop_state');
  return timeseries({
    title: 'Event loop utilisation',
    description: `Share of wall time the event loop ran callbacks. Near 100% the loop has no idle time left and every request waits; NodeEventLoopUtilizationHigh warns above ${t.value * 100}% for ${t.for}.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(sumRate(m.eventLoopTime.name, RATE_INTERVAL, ['instance'], ...TARGET, `${state}="active"`), '{{instance}}')],
    steps: higherIsWorse(t.value),
  });
}

function heapLimit(c: DashboardSettings) {
  const t = c.alerts.system.heapNearLimit;
  return timeseries({
    title: 'Heap used / heap limit',
    description: `Share of the V8 heap limit in use (heap_size_limit: --max-old-space-size or V8's default). At 100% the process dies with "heap out of memory"; NodeHeapNearLimit warns above ${t.value * 100}% for ${t.for}.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(`${perInstance(m.heapSizeUsed.name)} / ${perInstance(m.heapSizeLimit.name)}`, '{{instance}}')],
    steps: higherIsWorse(t.value),
  });
}

function containerMemory(c: DashboardSettings) {
  const t = c.alerts.system.containerMemoryNearLimit;
  return timeseries({
    title: 'Container memory / limit',
    description: `Working set of each instance's cgroup over its memory limit (no line without a limit). At 100% the kernel OOM-kills the process; ContainerMemoryNearLimit warns above ${t.value * 100}% for ${t.for}.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(`${perInstance(m.cgroupMemoryUsage.name)} / (${perInstance(m.cgroupMemoryLimit.name)} > 0)`, '{{instance}}')],
    steps: higherIsWorse(t.value),
  });
}

function cpuThrottling(c: DashboardSettings) {
  const t = c.alerts.system.cpuThrottling;
  return timeseries({
    title: 'Container CPU throttling',
    description: `Share of CPU scheduler periods in which each instance's cgroup used up its quota and waited. Throttling raises tail latency while average CPU looks fine; ContainerCpuThrottlingHigh informs above ${t.value * 100}% for ${t.for}.`,
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(`${sumRate(m.cgroupCpuThrottledPeriods.name, RATE_INTERVAL, ['instance'], ...TARGET)} / ${sumRate(m.cgroupCpuPeriods.name, RATE_INTERVAL, ['instance'], ...TARGET)}`, '{{instance}}')],
    steps: higherIsWorse(t.value),
  });
}

function heapUse() {
  return timeseries({
    title: 'Heap used / heap size',
    description: 'Share of the V8 heap in use. Near 100% after major GCs, the process is close to an out-of-memory crash.',
    unit: 'percentunit',
    min: 0,
    max: 1,
    queries: [q(`${perInstance(m.heapSizeUsed.name)} / ${perInstance(m.heapSizeTotal.name)}`, '{{instance}}')],
  });
}

function handles() {
  return timeseries({
    title: 'Active handles',
    description: 'libuv handles keeping the event loop alive, by type (sockets, timers, servers). A steady climb of sockets is a connection leak.',
    unit: 'short',
    stacked: true,
    queries: [q(perInstance(m.activeHandles.name, handleType), `{{instance}} {{${handleType}}}`)],
  });
}

function resources() {
  return timeseries({
    title: 'Active resources',
    description: 'All resources keeping the event loop alive (handles and requests), per process.',
    unit: 'short',
    queries: [q(perInstance(m.activeResourcesTotal.name), '{{instance}}')],
  });
}

function restarts() {
  return stat({
    title: 'Restarts',
    description: 'How often the processes started anew within the time range (their start time changed). ProcessRestarted notes each one; a crash loop shows as TargetDown.',
    unit: 'short',
    width: 6,
    queries: [q(`sum(changes(${select(m.processStartTime.name, ...TARGET)}[$__range]))`, 'restarts', { instant: true })],
    steps: [{ value: 1, color: 'orange' }],
  });
}

function uptime() {
  return stat({
    title: 'Uptime',
    description: 'Time since the youngest of the selected processes started.',
    unit: 's',
    width: 6,
    queries: [q(`min(time() - ${select(m.processStartTime.name, ...TARGET)})`, 'uptime', { instant: true })],
  });
}

function versions() {
  const version = label(m.versionInfo, 'version');
  return table({
    title: 'Node.js versions',
    description: 'The Node.js version each instance runs: a mix means a rollout in progress or a forgotten instance.',
    unit: 'none',
    queries: [q(`count by (instance, ${version}) (${select(m.versionInfo.name, ...TARGET)})`, undefined, { instant: true, table: true })],
    columns: { instance: 'Instance', [version]: 'Node.js', Value: 'Processes' },
  });
}

function processCpuNow() {
  return stat({
    title: 'Process CPU now',
    description: 'CPU seconds per second of the busiest selected process, user and system together (100% is one core).',
    unit: 'percentunit',
    width: 6,
    queries: [q(`max(${sumRate(m.processCpu.name, RATE_INTERVAL, ['instance'], ...TARGET)})`, 'cpu')],
  });
}

function gcShareNow(c: DashboardSettings) {
  return stat({
    title: 'GC share now',
    description: 'Share of wall time the busiest selected process spends in GC, all kinds.',
    unit: 'percentunit',
    width: 6,
    queries: [q(`max(${sumRate(sum(m.gcDuration), RATE_INTERVAL, ['instance'], ...TARGET)})`, 'gc')],
    steps: higherIsWorse(c.alerts.system.gcTimeRatio.value),
  });
}

export function system(c: DashboardSettings): KitDashboard {
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.system,
    title: 'System',
    description: 'USE view of the hosts and Node.js processes of one service: CPU, memory, filesystems and file descriptors, event loop, GC, heap and handles, restarts. Host on the left, process on the right.',
    folder: FOLDERS.infrastructure,
    tags: ['use', 'nodejs', 'host'],
    variables: serviceVariables(m.processStartTime.name, c.services),
    rows: [
      row('At a glance', [processCpuNow(), gcShareNow(c), restarts(), uptime()]),
      row('CPU', [hostCpu(c), processCpu(), hostCpuByState(), cpuThrottling(c)]),
      row('Memory', [hostMemory(c), processMemory(), containerMemory(c)]),
      row('Filesystems and descriptors', [filesystems(c), fileDescriptors(c)]),
      row('Event loop and garbage collection', [eventLoopLag(c), eventLoopUtilization(c), gcTime(c), gcRuns()]),
      row('Heap', [heapSpaces(), heapUse(), heapLimit(c)]),
      row('Handles and versions', [handles(), resources(), versions()]),
    ],
  });
}
