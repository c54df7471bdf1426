// PrometheusRuleFailures: recording or alerting rules fail to evaluate, so their alerts are blind.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule, type Duration } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

const RULE_FAILURES_FOR: Duration = '15m';

export function prometheusRuleFailures(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const failures = `${metrics.ruleEvaluationFailures}{${promTarget},rule_group="/etc/prometheus/rules.yml;slo-http-availability"}`;
  return alert({
    alert: 'PrometheusRuleFailures',
    expr: `increase(${metrics.ruleEvaluationFailures}{${prom}}[5m]) > 0`,
    for: RULE_FAILURES_FOR,
    severity: 'critical',
    summary: 'Prometheus is failing rule evaluations.',
    description: `Prometheus {{ $labels.instance }} failed to evaluate {{ printf "%.0f" $value }} rules of group {{ $labels.rule_group }} in the last 5 minutes.`,
    runbook: {
      meaning: `Recording or alerting rules have failed to evaluate for ${RULE_FAILURES_FOR}: their series have gaps and the alerts among them cannot fire.`,
      impact: 'Alerts of the failing group are blind; dashboards reading its recorded series show gaps.',
      diagnosis: [
        `Which group and why: Prometheus's Rules page (/rules) shows the last error of each rule; \`increase(${metrics.ruleEvaluationFailures}[5m]) > 0\` by rule_group.`,
        'Typical causes: a many-to-many match after a label change ("found duplicate series"), a query timeout or sample limit, or a rule writing series that collide with another rule.',
      ],
      mitigation: ['Fix the rule in alerts/ and redeploy the generated rule file; `promtool test rules` reproduces most errors.', 'For timeouts, raise the query timeout or record an intermediate series.'],
      escalation: 'Pages the platform team: alerting is partly blind until fixed.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires fifteen minutes after rules start failing',
        series: [{ series: failures, values: '0x10 1+1x30' }],
        evalTime: '26m',
        quietAt: ['25m'],
        expect: [firing('critical', { job: jobs.prometheus, instance: 'prometheus:9090', rule_group: '/etc/prometheus/rules.yml;slo-http-availability' }, 'Prometheus prometheus:9090 failed to evaluate 5 rules of group /etc/prometheus/rules.yml;slo-http-availability in the last 5 minutes.')],
      },
      {
        name: 'stays quiet while every rule evaluates',
        series: [{ series: failures, values: '0x40' }],
        evalTime: '30m',
        expect: [],
      },
    ],
  });
}
