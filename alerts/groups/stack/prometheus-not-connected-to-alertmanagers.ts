// PrometheusNotConnectedToAlertmanagers: Prometheus knows no Alertmanager to send alerts to (prometheus-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

export function prometheusNotConnectedToAlertmanagers(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const discovered = (values: string) => ({ series: `${metrics.alertmanagersDiscovered}{${promTarget}}`, values });
  return alert({
    alert: 'PrometheusNotConnectedToAlertmanagers',
    expr: `max_over_time(${metrics.alertmanagersDiscovered}{${prom}}[5m]) < 1`,
    for: '10m',
    severity: 'warning',
    summary: 'Prometheus is not connected to any Alertmanager.',
    description: 'Prometheus {{ $labels.instance }} has discovered no Alertmanager to send its alerts to.',
    runbook: {
      meaning: 'For 15 minutes Prometheus has had no Alertmanager in its alerting configuration or discovery: alerts evaluate but go nowhere.',
      impact: 'No alert reaches anyone (the Watchdog\'s heartbeat stops too, so the dead man\'s switch should page).',
      diagnosis: ['The `alerting:` section of prometheus.yml and its service discovery (Prometheus\'s Status > Runtime & Build Information lists the Alertmanagers).', 'Whether Alertmanager\'s service or pods exist and match the discovery selector.'],
      mitigation: ['Restore the Alertmanager address or discovery in prometheus.yml and reload Prometheus.'],
      escalation: 'Ticket for the platform team; it becomes a page through the heartbeat service when the Watchdog stops.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // Gone from 6m: none in the 5-minute window from 10m, then ten minutes' wait.
        name: 'warns fifteen minutes after the last Alertmanager is gone',
        series: [discovered('1x5 0x25')],
        evalTime: '20m',
        quietAt: ['19m'],
        expect: [firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090' }, 'Prometheus prometheus:9090 has discovered no Alertmanager to send its alerts to.')],
      },
      { name: 'stays quiet while one Alertmanager is known', series: [discovered('1x30')], evalTime: '25m', expect: [] },
    ],
  });
}
