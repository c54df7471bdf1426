// PrometheusTargetSyncFailure: discovered targets cannot be turned into scrapes (prometheus-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

export function prometheusTargetSyncFailure(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const failed = (values: string) => ({ series: `${metrics.targetSyncFailed}{${promTarget},scrape_job="demo-shop"}`, values });
  return alert({
    alert: 'PrometheusTargetSyncFailure',
    expr: `increase(${metrics.targetSyncFailed}{${prom}}[30m]) > 0`,
    for: '5m',
    severity: 'critical',
    summary: 'Prometheus has failed to sync targets.',
    description: 'Prometheus {{ $labels.instance }} failed to sync {{ printf "%.0f" $value }} targets of scrape job {{ $labels.scrape_job }} in the last 30 minutes.',
    runbook: {
      meaning: 'Targets that service discovery found could not be set up for scraping (an invalid relabelling result, a bad scrape config): they are not scraped at all.',
      impact: 'The services behind them are invisible: their alerts, SLOs included, cannot fire.',
      diagnosis: ['Prometheus\'s log names the scrape job and the error; `promtool check config` on the deployed prometheus.yml.'],
      mitigation: ['Fix the scrape config or relabelling of the job and reload Prometheus.'],
      escalation: 'Pages the platform team: part of the monitoring is blind.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'pages five minutes after a target sync fails',
        series: [failed('0x10 1x30')],
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('critical', { job: jobs.prometheus, instance: 'prometheus:9090', scrape_job: 'demo-shop' }, 'Prometheus prometheus:9090 failed to sync 1 targets of scrape job demo-shop in the last 30 minutes.')],
      },
      { name: 'stays quiet while every target syncs', series: [failed('0x40')], evalTime: '30m', expect: [] },
    ],
  });
}
