// PrometheusRemoteWriteBehind (prometheus-mixin): the newest sample sent to
// the long-term store lags the newest sample ingested by more than two minutes.
// Inert without remote_write: the queue series exist only while a queue runs.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule, type Duration } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, stackJobs } from './common.ts';
import { QUEUE, remoteStorage } from './prometheus-remote-write.ts';

// The mixin's threshold: 120 s behind for 15 minutes.
const BEHIND = { seconds: 120, for: '15m' as Duration };

export function prometheusRemoteWriteBehind(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const ingested = (values: string) => ({ series: `${remoteStorage.highestTimestamp}{${promTarget}}`, values });
  const sent = (values: string) => ({ series: `${remoteStorage.highestSentTimestamp}{${promTarget},${QUEUE}}`, values });
  return alert({
    alert: 'PrometheusRemoteWriteBehind',
    // The ingested timestamp has no queue labels: each queue is matched against it.
    expr: `(max_over_time(${remoteStorage.highestTimestamp}{${prom}}[5m]) - ignoring(remote_name, url) group_right max_over_time(${remoteStorage.highestSentTimestamp}{${prom}}[5m])) > ${BEHIND.seconds}`,
    for: BEHIND.for,
    severity: 'warning',
    summary: 'Prometheus remote write is behind.',
    description: `Prometheus {{ $labels.instance }}'s remote write to {{ $labels.remote_name }} ({{ $labels.url }}) is {{ $value | humanizeDuration }} behind the samples it ingests.`,
    runbook: {
      meaning: `The newest sample sent to the long-term store has been more than ${BEHIND.seconds} s older than the newest sample ingested for ${BEHIND.for}: the queue does not keep up.`,
      impact: 'The long-term store shows recent data late; if the lag outgrows the WAL (about two hours), samples are lost there. Local queries and alerts are unaffected.',
      diagnosis: [
        'Shards: `prometheus_remote_storage_shards` against `prometheus_remote_storage_shards_max`; at the maximum, the store or the network is too slow.',
        'Send latency and retries: `prometheus_remote_storage_sent_batch_duration_seconds`, `prometheus_remote_storage_samples_retried_total`.',
      ],
      mitigation: ['Raise the queue\'s maxShards (environments.<env>.remoteWrite.queue) if the store has room; otherwise scale the store\'s ingesters.'],
      escalation: 'A ticket for the platform team that runs the long-term store.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // Ingested advances 60 s a minute; the sent timestamp stops at 10m. The lag passes 120 s at 12m+.
        name: 'fires fifteen minutes after the queue falls more than two minutes behind',
        series: [ingested('0+60x40'), sent('0+60x10 600x30')],
        evalTime: '29m',
        quietAt: ['26m'],
        expect: [firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090', remote_name: 'long-term-store', url: 'http://thanos-receive:19291/api/v1/receive' }, "Prometheus prometheus:9090's remote write to long-term-store (http://thanos-receive:19291/api/v1/receive) is 19m 0s behind the samples it ingests.")],
      },
      { name: 'stays quiet while the queue keeps up', series: [ingested('0+60x40'), sent('0+60x40')], evalTime: '35m', expect: [] },
    ],
  });
}
