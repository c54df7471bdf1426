// StackComponentDown: Prometheus cannot scrape Prometheus, Alertmanager,
// Grafana or node-exporter (when the stack runs it), the components without
// an alert of their own.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics } from './common.ts';
import { COMPONENT_DOWN_FOR, downOrMissing, up, whyDown } from './component-down.ts';

export function stackComponentDown(config: AlertConfig): AlertRule {
  const jobs = config.stack.jobs;
  // Each is named in the description; node-exporter only where the stack runs it (absent() would fire forever).
  const nodeExporter = config.stack.nodeExporter;
  const generic = [jobs.prometheus, jobs.alertmanager, jobs.grafana, ...(nodeExporter ? [jobs.nodeExporter] : [])];
  const allUp = [
    up(jobs.prometheus, 'prometheus:9090', '1x20'),
    up(jobs.alertmanager, 'alertmanager:9093', '1x20'),
    ...(nodeExporter ? [up(jobs.nodeExporter, 'node-exporter:9100', '1x20')] : []),
  ];
  return alert({
    alert: 'StackComponentDown',
    expr: downOrMissing(generic),
    for: COMPONENT_DOWN_FOR,
    severity: 'warning',
    summary: 'Prometheus cannot scrape a component of the monitoring stack.',
    description: `Stack component {{ $labels.job }} ${whyDown}, for ${COMPONENT_DOWN_FOR}.`,
    runbook: {
      meaning: `Prometheus has failed to scrape a target of one of the stack's jobs (${generic.join(', ')}) for ${COMPONENT_DOWN_FOR}, or the job has no target at all. Jaeger, Elasticsearch and Logstash have alerts of their own.`,
      impact:
        'Depends on the component: Prometheus down (seen from another Prometheus) means no rules and no alerts; Alertmanager down means no notifications; Grafana down means no dashboards; node-exporter down means no host metrics and blind host alerts.',
      diagnosis: [
        `Which: \`${metrics.up}{job=~"${generic.join('|')}"} == 0\` and Prometheus's Targets page (/targets) with the last scrape error.`,
        'Whether the container or pod runs (status, restarts, last log lines); whether service discovery still finds it (a renamed service or changed labels drops the target: absent() then fires).',
      ],
      mitigation: ['Restart or reschedule the component; roll back a change to its deployment or to the scrape configuration.'],
      escalation: 'A ticket for the platform team; page if Alertmanager is the one down and no other instance runs.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires five minutes after a component goes down',
        series: [...allUp, up(jobs.grafana, 'grafana:3000', '1x5 0x15')],
        evalTime: '11m',
        quietAt: ['10m'],
        expect: [firing('warning', { job: jobs.grafana, instance: 'grafana:3000' }, `Stack component ${jobs.grafana} at grafana:3000 cannot be scraped, for ${COMPONENT_DOWN_FOR}.`)],
      },
      {
        name: 'fires five minutes into a component\'s job having no target at all (absent)',
        series: allUp,
        evalTime: '5m',
        quietAt: ['4m'],
        expect: [firing('warning', { job: jobs.grafana }, `Stack component ${jobs.grafana} has no scrape target left, for ${COMPONENT_DOWN_FOR}.`)],
      },
      { name: 'stays quiet while every component is scraped', series: [...allUp, up(jobs.grafana, 'grafana:3000', '1x20')], evalTime: '15m', expect: [] },
      // TargetDown (service group) covers service jobs; a service target down is not a stack component down.
      { name: 'ignores targets of other jobs', series: [...allUp, up(jobs.grafana, 'grafana:3000', '1x20'), up('shop', 'shop:8080', '0x20')], evalTime: '15m', expect: [] },
    ],
  });
}
