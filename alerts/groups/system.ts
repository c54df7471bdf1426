// System alerts: the host a service runs on (CPU, memory, disks) and the
// Node.js process itself (event loop, GC, restarts, file descriptors).
//
// Every instance of a service exports these, one target per process; the
// alerts keep one series per target with `max by (job, instance)` (plus
// `mountpoint` for disks), which also drops any other target labels a scrape
// config adds, so one alert names one process.
import { catalog } from '../../catalog/index.ts';
import type { AlertConfig, Threshold } from '../../signals/alert-settings.ts';
import { counterValues, label, percent, sum } from '../../signals/promql.ts';
import { alert, type AlertRule, type AlertTest, group, type RuleGroup, type Severity } from '../../signals/rule-types.ts';

const m = catalog.system;
const BY_TARGET = 'job, instance';
const mountpoint = label(m.filesystemUtilization, 'mountpoint');
const BY_MOUNT = `${BY_TARGET}, ${mountpoint}`;

const target = 'job="shop",instance="shop:8080"';
const dataDisk = `${target},${mountpoint}="/data",${label(m.filesystemUtilization, 'device')}="/dev/sdb1",${label(m.filesystemUtilization, 'type')}="ext4"`;
const rootDisk = `${target},${mountpoint}="/",${label(m.filesystemUtilization, 'device')}="/dev/sda1",${label(m.filesystemUtilization, 'type')}="ext4"`;
const series = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });

/**
 * Busy share of the host's CPUs over 5 minutes, from the CPU time counter
 * rather than the `system_cpu_utilization_ratio` gauge: the gauge covers the
 * time since the previous collection by anyone (a second Prometheus, a curl,
 * the cluster primary), so its window depends on who scrapes, and one low
 * spot reading resets an alert's `for`. A 5-minute rate of a since-boot
 * counter averages the whole window, survives a missed scrape and does not
 * reset when the process restarts. Idle over wall time also counts the time
 * libuv does not report (iowait, softirq, steal) as busy, like node_exporter's
 * `1 - idle`.
 */
const cpuBusy = `(1 - max by (${BY_TARGET}) (rate(${m.cpuTime.name}{${label(m.cpuTime, 'state')}="idle"}[5m])) / max by (${BY_TARGET}) (${m.cpuLogicalCount.name}))`;

/** Test input: a 2-CPU host (120 CPU seconds a minute) idle for `idle` of them each minute, phase by phase. */
function cpuSeries(phases: readonly { minutes: number; idle: number }[]) {
  const state = (s: string, perMinute: (idle: number) => number) =>
    series(m.cpuTime.name, `${target},state="${s}"`, counterValues(phases.map((p) => ({ steps: p.minutes, perStep: perMinute(p.idle) })), 1_000_000));
  const minutes = phases.reduce((n, p) => n + p.minutes, 0);
  return [
    state('idle', (idle) => idle),
    state('user', (idle) => (120 - idle) * 0.8),
    state('system', (idle) => (120 - idle) * 0.2),
    state('nice', () => 0),
    state('irq', () => 0),
    series(m.cpuLogicalCount.name, target, `2x${minutes}`),
  ];
}

interface Level {
  readonly severity: Severity;
  readonly threshold: Threshold;
  readonly tests: readonly AlertTest[];
}

/** Warning and critical variants of one alert: the same rule but for severity, threshold and `for`. */
function leveled(
  spec: Omit<AlertRule, 'kind' | 'expr' | 'for' | 'severity' | 'description' | 'tests'> & {
    readonly expr: (threshold: number) => string;
    readonly description: (threshold: number) => string;
  },
  levels: readonly Level[],
): AlertRule[] {
  const { expr, description, ...rest } = spec;
  return levels.map((l) => alert({ ...rest, expr: expr(l.threshold.value), for: l.threshold.for, severity: l.severity, description: description(l.threshold.value), tests: l.tests }));
}

export function systemRules(config: AlertConfig): RuleGroup {
  const s = config.system;
  const predictSeconds = s.filesystemPredictHours * 3600;
  return group('system', [
    ...leveled(
      {
        alert: 'HostCpuHigh',
        expr: (t) => `${cpuBusy} > ${t}`,
        summary: 'A host is running out of CPU.',
        description: (t) => `The host of {{ $labels.instance }} ({{ $labels.job }}) was {{ $value | humanizePercentage }} busy over the last 5 minutes (threshold ${percent(t)}).`,
        runbook: {
          meaning: `The CPUs of the host a service instance runs on have been busy more than ${percent(s.cpuWarning.value)} (warning) or ${percent(s.cpuCritical.value)} (critical) of the time, averaged over 5 minutes.`,
          impact: 'Requests queue for CPU: latency rises on every service of the host, and the event loop of Node processes lags.',
          diagnosis: [
            `CPU time by state: \`sum by (state) (rate(${m.cpuTime.name}{job="<job>", instance="<instance>"}[5m])) / on () group_left max(${m.cpuLogicalCount.name}{job="<job>", instance="<instance>"})\`.`,
            `Whether the service itself burns it: \`rate(${m.processCpu.name}{job="<job>", instance="<instance>"}[5m])\` (CPU seconds per second of the Node process).`,
            `Whether GC does: \`rate(${sum(m.gcDuration)}{job="<job>", instance="<instance>"}[5m])\`; otherwise look for other processes on the host (top, the container runtime's stats).`,
          ],
          mitigation: ['Scale out, or move the instance to a host with spare CPU.', 'Profile the hot path (`node --cpu-prof`) if the service itself is the consumer; roll back a deploy that made it hotter.'],
          escalation: 'Critical pages the owning team; escalate to the platform team when the CPU goes to processes outside the service.',
          dashboard: 'system',
        },
      },
      [
        {
          severity: 'warning',
          threshold: s.cpuWarning,
          tests: [
            {
              // 30% busy, then 85% from minute 10: the 5-minute average passes 70% at 13m.
              name: 'fires ten minutes after the CPUs pass 70% busy',
              series: cpuSeries([
                { minutes: 10, idle: 84 },
                { minutes: 30, idle: 18 },
              ]),
              evalTime: '23m',
              quietAt: ['22m'],
              expect: [
                {
                  labels: { severity: 'warning', job: 'shop', instance: 'shop:8080' },
                  annotations: { description: 'The host of shop:8080 (shop) was 85% busy over the last 5 minutes (threshold 70%).' },
                },
              ],
            },
            { name: 'stays quiet at 60% busy', series: cpuSeries([{ minutes: 40, idle: 48 }]), evalTime: '30m', expect: [] },
          ],
        },
        {
          severity: 'critical',
          threshold: s.cpuCritical,
          tests: [
            {
              // 95% busy from minute 10, above 90% on average from 14m: critical after its 5 minutes, while the warning still waits for its 10.
              name: 'fires five minutes after the CPUs pass 90% busy',
              series: cpuSeries([
                { minutes: 10, idle: 84 },
                { minutes: 30, idle: 6 },
              ]),
              evalTime: '19m',
              quietAt: ['18m'],
              expect: [
                {
                  labels: { severity: 'critical', job: 'shop', instance: 'shop:8080' },
                  annotations: { description: 'The host of shop:8080 (shop) was 95% busy over the last 5 minutes (threshold 90%).' },
                },
              ],
            },
            {
              name: 'stays quiet through a burst shorter than its wait',
              series: cpuSeries([
                { minutes: 10, idle: 84 },
                { minutes: 4, idle: 0 },
                { minutes: 26, idle: 84 },
              ]),
              evalTime: '30m',
              expect: [],
            },
          ],
        },
      ],
    ),

    ...leveled(
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
          dashboard: 'system',
        },
      },
      [
        {
          severity: 'warning',
          threshold: s.memoryWarning,
          tests: [
            {
              name: 'fires five minutes after memory use passes 80%',
              series: [series(m.memoryUtilization.name, target, '0.5x10 0.9x30')],
              evalTime: '16m',
              quietAt: ['15m'],
              expect: [
                {
                  labels: { severity: 'warning', job: 'shop', instance: 'shop:8080' },
                  annotations: { description: 'The host of shop:8080 (shop) has 90% of its memory in use (threshold 80%).' },
                },
              ],
            },
            { name: 'stays quiet at 70% memory use', series: [series(m.memoryUtilization.name, target, '0.7x40')], evalTime: '30m', expect: [] },
          ],
        },
        {
          severity: 'critical',
          threshold: s.memoryCritical,
          tests: [
            {
              // The warning (5 minutes) is still pending when the critical (2 minutes) fires.
              name: 'fires two minutes after memory use passes 95%',
              series: [series(m.memoryUtilization.name, target, '0.5x10 0.97x30')],
              evalTime: '13m',
              quietAt: ['12m'],
              expect: [
                {
                  labels: { severity: 'critical', job: 'shop', instance: 'shop:8080' },
                  annotations: { description: 'The host of shop:8080 (shop) has 97% of its memory in use (threshold 95%).' },
                },
              ],
            },
            {
              name: 'stays quiet through a one-minute peak',
              series: [series(m.memoryUtilization.name, target, '0.5x10 0.97 0.5x30')],
              evalTime: '30m',
              expect: [],
            },
          ],
        },
      ],
    ),

    ...leveled(
      {
        alert: 'HostFilesystemFull',
        expr: (t) => `max by (${BY_MOUNT}) (${m.filesystemUtilization.name}) > ${t}`,
        summary: 'A filesystem is almost full.',
        description: (t) => `{{ $labels.mountpoint }} on the host of {{ $labels.instance }} ({{ $labels.job }}) is {{ $value | humanizePercentage }} full (threshold ${percent(t)}).`,
        runbook: {
          meaning: `A filesystem is more than ${percent(s.filesystemWarning.value)} (warning) or ${percent(s.filesystemCritical.value)} (critical) full, counted as df counts Use%: the space unprivileged processes can still write is running out.`,
          impact: 'Once full, writes fail: logs, uploads, temporary files and databases on it error out, and processes may crash.',
          diagnosis: [
            `Usage over the last days: \`${m.filesystemUtilization.name}{job="<job>", instance="<instance>", mountpoint="<mountpoint>"}\`.`,
            'On the host: `df -h <mountpoint>` and `du -xh --max-depth=2 <mountpoint> | sort -h | tail` to find what grew; `lsof +L1` lists deleted files still held open.',
          ],
          mitigation: ['Delete or rotate what grew (old logs, core dumps, temporary files); restart a process that holds deleted files open.', 'Grow the volume, or move the data to a larger one.'],
          escalation: 'Critical pages the owning team; escalate to the platform team for volumes the service does not own.',
          dashboard: 'system',
        },
      },
      [
        {
          severity: 'warning',
          threshold: s.filesystemWarning,
          tests: [
            {
              name: 'fires five minutes after a filesystem passes 85% full, for that mountpoint only',
              series: [series(m.filesystemUtilization.name, dataDisk, '0.6x10 0.9x30'), series(m.filesystemUtilization.name, rootDisk, '0.4x40')],
              evalTime: '16m',
              quietAt: ['15m'],
              expect: [
                {
                  labels: { severity: 'warning', job: 'shop', instance: 'shop:8080', mountpoint: '/data' },
                  annotations: { description: '/data on the host of shop:8080 (shop) is 90% full (threshold 85%).' },
                },
              ],
            },
            { name: 'stays quiet at 80% full', series: [series(m.filesystemUtilization.name, dataDisk, '0.8x40')], evalTime: '30m', expect: [] },
          ],
        },
        {
          severity: 'critical',
          threshold: s.filesystemCritical,
          tests: [
            {
              name: 'fires two minutes after a filesystem passes 95% full',
              series: [series(m.filesystemUtilization.name, dataDisk, '0.6x10 0.98x30')],
              evalTime: '13m',
              quietAt: ['12m'],
              expect: [
                {
                  labels: { severity: 'critical', job: 'shop', instance: 'shop:8080', mountpoint: '/data' },
                  annotations: { description: '/data on the host of shop:8080 (shop) is 98% full (threshold 95%).' },
                },
              ],
            },
            {
              name: 'stays quiet through a one-minute peak',
              series: [series(m.filesystemUtilization.name, dataDisk, '0.6x10 0.98 0.6x30')],
              evalTime: '30m',
              expect: [],
            },
          ],
        },
      ],
    ),

    alert({
      alert: 'HostFilesystemPredictedFull',
      // The left side gives the value (today's usage); the prediction of the ratio reaching 1 is df's "full".
      expr: `max by (${BY_MOUNT}) (${m.filesystemUtilization.name}) > ${s.filesystemPredictedFull.value} and max by (${BY_MOUNT}) (predict_linear(${m.filesystemUtilization.name}[6h], ${predictSeconds})) >= 1`,
      for: s.filesystemPredictedFull.for,
      severity: 'warning',
      summary: 'A filesystem is predicted to fill up.',
      description: `{{ $labels.mountpoint }} on the host of {{ $labels.instance }} ({{ $labels.job }}) is {{ $value | humanizePercentage }} full and, at the rate of the last 6 hours, will be full within ${s.filesystemPredictHours} hours.`,
      runbook: {
        meaning: `A filesystem more than ${percent(s.filesystemPredictedFull.value)} full has grown over the last 6 hours fast enough that a straight line through its usage reaches 100% within ${s.filesystemPredictHours} hours.`,
        impact: 'Nothing yet; when it fills, writes fail (see HostFilesystemFull). This is the time to act without hurry.',
        diagnosis: [
          `The trend: \`${m.filesystemUtilization.name}{job="<job>", instance="<instance>", mountpoint="<mountpoint>"}\` over the last day, and the prediction \`predict_linear(${m.filesystemUtilization.name}{job="<job>", instance="<instance>", mountpoint="<mountpoint>"}[6h], ${predictSeconds})\`.`,
          'On the host: `du -xh --max-depth=2 <mountpoint> | sort -h | tail`, twice a few minutes apart, shows what grows.',
        ],
        mitigation: ['Fix what writes too much (a debug log level left on, a missing log rotation, a stuck upload or retry loop).', 'Grow the volume before it fills.'],
        escalation: 'Ticket for the owning team; it pages as HostFilesystemFull if nobody acts.',
        dashboard: 'system',
      },
      tests: [
        {
          // 0.1% more a minute (6% an hour, full in well under 24 hours): above 50% from 195m.
          name: 'fires an hour after a growing filesystem passes 50% full',
          series: [series(m.filesystemUtilization.name, dataDisk, '0.3055+0.001x400'), series(m.filesystemUtilization.name, rootDisk, '0.4x400')],
          evalTime: '255m',
          quietAt: ['254m'],
          expect: [
            {
              labels: { severity: 'warning', job: 'shop', instance: 'shop:8080', mountpoint: '/data' },
              annotations: { description: '/data on the host of shop:8080 (shop) is 56.05% full and, at the rate of the last 6 hours, will be full within 24 hours.' },
            },
          ],
        },
        {
          name: 'stays quiet while a growing filesystem is below 50% full',
          series: [series(m.filesystemUtilization.name, dataDisk, '0.1+0.001x400')],
          evalTime: '390m',
          expect: [],
        },
        { name: 'stays quiet for a filesystem 80% full that does not grow', series: [series(m.filesystemUtilization.name, dataDisk, '0.8x400')], evalTime: '390m', expect: [] },
      ],
    }),

    alert({
      alert: 'NodeEventLoopLagHigh',
      expr: `max by (${BY_TARGET}) (${m.eventLoopLagP99.name}) > ${s.eventLoopLagSeconds.value}`,
      for: s.eventLoopLagSeconds.for,
      severity: 'warning',
      summary: 'The event loop of a Node.js process lags.',
      description: `The 99th percentile event loop lag of {{ $labels.instance }} ({{ $labels.job }}) is {{ $value | humanizeDuration }} (threshold ${s.eventLoopLagSeconds.value}s).`,
      runbook: {
        meaning: `Timers and I/O callbacks of a Node.js process started more than ${s.eventLoopLagSeconds.value}s late (99th percentile between scrapes) for ${s.eventLoopLagSeconds.for}: something blocks the event loop.`,
        impact: 'Every request on the process waits while the loop is blocked: latency rises for all routes at once, health checks may time out.',
        diagnosis: [
          `Lag against CPU: \`${m.eventLoopLagP99.name}{job="<job>", instance="<instance>"}\` and \`rate(${m.processCpu.name}{job="<job>", instance="<instance>"}[5m])\`; near 1 CPU second per second the process is CPU-bound.`,
          `GC share: \`rate(${sum(m.gcDuration)}{job="<job>", instance="<instance>"}[5m])\` (NodeGcTimeHigh).`,
          'Otherwise synchronous work blocks the loop (JSON of large bodies, sync fs or crypto, a hot regular expression): take a CPU profile (`node --cpu-prof`) under load.',
        ],
        mitigation: ['Scale out to spread the load; roll back a deploy that introduced the blocking code.', 'Move heavy synchronous work to worker threads or stream it.'],
        escalation: 'Ticket for the owning team; urgent when HttpLatencyP99High fires too.',
        dashboard: 'system',
      },
      tests: [
        {
          name: 'fires five minutes after the p99 lag passes the threshold',
          series: [series(m.eventLoopLagP99.name, target, '0.012x10 0.45x30')],
          evalTime: '16m',
          quietAt: ['15m'],
          expect: [
            {
              labels: { severity: 'warning', job: 'shop', instance: 'shop:8080' },
              annotations: { description: 'The 99th percentile event loop lag of shop:8080 (shop) is 450ms (threshold 0.2s).' },
            },
          ],
        },
        { name: 'stays quiet at a normal lag', series: [series(m.eventLoopLagP99.name, target, '0.015x40')], evalTime: '30m', expect: [] },
      ],
    }),

    alert({
      alert: 'NodeGcTimeHigh',
      // Seconds of GC pause per second of wall time, all kinds (minor, major, incremental, weakcb) together.
      expr: `sum by (${BY_TARGET}) (rate(${sum(m.gcDuration)}[5m])) > ${s.gcTimeRatio.value}`,
      for: s.gcTimeRatio.for,
      severity: 'warning',
      summary: 'A Node.js process spends too much time in garbage collection.',
      description: `{{ $labels.instance }} ({{ $labels.job }}) spent {{ $value | humanizePercentage }} of the last 5 minutes in garbage collection (threshold ${percent(s.gcTimeRatio.value)}).`,
      runbook: {
        meaning: `A Node.js process has spent more than ${percent(s.gcTimeRatio.value)} of wall time in garbage collection pauses for ${s.gcTimeRatio.for}: it allocates too fast or its heap is nearly full.`,
        impact: 'GC pauses stop the event loop: latency rises on every route; a heap near its limit ends in an out-of-memory crash.',
        diagnosis: [
          `GC time by kind: \`sum by (${label(m.gcDuration, 'kind')}) (rate(${sum(m.gcDuration)}{job="<job>", instance="<instance>"}[5m]))\`; mostly major means the old space is full.`,
          `Heap use against its size: \`${m.heapSizeUsed.name}{job="<job>", instance="<instance>"} / ${m.heapSizeTotal.name}{job="<job>", instance="<instance>"}\` and, per space, \`${m.heapSpaceSizeUsed.name}\`.`,
          'A heap that climbs after every major GC is a leak: compare two heap snapshots (`node --heapsnapshot-signal=SIGUSR2`).',
        ],
        mitigation: [
          'Restart the instance to buy time if the heap is near its limit; roll back a deploy that started it.',
          'Raise `--max-old-space-size` if the heap is legitimately larger; reduce allocation on hot paths (buffers, large JSON).',
        ],
        escalation: 'Ticket for the owning team; urgent when NodeEventLoopLagHigh or latency alerts fire too.',
        dashboard: 'system',
      },
      tests: [
        {
          // 2.5% of the time in GC, then 15% from minute 10: the 5-minute rate passes 10% at 13m.
          name: 'fires ten minutes after GC takes more than a tenth of the time',
          series: [
            series(sum(m.gcDuration), `${target},kind="minor"`, counterValues([{ steps: 10, perStep: 1.2 }, { steps: 30, perStep: 6 }])),
            series(sum(m.gcDuration), `${target},kind="major"`, counterValues([{ steps: 10, perStep: 0.3 }, { steps: 30, perStep: 3 }])),
          ],
          evalTime: '23m',
          quietAt: ['22m'],
          expect: [
            {
              labels: { severity: 'warning', job: 'shop', instance: 'shop:8080' },
              annotations: { description: 'shop:8080 (shop) spent 15% of the last 5 minutes in garbage collection (threshold 10%).' },
            },
          ],
        },
        {
          name: 'stays quiet at a few percent of GC',
          series: [
            series(sum(m.gcDuration), `${target},kind="minor"`, counterValues([{ steps: 40, perStep: 1.2 }])),
            series(sum(m.gcDuration), `${target},kind="major"`, counterValues([{ steps: 40, perStep: 0.3 }])),
          ],
          evalTime: '30m',
          expect: [],
        },
      ],
    }),

    alert({
      alert: 'ProcessRestarted',
      // prom-client's cluster aggregator omits process_start_time_seconds, so a
      // cluster primary's /metrics cannot show worker restarts; single processes can.
      expr: `max by (${BY_TARGET}) (changes(${m.processStartTime.name}[15m])) > 0`,
      for: '1m',
      severity: 'info',
      summary: 'A process restarted.',
      description: '{{ $labels.instance }} ({{ $labels.job }}) started anew {{ $value }} time(s) in the last 15 minutes.',
      runbook: {
        meaning: 'The start time a service process reports changed in the last 15 minutes while its target stayed the same: the process restarted in place (a deploy, a crash, an OOM kill).',
        impact: 'In-flight requests of the old process failed and in-memory state (caches, queues) was lost; repeated restarts mean an outage of that instance.',
        diagnosis: [
          `How often: \`changes(${m.processStartTime.name}{job="<job>", instance="<instance>"}[1h])\`.`,
          'Whether it was planned: the deploy history; otherwise the last log lines of the previous process, its exit code, and OOM kills in the kernel or container runtime log.',
          `Memory before the restart: \`${m.processResidentMemory.name}{job="<job>", instance="<instance>"}\`.`,
        ],
        mitigation: ['Nothing for a planned restart.', 'For a crash: roll back the deploy that introduced it, or raise the memory limit if it was OOM-killed while the cause is fixed.'],
        escalation: 'Informational (not routed); a crash loop shows as TargetDown, which pages.',
        dashboard: 'system',
      },
      tests: [
        {
          name: 'fires a minute after the start time changes',
          series: [series(m.processStartTime.name, target, '1750000000x10 1750000660x30')],
          evalTime: '12m',
          quietAt: ['11m'],
          expect: [{ labels: { severity: 'info', job: 'shop', instance: 'shop:8080' }, annotations: { description: 'shop:8080 (shop) started anew 1 time(s) in the last 15 minutes.' } }],
        },
        { name: 'stays quiet while the process keeps running', series: [series(m.processStartTime.name, target, '1750000000x40')], evalTime: '30m', expect: [] },
        {
          name: 'stays quiet again 15 minutes after the restart',
          series: [series(m.processStartTime.name, target, '1750000000x10 1750000660x30')],
          evalTime: '27m',
          expect: [],
        },
      ],
    }),

    alert({
      alert: 'ProcessFileDescriptorsNearLimit',
      expr: `max by (${BY_TARGET}) (${m.processOpenFds.name}) / max by (${BY_TARGET}) (${m.processMaxFds.name}) > ${s.fileDescriptorsRatio.value}`,
      for: s.fileDescriptorsRatio.for,
      severity: 'warning',
      summary: 'A process is running out of file descriptors.',
      description: `{{ $labels.instance }} ({{ $labels.job }}) uses {{ $value | humanizePercentage }} of its file descriptor limit (threshold ${percent(s.fileDescriptorsRatio.value)}).`,
      runbook: {
        meaning: `A process holds more than ${percent(s.fileDescriptorsRatio.value)} of the file descriptors it may open (sockets, files, pipes).`,
        impact: 'At the limit, accepting connections and opening files fail with EMFILE: requests error out.',
        diagnosis: [
          `The trend: \`${m.processOpenFds.name}{job="<job>", instance="<instance>"}\`; a steady climb is a leak, a jump follows load.`,
          'What they are: `ls -l /proc/<pid>/fd | awk \'{print $NF}\' | sort | uniq -c | sort -n | tail` on the host; many sockets to one peer point at a connection pool without a limit or keep-alive sockets never closed.',
        ],
        mitigation: ['Restart the instance to buy time if it leaks; fix the leak (close streams, bound pools).', 'Raise the limit (`ulimit -n`, `LimitNOFILE=`) if the load legitimately needs more.'],
        escalation: 'Ticket for the owning team; page if it reaches the limit and requests fail.',
        dashboard: 'system',
      },
      tests: [
        {
          name: 'fires five minutes after open descriptors pass 80% of the limit',
          series: [series(m.processOpenFds.name, target, '100x10 900x30'), series(m.processMaxFds.name, target, '1024x40')],
          evalTime: '16m',
          quietAt: ['15m'],
          expect: [
            {
              labels: { severity: 'warning', job: 'shop', instance: 'shop:8080' },
              annotations: { description: 'shop:8080 (shop) uses 87.89% of its file descriptor limit (threshold 80%).' },
            },
          ],
        },
        { name: 'stays quiet at half the limit', series: [series(m.processOpenFds.name, target, '512x40'), series(m.processMaxFds.name, target, '1024x40')], evalTime: '30m', expect: [] },
      ],
    }),
  ]);
}
