// Host and runtime metrics, checked against this machine: df, /proc and promtool.
import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { beforeAll, describe, expect, it } from 'vitest';
import type { MetricSpec } from '../../catalog/spec.ts';
import { CPU_STATES, systemMetrics } from '../../catalog/system.ts';
import { validateSpec } from '../../exporter/naming.ts';
import { type HostMetricsOptions, type StatFsResult, registerHostMetrics, registerProcessMetrics } from '../../exporter/system-metrics.ts';
import { checkMetrics, KNOWN_LINT_EXCEPTIONS } from '../support/promtool.ts';
import { parseSamples } from '../support/samples.ts';

const specs: MetricSpec[] = Object.values(systemMetrics);
const hostSpecs = specs.filter((s) => s.source === 'exporter');
const linux = process.platform === 'linux';


const series = (text: string, name: string) => parseSamples(text).filter((s) => s.name === name);

function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return series(text, name).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function hostScrape(options?: HostMetricsOptions): Promise<{ registry: Registry; scrape: () => Promise<string> }> {
  const registry = new Registry();
  registerHostMetrics(registry, options);
  return { registry, scrape: () => registry.metrics() };
}

function burnCpu(ms: number): void {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  expect(x).toBeGreaterThan(0);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the full exposition (host and prom-client metrics)', () => {
  let text = '';

  beforeAll(async () => {
    const registry = new Registry();
    registerHostMetrics(registry);
    registerProcessMetrics(registry);
    // nodejs_gc_duration_seconds has series only after a GC: make garbage until one is observed.
    for (let i = 0; i < 50 && !text.includes('nodejs_gc_duration_seconds_bucket'); i++) {
      let junk: number[][] = [];
      for (let j = 0; j < 20_000; j++) junk.push(new Array(64).fill(j));
      junk = [];
      await sleep(20);
      text = await registry.metrics();
    }
  });

  it('contains every metric of the system catalog, histograms with their _bucket series', () => {
    for (const s of specs) {
      const present = s.type === 'histogram' ? text.includes(`\n${s.name}_bucket{`) : text.includes(`\n# TYPE ${s.name} ${s.type}\n`);
      expect(present, s.name).toBe(true);
    }
  });

  it('declares help and type exactly as the exposition prints them', () => {
    for (const s of specs) {
      expect(text, s.name).toContain(`# HELP ${s.name} ${s.help}\n# TYPE ${s.name} ${s.type}\n`);
    }
  });

  it('exports no family that the catalog does not declare', () => {
    const exported = [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]);
    expect(exported.sort()).toEqual(specs.map((s) => s.name).sort());
  });

  it('labels every series with exactly the labels its spec declares', () => {
    for (const s of specs) {
      const expected = [...s.labels].sort();
      for (const sample of parseSamples(text)) {
        const own = sample.name === s.name || (s.type === 'histogram' && sample.name.startsWith(`${s.name}_`));
        if (!own) continue;
        const names = Object.keys(sample.labels).filter((l) => !(l === 'le' && sample.name.endsWith('_bucket')));
        expect(names.sort(), sample.name).toEqual(expected);
        for (const [label, allowed] of Object.entries(s.values ?? {})) expect(allowed, `${sample.name} ${label}`).toContain(sample.labels[label]);
      }
    }
  });

  it('keeps every ratio between 0 and 1', () => {
    const ratios = specs.filter((s) => s.unit === 'ratio');
    expect(ratios.length).toBeGreaterThanOrEqual(3);
    for (const s of ratios) {
      const found = series(text, s.name);
      expect(found.length, s.name).toBeGreaterThan(0);
      for (const r of found) {
        expect(r.value, s.name).toBeGreaterThanOrEqual(0);
        expect(r.value, s.name).toBeLessThanOrEqual(1);
      }
    }
  });

  it('passes promtool check metrics, except prom-client\'s nodejs_active_*_total gauges', async () => {
    const { code, lines } = await checkMetrics(text);
    expect(lines.filter((l) => !KNOWN_LINT_EXCEPTIONS.some((name) => l.startsWith(`${name} `)))).toEqual([]);
    expect([0, 3]).toContain(code); // 3: lint findings only (the known exception), 1 would be a parse error
  });
});

describe('host metric specs', () => {
  it('obey the project naming rules', () => {
    for (const s of hostSpecs) expect(() => validateSpec(s)).not.toThrow();
    // 9 host metrics, the event loop's time and the heap limit, and 6 of the process's cgroup.
    expect(hostSpecs.length).toBe(17);
  });
});

describe('cpu metrics', () => {
  it('never decrease the cpu time counters between scrapes', async () => {
    const { scrape } = await hostScrape();
    const first = await scrape();
    burnCpu(50);
    await sleep(20);
    const second = await scrape();
    for (const state of CPU_STATES) {
      const a = value(first, systemMetrics.cpuTime.name, { state });
      const b = value(second, systemMetrics.cpuTime.name, { state });
      expect(a, state).toBeDefined();
      expect(b!, state).toBeGreaterThanOrEqual(a!);
    }
    // Cumulative since boot, like /proc/stat: far more than this process has used.
    expect(value(second, systemMetrics.cpuTime.name, { state: 'idle' })).toBeGreaterThan(0);
  });

  it('reports the cpu utilisation of a busy core when scrapes are more than a second apart', async () => {
    const { scrape } = await hostScrape();
    await scrape();
    burnCpu(1200);
    const busy = value(await scrape(), systemMetrics.cpuUtilization.name)!;
    // One core of N is busy for the whole window; allow for quota and scheduling noise.
    expect(busy).toBeGreaterThan(0.25 / os.cpus().length);
    expect(busy).toBeLessThanOrEqual(1);
  });

  it('reuses the last utilisation when scraped again within a second', async () => {
    const { scrape } = await hostScrape();
    const a = value(await scrape(), systemMetrics.cpuUtilization.name);
    burnCpu(100);
    const b = value(await scrape(), systemMetrics.cpuUtilization.name);
    expect(b).toBe(a);
  });

  it('counts the logical cpus', async () => {
    const { scrape } = await hostScrape();
    expect(value(await scrape(), systemMetrics.cpuLogicalCount.name)).toBe(os.cpus().length);
  });
});

describe('memory metrics', () => {
  it.skipIf(!linux)('report MemAvailable from /proc/meminfo as available memory', async () => {
    const { scrape } = await hostScrape();
    const [meminfo, text] = await Promise.all([readFile('/proc/meminfo', 'utf8'), scrape()]);
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(meminfo)![1]) * 1024;
    expect(value(text, systemMetrics.memoryLimit.name)).toBe(kb('MemTotal'));
    // Other processes allocate between the two reads: 1% of RAM of slack.
    expect(Math.abs(value(text, systemMetrics.memoryAvailable.name)! - kb('MemAvailable'))).toBeLessThan(kb('MemTotal') * 0.01);
    const utilization = value(text, systemMetrics.memoryUtilization.name)!;
    expect(utilization).toBeCloseTo(1 - kb('MemAvailable') / kb('MemTotal'), 2);
  });
});

describe('filesystem metrics', () => {
  const root = { mountpoint: '/' };

  it('report the root filesystem with the Use% that df -P prints, within 2 points', async () => {
    const { scrape } = await hostScrape();
    const [text, df] = await Promise.all([scrape(), promisify(execFile)('df', ['-P', '/'])]);
    const usePercent = Number(/ (\d+)% /.exec(df.stdout.split('\n')[1] ?? '')![1]);
    const ratio = value(text, systemMetrics.filesystemUtilization.name, root);
    expect(ratio).toBeDefined();
    expect(Math.abs(ratio! * 100 - usePercent)).toBeLessThanOrEqual(2);
    const s = await statfs('/');
    expect(value(text, systemMetrics.filesystemLimit.name, root)).toBe(s.blocks * s.bsize);
    expect(value(text, systemMetrics.filesystemUsage.name, root)).toBeGreaterThan(0);
  });

  it.skipIf(!linux)('discover real filesystems from /proc/mounts and leave pseudo ones out', async () => {
    const { scrape } = await hostScrape();
    const found = series(await scrape(), systemMetrics.filesystemLimit.name);
    const mountpoints = found.map((s) => s.labels.mountpoint);
    expect(mountpoints).toContain('/');
    expect(new Set(mountpoints).size).toBe(mountpoints.length);
    for (const s of found) {
      expect(['proc', 'sysfs', 'tmpfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'mqueue']).not.toContain(s.labels.type);
      expect(s.labels.mountpoint).not.toMatch(/^\/(proc|sys|dev)(\/|$)/);
    }
  });

  it('skip a mountpoint that does not exist without failing the scrape', async () => {
    const { scrape } = await hostScrape({ filesystemMountpoints: ['/', '/no/such/mountpoint'] });
    const text = await scrape();
    expect(value(text, systemMetrics.filesystemUsage.name, root)).toBeGreaterThan(0);
    expect(value(text, systemMetrics.filesystemUsage.name, { mountpoint: '/no/such/mountpoint' })).toBeUndefined();
  });

  it('leave out a mount whose statfs hangs past the timeout, and do not ask it again while it hangs', async () => {
    let hungCalls = 0;
    const statfsStub = (path: string): Promise<StatFsResult> => {
      if (path !== '/hung') return statfs(path);
      hungCalls++;
      return new Promise(() => {}); // a dead NFS server: never answers
    };
    const { scrape } = await hostScrape({ filesystemMountpoints: ['/', '/hung'], statfsTimeoutMs: 100, statfs: statfsStub });
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      const text = await scrape();
      expect(performance.now() - started).toBeLessThan(1000);
      expect(value(text, systemMetrics.filesystemLimit.name, { mountpoint: '/hung' })).toBeUndefined();
      expect(value(text, systemMetrics.filesystemLimit.name, root)).toBeGreaterThan(0);
    }
    expect(hungCalls).toBe(1);
  });

  it('drop the series of a mount that fails after having answered, instead of keeping stale values', async () => {
    let calls = 0;
    const flaky = (): Promise<StatFsResult> =>
      ++calls === 1 ? Promise.resolve({ bsize: 4096, blocks: 100, bfree: 40, bavail: 30 }) : Promise.reject(new Error('EIO'));
    const { scrape } = await hostScrape({ filesystemMountpoints: ['/flaky'], statfs: flaky });
    const first = await scrape();
    const at = { mountpoint: '/flaky' };
    expect(value(first, systemMetrics.filesystemLimit.name, at)).toBe(409_600);
    expect(value(first, systemMetrics.filesystemUsage.name, at)).toBe(245_760);
    expect(value(first, systemMetrics.filesystemUtilization.name, at)).toBeCloseTo(60 / 90, 10);
    const second = await scrape();
    for (const s of [systemMetrics.filesystemLimit, systemMetrics.filesystemUsage, systemMetrics.filesystemUtilization]) {
      expect(series(second, s.name), s.name).toEqual([]);
    }
    expect(calls).toBe(2); // one statfs per scrape, shared by the three gauges
  });

  it('report at most maxMountpoints filesystems', async () => {
    const { scrape } = await hostScrape({ filesystemMountpoints: ['/', '/usr', '/etc', '/tmp', '/var'], maxMountpoints: 2 });
    expect(series(await scrape(), systemMetrics.filesystemLimit.name).map((s) => s.labels.mountpoint)).toEqual(['/', '/usr']);
  });
});
