// PrometheusSDRefreshFailure: service discovery cannot refresh, so targets go stale (prometheus-mixin).
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

export function prometheusSdRefreshFailure(config: AlertConfig): AlertRule {
  const { jobs, prom, promTarget } = stackJobs(config);
  const failures = (values: string) => ({ series: `${metrics.sdRefreshFailures}{${promTarget},mechanism="kubernetes"}`, values });
  return alert({
    alert: 'PrometheusSDRefreshFailure',
    expr: `increase(${metrics.sdRefreshFailures}{${prom}}[10m]) > 0`,
    for: '20m',
    severity: 'warning',
    summary: 'Failed Prometheus SD refresh.',
    description: 'Prometheus {{ $labels.instance }} has failed to refresh {{ $labels.mechanism }} service discovery for 20 minutes.',
    runbook: {
      meaning: 'A service discovery mechanism (Kubernetes API, DNS, file) keeps failing to refresh: Prometheus scrapes the last target list it got.',
      impact: 'New instances are not scraped and gone ones linger; alerts miss what scaled out.',
      diagnosis: ['Prometheus\'s log names the discovery error (permissions of its service account, an unreachable API server or DNS).'],
      mitigation: ['Fix the permissions (RBAC) or the address of the discovery source.'],
      escalation: 'Ticket for the platform team.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'warns twenty minutes after discovery starts failing',
        series: [failures('0x10 1+1x40')],
        evalTime: '31m',
        quietAt: ['30m'],
        expect: [firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090', mechanism: 'kubernetes' }, 'Prometheus prometheus:9090 has failed to refresh kubernetes service discovery for 20 minutes.')],
      },
      { name: 'stays quiet while discovery refreshes', series: [failures('0x50')], evalTime: '40m', expect: [] },
    ],
  });
}
