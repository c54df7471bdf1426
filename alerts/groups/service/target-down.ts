// TargetDown: Prometheus cannot scrape a share of a service's targets (as
// kube-prometheus: more than 10% for 10 minutes, a warning). One pod of many
// down is capacity lost, not an outage; a service with no target up at all is
// JobMissing, which pages.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, UP } from './common.ts';

/** Test input: `up` of the shop's targets, one promtool series each. */
const ups = (...values: string[]) => values.map((v, i) => ({ series: `${UP}{job="shop",instance="shop-${i}:8080"}`, values: v }));

export function targetDown(config: AlertConfig): AlertRule {
  const { targetDownFor: downFor, targetDownShare: share } = config.service;
  return alert({
    alert: 'TargetDown',
    expr: `100 * (count by (job) (${UP}{${config.serviceSelector}} == 0) / count by (job) (${UP}{${config.serviceSelector}})) > ${share * 100}`,
    for: downFor,
    severity: 'warning',
    summary: 'Prometheus cannot scrape some targets of a service.',
    description: `{{ printf "%.4g" $value }}% of the targets of job {{ $labels.job }} have been down for ${downFor} (threshold ${percent(share)}).`,
    runbook: {
      meaning: `More than ${percent(share)} of a job's targets failed their scrapes for ${downFor}: those processes are down, unreachable, or their metrics endpoint errors or times out.`,
      impact: 'The other instances take their share of the requests (watch the SLO alerts); the alerts on the missing instances are blind.',
      diagnosis: [
        `Which targets are down: \`${UP}{job="<job>"} == 0\`; the error of the last scrape is on Prometheus's Targets page (/targets).`,
        'Whether the processes run: the container or pod status and their last log lines (crash, OOM kill); KubePodCrashLooping names a crash loop.',
        `Whether scrapes time out rather than fail: \`scrape_duration_seconds{job="<job>"}\` near the scrape timeout points at a slow /metrics.`,
      ],
      mitigation: ['Restart the processes or reschedule the pods; roll back if they crash since a deploy.', 'Fix the network path or the metrics port if the processes themselves are healthy.'],
      escalation: 'Ticket for the owning team; JobMissing pages when no target of the job is up at all, and the SLO alerts page when users feel it.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'warns once more than a tenth of the targets have been down for ten minutes',
        series: ups('1x30', '1x30', '1x5 0x25'),
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', { job: 'shop' }, `33.33% of the targets of job shop have been down for ${downFor} (threshold 10%).`)],
      },
      { name: 'stays quiet while scrapes succeed', series: ups('1x30', '1x30'), evalTime: '20m', expect: [] },
      {
        name: "leaves the stack's kube-state-metrics out: its outage is not a service's",
        series: [{ series: `${UP}{job="kube-state-metrics",instance="kube-state-metrics:8080"}`, values: '0x30' }],
        evalTime: '20m',
        expect: [],
      },
      {
        name: 'stays quiet when one target of twenty (5%) is down',
        series: ups(...Array.from({ length: 19 }, () => '1x30'), '0x30'),
        evalTime: '20m',
        expect: [],
      },
    ],
  });
}
