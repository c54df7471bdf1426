// TargetDown: Prometheus cannot scrape a service's target, so every other alert on it is blind.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, target, UP } from './common.ts';

export function targetDown(config: AlertConfig): AlertRule {
  const downFor = config.service.targetDownFor;
  const up = (values: string) => ({ series: `${UP}{${target}}`, values });
  return alert({
    alert: 'TargetDown',
    expr: `${UP}{${config.serviceSelector}} == 0`,
    for: downFor,
    severity: 'critical',
    summary: 'Prometheus cannot scrape a target.',
    description: `Prometheus has failed to scrape {{ $labels.instance }} of job {{ $labels.job }} for ${downFor}.`,
    runbook: {
      meaning: `The last scrapes of a target failed for ${downFor}: the process is down, unreachable, or its metrics endpoint errors or times out.`,
      impact: 'If the process is down, its share of requests fails or moves to the other instances; either way every other alert on it is blind.',
      diagnosis: [
        `Which targets are down: \`${UP}{job="<job>"} == 0\`; the error of the last scrape is on Prometheus's Targets page (/targets).`,
        'Whether the process runs: the container or unit status and its last log lines (crash, OOM kill).',
        `Whether scrapes time out rather than fail: \`scrape_duration_seconds{job="<job>"}\` near the scrape timeout points at a slow /metrics.`,
      ],
      mitigation: ['Restart the process or reschedule the pod; roll back if it crashes since a deploy.', 'Fix the network path or the metrics port if the process itself is healthy.'],
      escalation: 'Pages the owning team; page the platform team if targets of several jobs are down at once.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires once the target has been down for a minute',
        series: [up('1x5 0x10')],
        evalTime: '7m',
        quietAt: ['6m'],
        expect: [firing('critical', { job: 'shop', instance: 'shop:8080' }, 'Prometheus has failed to scrape shop:8080 of job shop for 1m.')],
      },
      { name: 'stays quiet while scrapes succeed', series: [up('1x15')], evalTime: '10m', expect: [] },
    ],
  });
}
