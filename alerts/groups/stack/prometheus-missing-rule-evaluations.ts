// PrometheusMissingRuleEvaluations: rule groups run slower than their interval and skip evaluations (prometheus-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

export function prometheusMissingRuleEvaluations(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const group = '/etc/prometheus/rules.yml;slo-demo-shop-availability';
  const missed = (values: string) => ({ series: `${metrics.ruleGroupIterationsMissed}{${promTarget},rule_group="${group}"}`, values });
  return alert({
    alert: 'PrometheusMissingRuleEvaluations',
    expr: `increase(${metrics.ruleGroupIterationsMissed}{${prom}}[5m]) > 0`,
    for: '15m',
    severity: 'warning',
    summary: 'Prometheus is missing rule evaluations due to slow rule group evaluation.',
    description: 'Prometheus {{ $labels.instance }} skipped {{ printf "%.0f" $value }} evaluations of rule group {{ $labels.rule_group }} in the last 5 minutes.',
    runbook: {
      meaning: 'A rule group takes longer than its interval to evaluate, so Prometheus skips iterations: its recorded series have gaps and its alerts react late.',
      impact: 'Alerts of the group fire late or not at all; burn-rate and long-window rules suffer first.',
      diagnosis: ['Which group and how long: `prometheus_rule_group_last_duration_seconds` against `prometheus_rule_group_interval_seconds`.', 'The slowest rules on Prometheus\'s Rules page (evaluation time per rule).'],
      mitigation: ['Record an intermediate series for the expensive part; split the group; give Prometheus more CPU.'],
      escalation: 'Ticket for the platform team.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'warns fifteen minutes after evaluations start being skipped',
        series: [missed('0x10 1+1x30')],
        evalTime: '26m',
        quietAt: ['25m'],
        expect: [firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090', rule_group: group }, `Prometheus prometheus:9090 skipped 5 evaluations of rule group ${group} in the last 5 minutes.`)],
      },
      { name: 'stays quiet while no evaluation is skipped', series: [missed('0x40')], evalTime: '30m', expect: [] },
    ],
  });
}
