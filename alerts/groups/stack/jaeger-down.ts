// JaegerDown: Prometheus cannot scrape Jaeger; traces are probably not being collected.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import type { AlertRule } from '../../../signals/rule-types.ts';
import { metrics } from './common.ts';
import { componentDown } from './component-down.ts';

export function jaegerDown(config: AlertConfig): AlertRule {
  const job = config.stack.jobs.jaeger;
  return componentDown({
    alert: 'JaegerDown',
    job,
    instance: 'jaeger:8888',
    name: 'Jaeger',
    consequence: 'traces are probably not being collected',
    runbook: {
      impact: 'Spans sent by the services are dropped or queue up in their exporters; exemplar links from dashboards lead to missing traces.',
      diagnosis: [`Which target: \`${metrics.up}{job="${job}"}\` by instance, and Jaeger's container or pod status and last log lines.`, 'Whether its storage backend (Elasticsearch) is reachable: Jaeger exits when it cannot write.'],
      mitigation: ['Restart Jaeger; fix its storage backend first if that is what fails.'],
      escalation: 'A ticket for the platform team: tracing is a debugging aid, users are not affected.',
    },
  });
}
