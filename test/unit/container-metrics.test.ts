// The cgroup reader on fixture trees laid out as the kernel mounts them: v2's
// unified files, v1's per-controller folders, limits set and unlimited, and no
// cgroup at all; and what the registry exposes from them.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, test } from 'vitest';
import { catalog } from '../../catalog/index.ts';
import { hasCgroup, readCgroup, registerContainerMetrics } from '../../exporter/container-metrics.ts';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'cgroup-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const v2 = (memMax: string, cpuMax: string) =>
  tree({
    'cgroup.controllers': 'cpuset cpu io memory pids\n',
    'memory.max': `${memMax}\n`,
    'memory.current': '436207616\n',
    'memory.stat': 'anon 300000000\nfile 100000000\ninactive_file 33554432\nactive_file 66445568\n',
    'cpu.max': `${cpuMax}\n`,
    'cpu.stat': 'usage_usec 123\nuser_usec 100\nsystem_usec 23\nnr_periods 1000\nnr_throttled 250\nthrottled_usec 7500000\n',
  });

const v1 = (limit: string, quota: string) =>
  tree({
    'memory/memory.limit_in_bytes': `${limit}\n`,
    'memory/memory.usage_in_bytes': '285212672\n',
    'memory/memory.stat': 'cache 30000000\ntotal_inactive_file 16777216\n',
    'cpu/cpu.cfs_quota_us': `${quota}\n`,
    'cpu/cpu.cfs_period_us': '100000\n',
    'cpu/cpu.stat': 'nr_periods 40\nnr_throttled 10\nthrottled_time 2500000000\n',
  });

describe('reading the cgroup', () => {
  test('v2: a 512 MiB limit, the working set (usage less inactive file cache) and a quota of half a CPU, with the throttling counters', async () => {
    expect(await readCgroup(await v2('536870912', '50000 100000'))).toEqual({
      memoryLimitBytes: 536870912,
      memoryUsageBytes: 402653184,
      cpuLimitCpus: 0.5,
      cpuPeriods: 1000,
      cpuThrottledPeriods: 250,
      cpuThrottledSeconds: 7.5,
    });
  });

  test('v2: "max" is no limit', async () => {
    expect(await readCgroup(await v2('max', 'max 100000'))).toMatchObject({ memoryLimitBytes: undefined, cpuLimitCpus: undefined, memoryUsageBytes: 402653184 });
  });

  test('v1: limit_in_bytes, the working set and cfs quota/period; the page-aligned 2^63 and a quota of -1 are no limit', async () => {
    expect(await readCgroup(await v1('1073741824', '200000'))).toEqual({
      memoryLimitBytes: 1073741824,
      memoryUsageBytes: 268435456,
      cpuLimitCpus: 2,
      cpuPeriods: 40,
      cpuThrottledPeriods: 10,
      cpuThrottledSeconds: 2.5,
    });
    expect(await readCgroup(await v1('9223372036854771712', '-1'))).toMatchObject({ memoryLimitBytes: undefined, cpuLimitCpus: undefined });
  });

  test('no cgroup mounted: nothing to read, nothing registered', async () => {
    const empty = await tree({ 'unrelated.txt': '' });
    expect(hasCgroup(empty)).toBe(false);
    const registry = new Registry();
    registerContainerMetrics(registry, { cgroupRoot: empty });
    expect(await registry.metrics()).toBe('\n');
  });
});

test('the registry exposes the cgroup of a container limited to 512 MiB and half a CPU, a missing limit as 0', async () => {
  const registry = new Registry();
  registerContainerMetrics(registry, { cgroupRoot: await v2('536870912', '50000 100000') });
  const c = catalog.system;
  const text = await registry.metrics();
  for (const [name, value] of [
    [c.cgroupMemoryLimit.name, 536870912],
    [c.cgroupMemoryUsage.name, 402653184],
    [c.cgroupCpuLimit.name, 0.5],
    [c.cgroupCpuPeriods.name, 1000],
    [c.cgroupCpuThrottledPeriods.name, 250],
    [c.cgroupCpuThrottled.name, 7.5],
  ] as const) {
    expect(text, name).toContain(`\n${name} ${value}\n`);
  }
  const unlimited = new Registry();
  registerContainerMetrics(unlimited, { cgroupRoot: await v2('max', 'max 100000') });
  expect(await unlimited.metrics()).toContain(`\n${c.cgroupMemoryLimit.name} 0\n`);
});
