// HostFilesystemPredictedFull: a filesystem grows fast enough to fill within a day (ticket, before HostFilesystemFull pages).
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_MOUNT, DASHBOARD, dataDisk, rootDisk, series, targetLabels } from './common.ts';

const usage = catalog.system.filesystemUtilization.name;

export function hostFilesystemPredictedFull(config: AlertConfig): AlertRule {
  const s = config.system;
  const predictSeconds = s.filesystemPredictHours * 3600;
  return alert({
    alert: 'HostFilesystemPredictedFull',
    // The left side gives the value (today's usage); the prediction of the ratio reaching 1 is df's "full".
    expr: `max by (${BY_MOUNT}) (${usage}) > ${s.filesystemPredictedFull.value} and max by (${BY_MOUNT}) (predict_linear(${usage}[6h], ${predictSeconds})) >= 1`,
    for: s.filesystemPredictedFull.for,
    severity: 'warning',
    summary: 'A filesystem is predicted to fill up.',
    description: `{{ $labels.mountpoint }} on the host of {{ $labels.instance }} ({{ $labels.job }}) is {{ $value | humanizePercentage }} full and, at the rate of the last 6 hours, will be full within ${s.filesystemPredictHours} hours.`,
    runbook: {
      meaning: `A filesystem more than ${percent(s.filesystemPredictedFull.value)} full has grown over the last 6 hours fast enough that a straight line through its usage reaches 100% within ${s.filesystemPredictHours} hours.`,
      impact: 'Nothing yet; when it fills, writes fail (see HostFilesystemFull). This is the time to act without hurry.',
      diagnosis: [
        `The trend: \`${usage}{job="<job>", instance="<instance>", mountpoint="<mountpoint>"}\` over the last day, and the prediction \`predict_linear(${usage}{job="<job>", instance="<instance>", mountpoint="<mountpoint>"}[6h], ${predictSeconds})\`.`,
        'On the host: `du -xh --max-depth=2 <mountpoint> | sort -h | tail`, twice a few minutes apart, shows what grows.',
      ],
      mitigation: ['Fix what writes too much (a debug log level left on, a missing log rotation, a stuck upload or retry loop).', 'Grow the volume before it fills.'],
      escalation: 'Ticket for the owning team; it pages as HostFilesystemFull if nobody acts.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // 0.1% more a minute (6% an hour, full in well under 24 hours): above 50% from 195m.
        name: 'fires an hour after a growing filesystem passes 50% full',
        series: [series(usage, dataDisk, '0.3055+0.001x400'), series(usage, rootDisk, '0.4x400')],
        evalTime: '255m',
        quietAt: ['254m'],
        expect: [firing('warning', { ...targetLabels, mountpoint: '/data' }, '/data on the host of shop:8080 (shop) is 56.05% full and, at the rate of the last 6 hours, will be full within 24 hours.')],
      },
      {
        name: 'stays quiet while a growing filesystem is below 50% full',
        series: [series(usage, dataDisk, '0.1+0.001x400')],
        evalTime: '390m',
        expect: [],
      },
      { name: 'stays quiet for a filesystem 80% full that does not grow', series: [series(usage, dataDisk, '0.8x400')], evalTime: '390m', expect: [] },
    ],
  });
}
