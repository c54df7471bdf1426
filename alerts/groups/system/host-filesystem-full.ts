// HostFilesystemFull: a filesystem is almost full (warning and critical).
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import type { AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { warningAndCritical } from '../../lib/warning-critical.ts';
import { BY_MOUNT, DASHBOARD, dataDisk, rootDisk, series, targetLabels } from './common.ts';

const usage = catalog.system.filesystemUtilization.name;

export function hostFilesystemFull(config: AlertConfig): AlertRule[] {
  const s = config.system;
  return warningAndCritical(
    {
      alert: 'HostFilesystemFull',
      expr: (t) => `max by (${BY_MOUNT}) (${usage}) > ${t}`,
      summary: 'A filesystem is almost full.',
      description: (t) => `{{ $labels.mountpoint }} on the host of {{ $labels.instance }} ({{ $labels.job }}) is {{ $value | humanizePercentage }} full (threshold ${percent(t)}).`,
      runbook: {
        meaning: `A filesystem is more than ${percent(s.filesystemWarning.value)} (warning) or ${percent(s.filesystemCritical.value)} (critical) full, counted as df counts Use%: the space unprivileged processes can still write is running out.`,
        impact: 'Once full, writes fail: logs, uploads, temporary files and databases on it error out, and processes may crash.',
        diagnosis: [
          `Usage over the last days: \`${usage}{job="<job>", instance="<instance>", mountpoint="<mountpoint>"}\`.`,
          'On the host: `df -h <mountpoint>` and `du -xh --max-depth=2 <mountpoint> | sort -h | tail` to find what grew; `lsof +L1` lists deleted files still held open.',
        ],
        mitigation: ['Delete or rotate what grew (old logs, core dumps, temporary files); restart a process that holds deleted files open.', 'Grow the volume, or move the data to a larger one.'],
        escalation: 'Critical pages the owning team; escalate to the platform team for volumes the service does not own.',
        dashboard: DASHBOARD,
      },
    },
    {
      warning: {
        threshold: s.filesystemWarning,
        tests: [
          {
            name: 'fires five minutes after a filesystem passes 85% full, for that mountpoint only',
            series: [series(usage, dataDisk, '0.6x10 0.9x30'), series(usage, rootDisk, '0.4x40')],
            evalTime: '16m',
            quietAt: ['15m'],
            expect: [firing('warning', { ...targetLabels, mountpoint: '/data' }, '/data on the host of shop:8080 (shop) is 90% full (threshold 85%).')],
          },
          { name: 'stays quiet at 80% full', series: [series(usage, dataDisk, '0.8x40')], evalTime: '30m', expect: [] },
        ],
      },
      critical: {
        threshold: s.filesystemCritical,
        tests: [
          {
            name: 'fires two minutes after a filesystem passes 95% full',
            series: [series(usage, dataDisk, '0.6x10 0.98x30')],
            evalTime: '13m',
            quietAt: ['12m'],
            expect: [firing('critical', { ...targetLabels, mountpoint: '/data' }, '/data on the host of shop:8080 (shop) is 98% full (threshold 95%).')],
          },
          {
            name: 'stays quiet through a one-minute peak',
            series: [series(usage, dataDisk, '0.6x10 0.98 0.6x30')],
            evalTime: '30m',
            expect: [],
          },
        ],
      },
    },
  );
}
