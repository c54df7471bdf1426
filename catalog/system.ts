// Host and runtime metrics. The host ones (system_*) follow the OpenTelemetry
// system.* semantic conventions mapped to Prometheus names and are computed by
// exporter/system-metrics.ts; the runtime ones (process_*, nodejs_*) are
// prom-client 15.1.3's default metrics on Linux, declared here word for word
// so dashboards and alerts can name them through the catalog.
import { counter, gauge, histogram } from './spec.ts';

/** The states os.cpus() reports; libuv drops iowait, softirq and steal. */
export const CPU_STATES = ['user', 'nice', 'system', 'idle', 'irq'] as const;

const FILESYSTEM_LABELS = ['mountpoint', 'device', 'type'] as const;

/**
 * prom-client's GC buckets [0.001, 0.01, 0.1, 1, 2, 5] plus finer steps:
 * a superset, so community dashboards keep their `le` values while pauses
 * under 10 ms (most scavenges) become measurable.
 */
export const GC_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5] as const;

const host = {
  cpuUtilization: gauge({
    name: 'system_cpu_utilization_ratio',
    help: 'Share of CPU time not idle across all logical CPUs since the previous collection (at least 1 s).',
    unit: 'ratio',
    labels: [],
    source: 'exporter',
  }),
  cpuTime: counter({
    name: 'system_cpu_time_seconds_total',
    help: 'CPU time spent in each state, summed over all logical CPUs.',
    unit: 'seconds',
    labels: ['state'],
    values: { state: CPU_STATES },
    source: 'exporter',
  }),
  // OTel's system.cpu.logical.count would map to `system_cpu_logical_count`,
  // but promtool rejects `_count` on a gauge; cAdvisor's `machine_cpu_cores` style instead.
  cpuLogicalCount: gauge({
    name: 'system_cpu_logical_cpus',
    help: 'Number of logical CPUs.',
    unit: '',
    labels: [],
    source: 'exporter',
  }),
  memoryLimit: gauge({
    name: 'system_memory_limit_bytes',
    help: 'Total physical memory of the host.',
    unit: 'bytes',
    labels: [],
    source: 'exporter',
  }),
  memoryAvailable: gauge({
    name: 'system_memory_available_bytes',
    help: 'Memory available for new allocations without swapping (MemAvailable on Linux).',
    unit: 'bytes',
    labels: [],
    source: 'exporter',
  }),
  memoryUtilization: gauge({
    name: 'system_memory_utilization_ratio',
    help: 'Share of physical memory not available: 1 - available / limit.',
    unit: 'ratio',
    labels: [],
    source: 'exporter',
  }),
  filesystemLimit: gauge({
    name: 'system_filesystem_limit_bytes',
    help: 'Size of the filesystem.',
    unit: 'bytes',
    labels: FILESYSTEM_LABELS,
    source: 'exporter',
  }),
  filesystemUsage: gauge({
    name: 'system_filesystem_usage_bytes',
    help: 'Bytes used on the filesystem: (blocks - free blocks) * block size.',
    unit: 'bytes',
    labels: FILESYSTEM_LABELS,
    source: 'exporter',
  }),
  filesystemUtilization: gauge({
    name: 'system_filesystem_utilization_ratio',
    help: 'Share of the space usable by unprivileged users that is used, as df reports Use%: used / (used + available).',
    unit: 'ratio',
    labels: FILESYSTEM_LABELS,
    source: 'exporter',
  }),
} as const;

// prom-client lib/metrics/*.js, Linux variants (osMemoryHeapLinux, /proc fds).
const runtime = {
  processCpuUser: counter({ name: 'process_cpu_user_seconds_total', help: 'Total user CPU time spent in seconds.', unit: 'seconds', labels: [], source: 'prom-client' }),
  processCpuSystem: counter({ name: 'process_cpu_system_seconds_total', help: 'Total system CPU time spent in seconds.', unit: 'seconds', labels: [], source: 'prom-client' }),
  processCpu: counter({ name: 'process_cpu_seconds_total', help: 'Total user and system CPU time spent in seconds.', unit: 'seconds', labels: [], source: 'prom-client' }),
  processStartTime: gauge({ name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', unit: 'seconds', labels: [], source: 'prom-client' }),
  processResidentMemory: gauge({ name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', unit: 'bytes', labels: [], source: 'prom-client' }),
  processVirtualMemory: gauge({ name: 'process_virtual_memory_bytes', help: 'Virtual memory size in bytes.', unit: 'bytes', labels: [], source: 'prom-client' }),
  processHeap: gauge({ name: 'process_heap_bytes', help: 'Process heap size in bytes.', unit: 'bytes', labels: [], source: 'prom-client' }),
  processOpenFds: gauge({ name: 'process_open_fds', help: 'Number of open file descriptors.', unit: '', labels: [], source: 'prom-client' }),
  processMaxFds: gauge({ name: 'process_max_fds', help: 'Maximum number of open file descriptors.', unit: '', labels: [], source: 'prom-client' }),

  eventLoopLag: gauge({ name: 'nodejs_eventloop_lag_seconds', help: 'Lag of event loop in seconds.', unit: 'seconds', labels: [], source: 'prom-client' }),
  eventLoopLagMin: gauge({ name: 'nodejs_eventloop_lag_min_seconds', help: 'The minimum recorded event loop delay.', unit: 'seconds', labels: [], source: 'prom-client' }),
  eventLoopLagMax: gauge({ name: 'nodejs_eventloop_lag_max_seconds', help: 'The maximum recorded event loop delay.', unit: 'seconds', labels: [], source: 'prom-client' }),
  eventLoopLagMean: gauge({ name: 'nodejs_eventloop_lag_mean_seconds', help: 'The mean of the recorded event loop delays.', unit: 'seconds', labels: [], source: 'prom-client' }),
  eventLoopLagStddev: gauge({ name: 'nodejs_eventloop_lag_stddev_seconds', help: 'The standard deviation of the recorded event loop delays.', unit: 'seconds', labels: [], source: 'prom-client' }),
  eventLoopLagP50: gauge({ name: 'nodejs_eventloop_lag_p50_seconds', help: 'The 50th percentile of the recorded event loop delays.', unit: 'seconds', labels: [], source: 'prom-client' }),
  eventLoopLagP90: gauge({ name: 'nodejs_eventloop_lag_p90_seconds', help: 'The 90th percentile of the recorded event loop delays.', unit: 'seconds', labels: [], source: 'prom-client' }),
  eventLoopLagP99: gauge({ name: 'nodejs_eventloop_lag_p99_seconds', help: 'The 99th percentile of the recorded event loop delays.', unit: 'seconds', labels: [], source: 'prom-client' }),

  // The `_total` gauges are prom-client's names (promtool lint flags them; known exception).
  activeResources: gauge({ name: 'nodejs_active_resources', help: 'Number of active resources that are currently keeping the event loop alive, grouped by async resource type.', unit: '', labels: ['type'], source: 'prom-client' }),
  activeResourcesTotal: gauge({ name: 'nodejs_active_resources_total', help: 'Total number of active resources.', unit: '', labels: [], source: 'prom-client' }),
  activeHandles: gauge({ name: 'nodejs_active_handles', help: 'Number of active libuv handles grouped by handle type. Every handle type is C++ class name.', unit: '', labels: ['type'], source: 'prom-client' }),
  activeHandlesTotal: gauge({ name: 'nodejs_active_handles_total', help: 'Total number of active handles.', unit: '', labels: [], source: 'prom-client' }),
  activeRequests: gauge({ name: 'nodejs_active_requests', help: 'Number of active libuv requests grouped by request type. Every request type is C++ class name.', unit: '', labels: ['type'], source: 'prom-client' }),
  activeRequestsTotal: gauge({ name: 'nodejs_active_requests_total', help: 'Total number of active requests.', unit: '', labels: [], source: 'prom-client' }),

  heapSizeTotal: gauge({ name: 'nodejs_heap_size_total_bytes', help: 'Process heap size from Node.js in bytes.', unit: 'bytes', labels: [], source: 'prom-client' }),
  heapSizeUsed: gauge({ name: 'nodejs_heap_size_used_bytes', help: 'Process heap size used from Node.js in bytes.', unit: 'bytes', labels: [], source: 'prom-client' }),
  externalMemory: gauge({ name: 'nodejs_external_memory_bytes', help: 'Node.js external memory size in bytes.', unit: 'bytes', labels: [], source: 'prom-client' }),
  heapSpaceSizeTotal: gauge({ name: 'nodejs_heap_space_size_total_bytes', help: 'Process heap space size total from Node.js in bytes.', unit: 'bytes', labels: ['space'], source: 'prom-client' }),
  heapSpaceSizeUsed: gauge({ name: 'nodejs_heap_space_size_used_bytes', help: 'Process heap space size used from Node.js in bytes.', unit: 'bytes', labels: ['space'], source: 'prom-client' }),
  heapSpaceSizeAvailable: gauge({ name: 'nodejs_heap_space_size_available_bytes', help: 'Process heap space size available from Node.js in bytes.', unit: 'bytes', labels: ['space'], source: 'prom-client' }),

  versionInfo: gauge({ name: 'nodejs_version_info', help: 'Node.js version info.', unit: 'info', labels: ['version', 'major', 'minor', 'patch'], source: 'prom-client' }),
  gcDuration: histogram({
    name: 'nodejs_gc_duration_seconds',
    help: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    unit: 'seconds',
    labels: ['kind'],
    values: { kind: ['major', 'minor', 'incremental', 'weakcb'] },
    buckets: GC_DURATION_BUCKETS,
    source: 'prom-client',
  }),
} as const;

/** The event loop's time by state (OpenTelemetry `nodejs.eventloop.time`): rate of `active` is its utilisation. */
export const EVENT_LOOP_STATES = ['active', 'idle'] as const;

// Runtime signals prom-client lacks, computed by exporter/runtime-metrics.ts.
const runtimeExtra = {
  eventLoopTime: counter({
    name: 'nodejs_eventloop_time_seconds_total',
    help: 'Time the event loop spent active (running callbacks) or idle (waiting for I/O), since the process started.',
    unit: 'seconds',
    labels: ['nodejs_eventloop_state'],
    values: { nodejs_eventloop_state: EVENT_LOOP_STATES },
    source: 'exporter',
  }),
  heapSizeLimit: gauge({
    name: 'nodejs_heap_size_limit_bytes',
    help: 'Most memory the V8 heap may use (heap_size_limit, set by --max-old-space-size or the container limit): at it, the process dies with out of memory.',
    unit: 'bytes',
    labels: [],
    source: 'exporter',
  }),
} as const;

// The process's control group (cgroup v2, else v1), computed by
// exporter/container-metrics.ts. Exported only where the cgroup files exist;
// a limit is 0 where none is set, so queries divide by `limit > 0`.
const container = {
  cgroupMemoryLimit: gauge({
    name: 'cgroup_memory_limit_bytes',
    help: "Memory limit of the process's cgroup (memory.max, v1 memory.limit_in_bytes); 0 when unlimited.",
    unit: 'bytes',
    labels: [],
    source: 'exporter',
  }),
  cgroupMemoryUsage: gauge({
    name: 'cgroup_memory_usage_bytes',
    help: "Working set of the process's cgroup: memory used less the inactive file cache (memory.current - inactive_file, v1 usage_in_bytes - total_inactive_file), what an OOM kill answers to.",
    unit: 'bytes',
    labels: [],
    source: 'exporter',
  }),
  cgroupCpuLimit: gauge({
    name: 'cgroup_cpu_limit_cpus',
    help: "CPU quota of the process's cgroup in CPUs per period (cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us); 0 when unlimited.",
    unit: '',
    labels: [],
    source: 'exporter',
  }),
  cgroupCpuPeriods: counter({
    name: 'cgroup_cpu_periods_total',
    help: "CFS enforcement periods of the process's cgroup (cpu.stat nr_periods).",
    unit: '',
    labels: [],
    source: 'exporter',
  }),
  cgroupCpuThrottledPeriods: counter({
    name: 'cgroup_cpu_throttled_periods_total',
    help: "Periods in which the process's cgroup used up its quota and was throttled (cpu.stat nr_throttled).",
    unit: '',
    labels: [],
    source: 'exporter',
  }),
  cgroupCpuThrottled: counter({
    name: 'cgroup_cpu_throttled_seconds_total',
    help: "Time the process's cgroup spent throttled (cpu.stat throttled_usec, v1 throttled_time).",
    unit: 'seconds',
    labels: [],
    source: 'exporter',
  }),
} as const;

export const systemMetrics = { ...host, ...runtime, ...runtimeExtra, ...container } as const;
