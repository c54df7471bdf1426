// PrometheusErrorSendingAlertsToAnyAlertmanager: alerts fire in Prometheus but reach no Alertmanager.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule, type Duration } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

const NOTIFICATION_ERRORS = { value: 0.03, for: '15m' as Duration };

export function prometheusErrorSendingAlertsToAnyAlertmanager(config: AlertConfig): AlertRule {
  const { jobs, prom, am, promTarget } = stackJobs(config);
  /** Test input: what this Prometheus sent to, or failed to send to, Alertmanager number `n`. */
  const toAlertmanager = (metric: string, n: number, values: string) => ({ series: `${metric}{${promTarget},alertmanager="http://alertmanager-${n}:9093/api/v2/alerts"}`, values });
  const sent = (n: number, values: string) => toAlertmanager(metrics.notificationsSent, n, values);
  const errors = (n: number, values: string) => toAlertmanager(metrics.notificationsErrors, n, values);
  return alert({
    alert: 'PrometheusErrorSendingAlertsToAnyAlertmanager',
    expr: `min without (alertmanager) (rate(${metrics.notificationsErrors}{${prom}}[5m]) / clamp_min(rate(${metrics.notificationsSent}{${prom}}[5m]), 1e-12)) > ${NOTIFICATION_ERRORS.value}`,
    for: NOTIFICATION_ERRORS.for,
    severity: 'critical',
    summary: 'Prometheus cannot deliver alerts to any Alertmanager.',
    description: `Prometheus {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its alerts even to the Alertmanager that took the most, over the last 5 minutes (threshold ${percent(NOTIFICATION_ERRORS.value)}).`,
    runbook: {
      meaning: `Every Alertmanager this Prometheus sends to has rejected or missed more than ${percent(NOTIFICATION_ERRORS.value)} of its alerts for ${NOTIFICATION_ERRORS.for}.`,
      impact: 'Alerts fire in Prometheus but reach nobody: no pages, no tickets. Only the Watchdog heartbeat going silent tells the outside world.',
      diagnosis: [
        `Per Alertmanager: \`rate(${metrics.notificationsErrors}{${prom}}[5m]) / rate(${metrics.notificationsSent}{${prom}}[5m])\`; Prometheus's log names the error (connection refused, TLS, 4xx).`,
        `Whether Alertmanager is up: \`${metrics.up}{${am}}\` and Prometheus's Status → Runtime page (alertmanagers discovered).`,
      ],
      mitigation: ['Restart or reschedule Alertmanager; fix the network path, TLS or credentials between Prometheus and Alertmanager.', 'Until it is fixed, watch Prometheus\'s Alerts page by hand.'],
      escalation: 'Pages the platform team through a channel that does not depend on this Alertmanager (the heartbeat receiver).',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires fifteen minutes after every Alertmanager starts failing',
        series: [sent(0, '100+10x40'), sent(1, '100+10x40'), errors(0, '5x10 6+1x30'), errors(1, '5x10 6+1x30')],
        evalTime: '27m',
        quietAt: ['26m'],
        expect: [firing('critical', { job: jobs.prometheus, instance: 'prometheus:9090' }, 'Prometheus prometheus:9090 failed to send 10% of its alerts even to the Alertmanager that took the most, over the last 5 minutes (threshold 3%).')],
      },
      {
        name: 'stays quiet while one of two Alertmanagers still takes the alerts',
        series: [sent(0, '100+10x40'), sent(1, '100+10x40'), errors(0, '5x10 6+10x30'), errors(1, '5x40')],
        evalTime: '35m',
        expect: [],
      },
      {
        name: 'stays quiet when there are no alerts to send',
        series: [sent(0, '0x40'), errors(0, '0x40')],
        evalTime: '35m',
        expect: [],
      },
    ],
  });
}
