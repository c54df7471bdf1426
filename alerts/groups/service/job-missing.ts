// JobMissing: no target of a configured service is up, or its job is gone from
// Prometheus altogether. Every other alert of the service reads its metrics, so
// without this one a service that vanished would be silent, not alerting.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { seconds } from '../../../signals/slo/spec.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, UP } from './common.ts';

export function jobMissing(config: AlertConfig): AlertRule[] {
  const missingFor = config.service.jobMissingFor;
  const minutes = seconds(missingFor) / 60;
  const jobs = config.services.map((s) => s.name);
  const [example] = jobs;
  if (example === undefined) return [];
  const description = (job: string) => `No target of job ${job} has been up for ${missingFor}: the service is down or Prometheus no longer finds it.`;
  return [
    alert({
      alert: 'JobMissing',
      // Every target down, or none at all: absent() of a plain selector labels its series job="<service>", one per configured service.
      expr: [`max by (job) (${UP}{job=~"${jobs.join('|')}"}) < 1`, ...jobs.map((job) => `absent(${UP}{job="${job}"})`)].join(' or '),
      for: missingFor,
      severity: 'critical',
      summary: 'Prometheus scrapes no target of a service.',
      description: description('{{ $labels.job }}'),
      runbook: {
        meaning: `For ${missingFor}, no target of a configured service's job answered a scrape: either every instance is down, or service discovery finds none (a renamed job, a wrong selector, a deleted deployment).`,
        impact: 'If the service is down, its users get no answer at all; either way every other alert of the service (errors, latency, SLOs) is blind, since it reads the metrics that stopped.',
        diagnosis: [
          `Whether Prometheus knows the job: \`${UP}{job="<job>"}\` (no series: discovery finds nothing; 0: the targets fail) and its Targets page (/targets).`,
          'Whether the service runs: its deployment or unit status, replicas and last log lines.',
          'Whether the scrape configuration changed: the job name, namespace, labels or annotations discovery selects on.',
        ],
        mitigation: ['Bring the service back (restart, roll back, scale up from 0).', 'Restore the scrape configuration or service discovery that lost it.'],
        escalation: 'Pages the owning team; involve the platform team when discovery or the network is at fault.',
        dashboard: DASHBOARD,
      },
      tests: [
        {
          name: 'pages once no target of the service has been up for its wait',
          // The project's other services stay up: only the example's job goes missing.
          series: jobs.map((job) => ({ series: `${UP}{job="${job}",instance="a:8080"}`, values: job === example ? '1x5 0x25' : '1x30' })),
          evalTime: `${6 + minutes}m`,
          quietAt: [`${5 + minutes}m`],
          expect: [firing('critical', { job: example }, description(example))],
        },
        {
          name: 'pages when the job is gone from Prometheus altogether',
          series: [{ series: `${UP}{job="another",instance="b:8080"}`, values: '1x30' }],
          evalTime: `${1 + minutes}m`,
          quietAt: [`${minutes - 1}m`],
          expect: jobs.map((job) => firing('critical', { job }, description(job))),
        },
        {
          name: 'stays quiet while one target of the service is up',
          series: jobs.flatMap((job) => [
            { series: `${UP}{job="${job}",instance="a:8080"}`, values: '1x30' },
            { series: `${UP}{job="${job}",instance="b:8080"}`, values: '0x30' },
          ]),
          evalTime: '20m',
          expect: [],
        },
      ],
    }),
  ];
}
