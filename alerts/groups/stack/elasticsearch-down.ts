// ElasticsearchDown: Prometheus cannot scrape Elasticsearch's exporter; logs and traces may not be indexed.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import type { AlertRule } from '../../../signals/rule-types.ts';
import { componentDown } from './component-down.ts';

export function elasticsearchDown(config: AlertConfig): AlertRule {
  return componentDown({
    alert: 'ElasticsearchDown',
    job: config.stack.jobs.elasticsearch,
    instance: 'elasticsearch-exporter:9114',
    name: 'Elasticsearch (through its exporter)',
    consequence: 'its health is unknown, and logs and traces stored in it may not be indexed',
    // The compose bundle runs it in the profile `logs`, which a light stack leaves off.
    inOptionalProfile: true,
    runbook: {
      impact: 'If Elasticsearch itself is down, Logstash and Jaeger cannot write: logs and traces are delayed or lost, and Kibana shows nothing new. If only the exporter is down, nothing is lost but Elasticsearch is unwatched.',
      diagnosis: [
        'Exporter or cluster: whether the exporter container runs, then `GET /_cluster/health` on Elasticsearch.',
        'Disk watermarks: a node over the flood-stage watermark makes its indices read-only.',
      ],
      mitigation: ['Restart the exporter if it alone is down; otherwise restore Elasticsearch (disk, memory, the unassigned shards) and let Logstash catch up from its queue.'],
      escalation: 'A ticket for the platform team; page if logs are needed for an ongoing incident.',
    },
  });
}
