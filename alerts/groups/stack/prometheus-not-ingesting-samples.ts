// PrometheusNotIngestingSamples: Prometheus has targets or rules but stores no samples (prometheus-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

export function prometheusNotIngestingSamples(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const series = (appended: string) => [
    { series: `${metrics.samplesAppended}{${promTarget},type="float"}`, values: appended },
    { series: `${metrics.ruleGroupRules}{${promTarget},rule_group="/etc/prometheus/rules.yml;service"}`, values: '7x40' },
  ];
  return alert({
    alert: 'PrometheusNotIngestingSamples',
    expr: `(sum without (type) (rate(${metrics.samplesAppended}{${prom}}[5m])) <= 0 and (sum without (rule_group) (${metrics.ruleGroupRules}{${prom}}) > 0 or sum without (scrape_job) (prometheus_target_metadata_cache_entries{${prom}}) > 0))`,
    for: '10m',
    severity: 'warning',
    summary: 'Prometheus is not ingesting samples.',
    description: 'Prometheus {{ $labels.instance }} has stored no samples for 10 minutes although it has targets or rules.',
    runbook: {
      meaning: 'Prometheus has rules or scrape targets, yet its head block has appended no sample for 15 minutes: scraping and rule evaluation produce nothing it keeps.',
      impact: 'Every dashboard goes flat and every alert on fresh data goes blind.',
      diagnosis: ['Prometheus\'s log: a full disk, a corrupted WAL or an out-of-order flood show there.', 'Whether targets are scraped at all (Targets page) and the disk of its data folder.'],
      mitigation: ['Free or grow the disk; restart Prometheus after fixing its storage.'],
      escalation: 'Ticket for the platform team; page at once if it lasts during an incident.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // The counter stops at 10m; the 5-minute rate is 0 from 14m, then ten minutes' wait.
        name: 'warns ten minutes after the 5-minute ingestion rate drops to 0',
        series: series('0+1000x10 10000x30'),
        evalTime: '24m',
        quietAt: ['23m'],
        expect: [firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090' }, 'Prometheus prometheus:9090 has stored no samples for 10 minutes although it has targets or rules.')],
      },
      { name: 'stays quiet while samples are stored', series: series('0+1000x40'), evalTime: '30m', expect: [] },
    ],
  });
}
