// AlertmanagerFailedToSendAlerts: notifications through one integration (webhook, email, Slack, PagerDuty…) fail.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { percent } from '../../../signals/promql.ts';
import { alert, type AlertRule, type Duration } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

const ALERTMANAGER_FAILED = { value: 0.01, for: '5m' as Duration };

export function alertmanagerFailedToSendAlerts(config: AlertConfig): AlertRule {
  const { jobs, am, amTarget } = stackJobs(config);
  /** Test input: notifications to the webhook, and those of them that failed with a server error. */
  const webhook = (sent: string, failed: string) => [
    { series: `${metrics.alertmanagerNotifications}{${amTarget},integration="webhook"}`, values: sent },
    { series: `${metrics.alertmanagerNotificationsFailed}{${amTarget},integration="webhook",reason="serverError"}`, values: failed },
  ];
  return alert({
    alert: 'AlertmanagerFailedToSendAlerts',
    expr: `rate(${metrics.alertmanagerNotificationsFailed}{${am}}[5m]) / ignoring (reason) group_left clamp_min(rate(${metrics.alertmanagerNotifications}{${am}}[5m]), 1e-12) > ${ALERTMANAGER_FAILED.value}`,
    for: ALERTMANAGER_FAILED.for,
    severity: 'warning',
    summary: 'Alertmanager is failing to send notifications.',
    description: `Alertmanager {{ $labels.instance }} failed to send {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }} over the last 5 minutes ({{ $labels.reason }}).`,
    runbook: {
      meaning: `More than ${percent(ALERTMANAGER_FAILED.value)} of the notifications an Alertmanager sent through one integration (webhook, email, Slack, PagerDuty…) failed, for ${ALERTMANAGER_FAILED.for}.`,
      impact: 'The receivers of that integration miss pages and tickets; Alertmanager retries, so some arrive late.',
      diagnosis: [
        `Which integration and why: \`rate(${metrics.alertmanagerNotificationsFailed}{${am}}[5m])\` by integration and reason (clientError: our config or credentials; serverError: their side).`,
        'Alertmanager\'s log names the receiver and the HTTP status or error.',
      ],
      mitigation: ['Fix the receiver\'s URL, credentials (read from files or env) or network path; for their outage, route critical alerts to a second integration.'],
      escalation: 'A ticket for the platform team; page through another integration if the failing one carries pages.',
      dashboard: DASHBOARD,
    },
    tests: [
      {
        name: 'fires five minutes after notifications start failing',
        series: webhook('100+10x30', '5x10 6+1x20'),
        evalTime: '16m',
        quietAt: ['15m'],
        expect: [firing('warning', { job: jobs.alertmanager, instance: 'alertmanager:9093', integration: 'webhook', reason: 'serverError' }, 'Alertmanager alertmanager:9093 failed to send 10% of its notifications to webhook over the last 5 minutes (serverError).')],
      },
      {
        name: 'stays quiet while no notification fails',
        series: webhook('100+10x30', '5x30'),
        evalTime: '20m',
        expect: [],
      },
      {
        name: 'stays quiet when there is nothing to send',
        series: webhook('0x30', '0x30'),
        evalTime: '20m',
        expect: [],
      },
    ],
  });
}
