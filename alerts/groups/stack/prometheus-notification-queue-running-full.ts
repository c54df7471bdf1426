// PrometheusNotificationQueueRunningFull: alerts pile up faster than Prometheus sends them (prometheus-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

export function prometheusNotificationQueueRunningFull(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const queue = (length: string) => [
    { series: `${metrics.notificationsQueueLength}{${promTarget}}`, values: length },
    { series: `${metrics.notificationsQueueCapacity}{${promTarget}}`, values: '10000x40' },
  ];
  return alert({
    alert: 'PrometheusNotificationQueueRunningFull',
    expr: `(predict_linear(${metrics.notificationsQueueLength}{${prom}}[5m], 60 * 30) > min_over_time(${metrics.notificationsQueueCapacity}{${prom}}[5m]))`,
    for: '15m',
    severity: 'warning',
    summary: 'Prometheus alert notification queue predicted to run full in less than 30m.',
    description: 'The alert notification queue of Prometheus {{ $labels.instance }} is predicted to run full within 30 minutes.',
    runbook: {
      meaning: 'The queue of alerts waiting to be sent to Alertmanager grows so fast that, at its trend over 5 minutes, it is full within 30 minutes; then alerts are dropped.',
      impact: 'Alerts arrive late, and once the queue is full some are lost.',
      diagnosis: [`The trend: \`${metrics.notificationsQueueLength}{job="${jobs.prometheus}"}\`; whether sends fail or are slow: \`rate(${metrics.notificationsErrors}[5m])\` and \`prometheus_notifications_latency_seconds\`.`, 'Whether a rule suddenly yields very many alerts (a label with high cardinality in an alert).'],
      mitigation: ['Fix the path to Alertmanager or scale it; aggregate the alert that floods (fewer labels).'],
      escalation: 'Ticket for the platform team; page if alerts are being dropped during an incident.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // Growing by 100 a minute from 5m: predicted past 10,000 within 30 minutes from about 10m, then fifteen minutes' wait.
        name: 'warns fifteen minutes after the queue is predicted to fill within 30 minutes',
        series: queue('0x5 100+300x35'),
        evalTime: '26m',
        quietAt: ['24m'],
        expect: [firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090' }, 'The alert notification queue of Prometheus prometheus:9090 is predicted to run full within 30 minutes.')],
      },
      { name: 'stays quiet while the queue stays short', series: queue('0x5 20x35'), evalTime: '30m', expect: [] },
    ],
  });
}
