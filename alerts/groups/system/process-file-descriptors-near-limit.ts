// ProcessFileDescriptorsNearLimit: a process is running out of file descriptors.
import { catalog } from '../../../catalog/index.ts';
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { BY_TARGET, DASHBOARD, series, target, targetLabels } from './common.ts';

const m = catalog.system;

export function processFileDescriptorsNearLimit(config: AlertConfig): AlertRule {
  const fds = config.system.fileDescriptorsRatio;
  return alert({
    alert: 'ProcessFileDescriptorsNearLimit',
    expr: `max by (${BY_TARGET}) (${m.processOpenFds.name}) / max by (${BY_TARGET}) (${m.processMaxFds.name}) > ${fds.value}`,
    for: fds.for,
    severity: 'warning',
    summary: 'A process is running out of file descriptors.',
    description: `{{ $labels.instance }} ({{ $labels.job }}) uses {{ $value | humanizePercentage }} of its file descriptor limit (threshold ${percent(fds.value)}).`,
    runbook: {
      meaning: `A process holds more than ${percent(fds.value)} of the file descriptors it may open (sockets, files, pipes).`,
      impact: 'At the limit, accepting connections and opening files fail with EMFILE: requests error out.',
      diagnosis: [
        `The trend: \`${m.processOpenFds.name}{job="<job>", instance="<instance>"}\`; a steady climb is a leak, a jump follows load.`,
        'What they are: `ls -l /proc/<pid>/fd | awk \'{print $NF}\' | sort | uniq -c | sort -n | tail` on the host; many sockets to one peer point at a connection pool without a limit or keep-alive sockets never closed.',
      ],
      mitigation: ['Restart the instance to buy time if it leaks; fix the leak (close streams, bound pools).', 'Raise the limit (`ulimit -n`, `LimitNOFILE=`) if the load legitimately needs more.'],
      escalation: 'Ticket for the owning team; page if it reaches the limit and requests fail.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires five minutes after open descriptors pass 80% of the limit',
        series: [series(m.processOpenFds.name, target, '100x10 900x30'), series(m.processMaxFds.name, target, '1024x40')],
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', targetLabels, 'shop:8080 (shop) uses 87.89% of its file descriptor limit (threshold 80%).')],
      },
      { name: 'stays quiet at half the limit', series: [series(m.processOpenFds.name, target, '512x40'), series(m.processMaxFds.name, target, '1024x40')], evalTime: '30m', expect: [] },
    ],
  });
}
