// The process's control group: its memory limit and usage, its CPU quota and
// how often it was throttled, from cgroup v2 files or, failing those, v1's.
// A container's limits are what an OOM kill and CPU throttling answer to, not
// the host's memory and CPUs. Nothing is exported where no cgroup is mounted
// (not Linux); a limit is 0 where none is set. Built from catalog/system.ts;
// the files are read at scrape time (only registration looks, once, whether they exist).
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CounterSpec, GaugeSpec } from '../catalog/spec.ts';
import { systemMetrics as spec } from '../catalog/system.ts';

export interface ContainerMetricsOptions {
  /** Where the cgroup filesystem is mounted (default /sys/fs/cgroup); tests point it at fixtures. */
  readonly cgroupRoot?: string;
}

/** One reading of the cgroup; undefined fields were not found or are unlimited. */
export interface CgroupSample {
  readonly memoryLimitBytes?: number;
  readonly memoryUsageBytes?: number;
  readonly cpuLimitCpus?: number;
  readonly cpuPeriods?: number;
  readonly cpuThrottledPeriods?: number;
  readonly cpuThrottledSeconds?: number;
}

/** v1 reports "no limit" as a huge page-aligned number (2^63 rounded down to a page). */
const V1_UNLIMITED = 2 ** 60;

const text = (path: string) => readFile(path, 'utf8').then((t) => t.trim(), () => undefined);
const num = (t: string | undefined) => (t === undefined || t === '' || !Number.isFinite(Number(t)) ? undefined : Number(t));

/** `key value` lines of a cpu.stat file. */
function statFields(t: string | undefined): Map<string, number> {
  const fields = new Map<string, number>();
  for (const line of (t ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key !== undefined && value !== undefined && Number.isFinite(Number(value))) fields.set(key, Number(value));
  }
  return fields;
}

/** Usage less the inactive file cache the kernel reclaims before an OOM kill: the working set, as cAdvisor and the kubelet count it. */
function workingSet(usage: number | undefined, inactiveFile: number | undefined): number | undefined {
  return usage === undefined ? undefined : Math.max(0, usage - (inactiveFile ?? 0));
}

async function readV2(root: string): Promise<CgroupSample> {
  const [memMax, memCurrent, memStat, cpuMax, cpuStat] = await Promise.all(['memory.max', 'memory.current', 'memory.stat', 'cpu.max', 'cpu.stat'].map((f) => text(join(root, f))));
  const [quota, period] = (cpuMax ?? '').split(/\s+/);
  const stat = statFields(cpuStat);
  const throttledUsec = stat.get('throttled_usec');
  return {
    memoryLimitBytes: memMax === 'max' ? undefined : num(memMax),
    memoryUsageBytes: workingSet(num(memCurrent), statFields(memStat).get('inactive_file')),
    cpuLimitCpus: quota === 'max' || num(quota) === undefined || !num(period) ? undefined : num(quota)! / num(period)!,
    cpuPeriods: stat.get('nr_periods'),
    cpuThrottledPeriods: stat.get('nr_throttled'),
    cpuThrottledSeconds: throttledUsec === undefined ? undefined : throttledUsec / 1e6,
  };
}

async function readV1(root: string): Promise<CgroupSample> {
  const [limit, usage, memStat, quota, period, cpuStat] = await Promise.all(
    ['memory/memory.limit_in_bytes', 'memory/memory.usage_in_bytes', 'memory/memory.stat', 'cpu/cpu.cfs_quota_us', 'cpu/cpu.cfs_period_us', 'cpu/cpu.stat'].map((f) => text(join(root, f))),
  );
  const stat = statFields(cpuStat);
  const throttledNs = stat.get('throttled_time');
  const q = num(quota);
  const p = num(period);
  const l = num(limit);
  return {
    memoryLimitBytes: l === undefined || l >= V1_UNLIMITED ? undefined : l,
    memoryUsageBytes: workingSet(num(usage), statFields(memStat).get('total_inactive_file')),
    cpuLimitCpus: q === undefined || q < 0 || !p ? undefined : q / p,
    cpuPeriods: stat.get('nr_periods'),
    cpuThrottledPeriods: stat.get('nr_throttled'),
    cpuThrottledSeconds: throttledNs === undefined ? undefined : throttledNs / 1e9,
  };
}

/** Whether `root` holds a cgroup v2 hierarchy or v1's memory controller. */
export function hasCgroup(root = '/sys/fs/cgroup'): boolean {
  return existsSync(join(root, 'cgroup.controllers')) || existsSync(join(root, 'memory', 'memory.limit_in_bytes'));
}

/** The cgroup under `root`: v2 when its unified hierarchy is mounted there, else v1's controllers. */
export async function readCgroup(root = '/sys/fs/cgroup'): Promise<CgroupSample> {
  return (await text(join(root, 'cgroup.controllers'))) !== undefined ? readV2(root) : readV1(root);
}

export function registerContainerMetrics(registry: Registry, options: ContainerMetricsOptions = {}): void {
  const root = options.cgroupRoot ?? '/sys/fs/cgroup';
  if (!hasCgroup(root)) return;
  // One read per scrape for all six metrics: the first collect starts it, the others share it.
  let pending: Promise<CgroupSample> | undefined;
  const sample = () => (pending ??= readCgroup(root).finally(() => setTimeout(() => (pending = undefined), 0)));

  const gauge = (s: GaugeSpec, field: keyof CgroupSample) => {
    const g: Gauge = new Gauge({
      name: s.name,
      help: s.help,
      registers: [registry],
      // Workers of one container share its cgroup: max, not the cluster aggregator's default sum.
      aggregator: 'max',
      collect: async () => {
        g.set((await sample())[field] ?? 0);
      },
    });
  };
  // Cumulative kernel counters: exposed as they are, never decreasing.
  const counter = (s: CounterSpec, field: keyof CgroupSample) => {
    let counted = 0;
    const c: Counter = new Counter({
      name: s.name,
      help: s.help,
      registers: [registry],
      aggregator: 'max',
      collect: async () => {
        const v = (await sample())[field];
        if (v === undefined) return c.reset();
        if (v > counted) c.inc(v - counted);
        counted = Math.max(counted, v);
      },
    });
  };
  gauge(spec.cgroupMemoryLimit, 'memoryLimitBytes');
  gauge(spec.cgroupMemoryUsage, 'memoryUsageBytes');
  gauge(spec.cgroupCpuLimit, 'cpuLimitCpus');
  counter(spec.cgroupCpuPeriods, 'cpuPeriods');
  counter(spec.cgroupCpuThrottledPeriods, 'cpuThrottledPeriods');
  counter(spec.cgroupCpuThrottled, 'cpuThrottledSeconds');
}
