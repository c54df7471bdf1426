// PrometheusRemoteStorageFailures (prometheus-mixin): Prometheus fails to
// send samples to the long-term store of environments.<env>.remoteWrite.
// Inert without remote_write: the queue series exist only while a queue runs.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule, type Duration } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, stackJobs } from './common.ts';
import { QUEUE, remoteStorage } from './prometheus-remote-write.ts';

// The mixin's threshold: more than 1% of the samples failing for 15 minutes.
const FAILURES = { value: 0.01, for: '15m' as Duration };

export function prometheusRemoteStorageFailures(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const failed = `rate(${remoteStorage.samplesFailed}{${prom}}[5m])`;
  const queue = (metric: string, values: string) => ({ series: `${metric}{${promTarget},${QUEUE}}`, values });
  return alert({
    alert: 'PrometheusRemoteStorageFailures',
    expr: `${failed} / clamp_min(${failed} + rate(${remoteStorage.samplesTotal}{${prom}}[5m]), 1e-12) > ${FAILURES.value}`,
    for: FAILURES.for,
    // The mixin pages; here nobody is hurt now (Prometheus keeps the data locally), so it is a ticket.
    severity: 'warning',
    summary: 'Prometheus fails to send samples to the long-term store.',
    description: `Prometheus {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its samples to {{ $labels.remote_name }} ({{ $labels.url }}) over the last 5 minutes (threshold ${percent(FAILURES.value)}).`,
    runbook: {
      meaning: `More than ${percent(FAILURES.value)} of the samples this Prometheus sends over remote_write have failed for ${FAILURES.for}: the store rejects them (4xx) or Prometheus gives up retrying.`,
      impact: 'The long-term store misses data: its dashboards and queries across Prometheus replicas show gaps. Local queries and alerts are unaffected.',
      diagnosis: [
        `Per queue: \`${failed}\` by remote_name and url; Prometheus's log names the HTTP status the store answers.`,
        'A 400 often means out-of-order or too-old samples (a restarted replica), a 401/403 the tenant or credentials, a 429 the store\'s limits.',
      ],
      mitigation: ['Fix the store\'s limits, tenant or credentials; raise its ingestion limits for this tenant if it throttles.'],
      escalation: 'A ticket for the platform team that runs the long-term store.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires fifteen minutes after a tenth of the samples start failing',
        series: [queue(remoteStorage.samplesTotal, '0+900x40'), queue(remoteStorage.samplesFailed, '0x10 0+100x30')],
        evalTime: '28m',
        quietAt: ['26m'],
        expect: [
          firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090', remote_name: 'long-term-store', url: 'http://thanos-receive:19291/api/v1/receive' }, 'Prometheus prometheus:9090 failed to send 10% of its samples to long-term-store (http://thanos-receive:19291/api/v1/receive) over the last 5 minutes (threshold 1%).'),
        ],
      },
      { name: 'stays quiet while every sample is sent', series: [queue(remoteStorage.samplesTotal, '0+900x40'), queue(remoteStorage.samplesFailed, '0x40')], evalTime: '35m', expect: [] },
      { name: 'stays quiet without remote_write (no queue series)', series: [], evalTime: '35m', expect: [] },
    ],
  });
}
