// What the system alerts share: one series per process target, the
// dashboard they open, and the test inputs of a demo target and its disks.
import { catalog } from '../../../catalog/index.ts';
import { label } from '../../../signals/promql.ts';

const fs = catalog.system.filesystemUtilization;

/**
 * `max by` these keeps one series per target (a process), which also drops
 * any other target labels a scrape config adds: one alert names one process.
 */
export const BY_TARGET = 'job, instance';
export const mountpoint = label(fs, 'mountpoint');
/** Disks: one series per target and mountpoint. */
export const BY_MOUNT = `${BY_TARGET}, ${mountpoint}`;

export const DASHBOARD = 'system';

// Test inputs: the demo's one target, with a data disk and a root disk.
export const targetLabels = { job: 'shop', instance: 'shop:8080' };
export const target = Object.entries(targetLabels)
  .map(([name, value]) => `${name}="${value}"`)
  .join(',');
const disk = (mount: string, device: string) => `${target},${mountpoint}="${mount}",${label(fs, 'device')}="${device}",${label(fs, 'type')}="ext4"`;
export const dataDisk = disk('/data', '/dev/sdb1');
export const rootDisk = disk('/', '/dev/sda1');
export const series = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });
