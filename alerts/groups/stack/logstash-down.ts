// LogstashDown: Prometheus cannot scrape Logstash; logs are probably not being shipped.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import type { AlertRule } from '../../../signals/rule-types.ts';
import { componentDown } from './component-down.ts';

export function logstashDown(config: AlertConfig): AlertRule {
  return componentDown({
    alert: 'LogstashDown',
    job: config.stack.jobs.logstash,
    instance: 'logstash:9600',
    name: 'Logstash',
    consequence: 'logs are probably not being shipped to Elasticsearch',
    // The compose bundle runs it in the profile `logs`, which a light stack leaves off.
    inOptionalProfile: true,
    runbook: {
      impact: 'Log lines pile up in the shippers (or are dropped when their buffers fill); Kibana shows nothing new.',
      diagnosis: ['Logstash\'s container or pod status and log (pipeline errors, out of heap); its monitoring API on port 9600 (`GET /_node/stats/pipelines`).'],
      mitigation: ['Restart Logstash; fix the pipeline configuration if it fails to start.'],
      escalation: 'A ticket for the platform team.',
    },
  });
}
