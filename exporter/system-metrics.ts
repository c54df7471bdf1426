// Host metrics (CPU, memory, filesystems) and prom-client's runtime metrics,
// built from catalog/system.ts. Values are read at scrape time in
// collect() callbacks; nothing here does synchronous file I/O.
import { readFile, statfs as fsStatfs } from 'node:fs/promises';
import os from 'node:os';
import { Counter, Gauge, collectDefaultMetrics, type Registry } from 'prom-client';
import type { CounterSpec, GaugeSpec } from '../catalog/spec.ts';
import { CPU_STATES, GC_DURATION_BUCKETS, systemMetrics as spec } from '../catalog/system.ts';
import { registerContainerMetrics } from './container-metrics.ts';
import { registerRuntimeMetrics } from './runtime-metrics.ts';

/** The fields of fs.StatFs the filesystem metrics use. */
export interface StatFsResult {
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
}

export interface HostMetricsOptions {
  /** Paths to report. Default: the real filesystems in /proc/mounts (['/'] where there is none). */
  filesystemMountpoints?: readonly string[];
  /** Most filesystems reported, a bound on label cardinality. Default 32. */
  maxMountpoints?: number;
  /** A mount whose statfs takes longer (hung NFS) is left out of that scrape. Default 1000. */
  statfsTimeoutMs?: number;
  /** For tests only: replaces fs.promises.statfs. */
  statfs?: (path: string) => Promise<StatFsResult>;
}

export function registerHostMetrics(registry: Registry, options: HostMetricsOptions = {}): void {
  registerCpu(registry);
  registerMemory(registry);
  registerFilesystems(registry, options);
}

/** prom-client's default metrics, with the catalog's GC buckets so both agree, and the runtime and cgroup signals it lacks. */
export function registerProcessMetrics(registry: Registry): void {
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: 10,
    gcDurationBuckets: [...GC_DURATION_BUCKETS],
  });
  registerRuntimeMetrics(registry);
  registerContainerMetrics(registry);
}

// Host metrics read the same host in every cluster worker: the cluster
// aggregator takes their max, where its default (sum) would multiply them.
function gaugeFrom<L extends string>(s: GaugeSpec<L>, registry: Registry, collect: (g: Gauge<L>) => void | Promise<void>): void {
  const g: Gauge<L> = new Gauge({ name: s.name, help: s.help, labelNames: s.labels, registers: [registry], aggregator: 'max', collect: () => collect(g) });
}

function counterFrom<L extends string>(s: CounterSpec<L>, registry: Registry, collect: (c: Counter<L>) => void): void {
  const c: Counter<L> = new Counter({ name: s.name, help: s.help, labelNames: s.labels, registers: [registry], aggregator: 'max', collect: () => collect(c) });
}

// ---- CPU ----------------------------------------------------------------

type CpuState = (typeof CPU_STATES)[number];
type CpuTimes = Record<CpuState, number>;

/** Milliseconds per state summed over CPUs, cumulative since boot. */
function cpuTimes(): CpuTimes {
  const t: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, irq: 0 };
  for (const { times } of os.cpus()) {
    t.user += times.user;
    t.nice += times.nice;
    t.system += times.sys;
    t.idle += times.idle;
    t.irq += times.irq;
  }
  return t;
}

const SINCE_BOOT: CpuTimes = { user: 0, nice: 0, system: 0, idle: 0, irq: 0 };
// Shorter windows hold a handful of clock ticks (10 ms each): too noisy to plot.
const MIN_CPU_WINDOW_MS = 1000;

function busyShare(from: CpuTimes, to: CpuTimes): number | undefined {
  const total = CPU_STATES.reduce((sum, s) => sum + to[s] - from[s], 0);
  if (total <= 0) return undefined;
  return Math.min(1, Math.max(0, 1 - (to.idle - from.idle) / total));
}

function registerCpu(registry: Registry): void {
  let base = { at: performance.now(), times: cpuTimes() };
  let last: number | undefined;
  gaugeFrom(spec.cpuUtilization, registry, (g) => {
    const now = performance.now();
    const young = now - base.at < MIN_CPU_WINDOW_MS;
    if (!young || last === undefined) {
      const times = cpuTimes();
      // A scrape right after registration has no window of 1 s yet: report since boot.
      last = busyShare(young ? SINCE_BOOT : base.times, times) ?? last ?? 0;
      if (!young) base = { at: now, times };
    }
    g.set(last);
  });

  // Exposes the cumulative since-boot value, like node_exporter, so rate() is exact.
  const counted: CpuTimes = { ...SINCE_BOOT };
  counterFrom(spec.cpuTime, registry, (c) => {
    const now = cpuTimes();
    for (const state of CPU_STATES) {
      // Only move forward: a CPU going offline shrinks the sum, and counters never decrease.
      // inc(0) still creates the series, so a state that stays at zero is exported.
      const delta = now[state] - counted[state];
      c.inc({ state }, delta > 0 ? delta / 1000 : 0);
      if (delta > 0) counted[state] = now[state];
    }
  });

  gaugeFrom(spec.cpuLogicalCount, registry, (g) => g.set(os.cpus().length || os.availableParallelism()));
}

// ---- Memory -------------------------------------------------------------

// On Linux libuv's os.freemem() is MemAvailable from /proc/meminfo (page cache
// that can be dropped counts as available), which is what the ratio needs.
function registerMemory(registry: Registry): void {
  gaugeFrom(spec.memoryLimit, registry, (g) => g.set(os.totalmem()));
  gaugeFrom(spec.memoryAvailable, registry, (g) => g.set(os.freemem()));
  gaugeFrom(spec.memoryUtilization, registry, (g) => {
    const total = os.totalmem();
    if (total > 0) g.set(Math.min(1, Math.max(0, 1 - os.freemem() / total)));
  });
}

// ---- Filesystems --------------------------------------------------------

interface Mount {
  readonly mountpoint: string;
  readonly device: string;
  readonly type: string;
}

/**
 * Kernel and runtime filesystems that hold no user data (node_exporter's
 * default exclusions, plus tmpfs and ramfs, which are memory already counted
 * by the memory metrics). iso9660, squashfs and erofs are read-only images,
 * always 100% full: they would only trip disk-full alerts.
 */
const PSEUDO_TYPES = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'efivarfs',
  'erofs', 'fusectl', 'hugetlbfs', 'iso9660', 'mqueue', 'nsfs', 'proc', 'procfs', 'pstore', 'ramfs',
  'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs', 'sysfs', 'tmpfs', 'tracefs',
]);

/** node_exporter's default mount-point exclusions: kernel trees and other containers' layers. */
const PSEUDO_MOUNTPOINTS = /^\/(dev|proc|sys|run\/credentials\/.+|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;

/** Files Docker and Kubernetes bind-mount from the node's disk: the node's disk again, under a file name. */
const RUNTIME_FILE_MOUNTS = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/dev/termination-log']);

function isReal(m: Mount): boolean {
  if (PSEUDO_TYPES.has(m.type) || PSEUDO_MOUNTPOINTS.test(m.mountpoint) || RUNTIME_FILE_MOUNTS.has(m.mountpoint)) return false;
  // In a container `/` is overlay, the writable layer that fills up and gets pods
  // evicted: keep it. Elsewhere overlay mounts are other containers' roots
  // (/run/containerd/..., one per container), duplicates of the disk below.
  return m.type !== 'overlay' || m.mountpoint === '/';
}

/** /proc/mounts escapes space, tab, newline and backslash as \ooo. */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount table, the last mount at a mount point winning (it hides the earlier ones). */
async function readMounts(): Promise<Map<string, Mount> | undefined> {
  if (process.platform !== 'linux') return undefined;
  let text: string;
  try {
    text = await readFile('/proc/mounts', 'utf8');
  } catch {
    return undefined;
  }
  const mounts = new Map<string, Mount>();
  for (const line of text.split('\n')) {
    const [device, mountpoint, type] = line.split(' ');
    if (device === undefined || mountpoint === undefined || type === undefined) continue;
    const m = { device: unescapeMount(device), mountpoint: unescapeMount(mountpoint), type };
    mounts.set(m.mountpoint, m); // keeps the first position, so `/` stays first for the cap
  }
  return mounts;
}

/** The mount holding `path`: longest mount point that is a prefix of it. */
function containingMount(path: string, mounts: Map<string, Mount> | undefined): Mount {
  let best: Mount | undefined;
  for (const m of mounts?.values() ?? []) {
    const inside = path === m.mountpoint || path.startsWith(m.mountpoint === '/' ? '/' : `${m.mountpoint}/`);
    if (inside && (best === undefined || m.mountpoint.length > best.mountpoint.length)) best = m;
  }
  return { mountpoint: path, device: best?.device ?? 'unknown', type: best?.type ?? 'unknown' };
}

async function mountsToReport(options: HostMetricsOptions, max: number): Promise<Mount[]> {
  const mounts = await readMounts();
  if (options.filesystemMountpoints !== undefined) {
    return [...new Set(options.filesystemMountpoints)].slice(0, max).map((p) => containingMount(p, mounts));
  }
  if (mounts === undefined) return [containingMount('/', undefined)];
  return [...mounts.values()].filter(isReal).slice(0, max);
}

interface FilesystemSample extends Mount {
  readonly limit: number;
  readonly used: number;
  readonly available: number;
}

function registerFilesystems(registry: Registry, options: HostMetricsOptions): void {
  const statfs = options.statfs ?? ((path: string) => fsStatfs(path));
  const timeoutMs = options.statfsTimeoutMs ?? 1000;
  const max = options.maxMountpoints ?? 32;
  // A hung statfs holds a libuv thread-pool thread (4 by default) until the kernel
  // answers; never start a second one on the same mount, or scrapes would drain the pool.
  const pending = new Set<string>();

  async function statWithin(path: string): Promise<StatFsResult | undefined> {
    if (pending.has(path)) return undefined;
    pending.add(path);
    const call = statfs(path).finally(() => pending.delete(path));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(resolve, timeoutMs, undefined);
    });
    try {
      return await Promise.race([call, timeout]);
    } catch {
      return undefined; // ENOENT, EACCES, ...: skipped for this scrape
    } finally {
      clearTimeout(timer);
    }
  }

  async function sample(): Promise<FilesystemSample[]> {
    const mounts = await mountsToReport(options, max);
    const stats = await Promise.all(mounts.map((m) => statWithin(m.mountpoint)));
    return mounts.flatMap((m, i) => {
      const s = stats[i];
      if (s === undefined) return [];
      const used = (s.blocks - s.bfree) * s.bsize;
      return [{ ...m, limit: s.blocks * s.bsize, used, available: s.bavail * s.bsize }];
    });
  }

  // The three gauges are collected concurrently in one scrape: share one sweep.
  let inflight: Promise<FilesystemSample[]> | undefined;
  const sweep = () => (inflight ??= sample().finally(() => (inflight = undefined)));

  const fsGauge = (s: typeof spec.filesystemLimit, value: (f: FilesystemSample) => number) =>
    gaugeFrom(s, registry, async (g) => {
      const samples = await sweep();
      g.reset(); // a mount that failed this time must not keep its old value
      for (const f of samples) g.set({ mountpoint: f.mountpoint, device: f.device, type: f.type }, value(f));
    });
  fsGauge(spec.filesystemLimit, (f) => f.limit);
  fsGauge(spec.filesystemUsage, (f) => f.used);
  // df's Use%: blocks reserved for root count neither as used nor as available.
  fsGauge(spec.filesystemUtilization, (f) => (f.used + f.available > 0 ? f.used / (f.used + f.available) : 0));
}
