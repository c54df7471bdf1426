// Who is told, and how. Every secret (webhook URLs, Slack's incoming-webhook
// URL, the PagerDuty routing key, the SMTP password) is read by Alertmanager
// from a file whose path is in the settings; no secret value is in the repo.
import type { Receiver } from './schema.ts';
import type { AlertmanagerSettings } from './settings.ts';

/** Receiver names, used by the routing tree and asserted by the tests. */
export const RECEIVER = {
  /** Dead man's switch: an external heartbeat service that pages when the Watchdog stops arriving. */
  heartbeat: 'heartbeat',
  /** critical: wakes someone up (PagerDuty). */
  pager: 'pager',
  /** warning and anything unclassified: the team's alert channel (Slack). */
  chat: 'chat',
  /** warning: a ticket to fix in working hours (mail to the ticket system). */
  ticket: 'ticket',
  /** info: recorded in Alertmanager and on dashboards, never notified. */
  none: 'null',
} as const;

export type ReceiverName = (typeof RECEIVER)[keyof typeof RECEIVER];

/** Calls a template of templates/notifications.tmpl on the notification's data. */
const t = (name: string) => `{{ template "${name}" . }}`;

export function receivers(s: AlertmanagerSettings): Receiver[] {
  return [
    {
      name: RECEIVER.heartbeat,
      // A resolved Watchdog would mean the pipeline is broken: the heartbeat service notices the silence instead.
      webhook_configs: [{ url_file: s.secrets.heartbeatUrlFile, send_resolved: false }],
    },
    {
      name: RECEIVER.pager,
      pagerduty_configs: [
        {
          routing_key_file: s.secrets.pagerdutyRoutingKeyFile,
          send_resolved: true,
          severity: 'critical',
          description: t('kit.title'),
          details: { summary: '{{ .CommonAnnotations.summary }}', alerts: t('kit.text'), silence: t('kit.group_silence_url') },
          links: [
            { href: t('kit.runbook_url'), text: 'Runbook' },
            { href: t('kit.group_silence_url'), text: 'Silence this alert' },
          ],
        },
      ],
    },
    {
      name: RECEIVER.chat,
      slack_configs: [{ api_url_file: s.secrets.slackApiUrlFile, channel: s.slack.channel, send_resolved: true, title: t('kit.title'), text: t('kit.text') }],
    },
    {
      name: RECEIVER.ticket,
      email_configs: [{ to: s.email.ticketsTo, send_resolved: true, headers: { Subject: t('kit.title') }, text: t('kit.text'), html: '' }],
    },
    { name: RECEIVER.none },
  ];
}

/**
 * The test profile: the same receivers by name (so routing is unchanged and a
 * notification says which receiver it reached), every one a webhook to the
 * URL in `urlFile`.
 */
export function webhookReceivers(urlFile: string): Receiver[] {
  return Object.values(RECEIVER).map((name) => (name === RECEIVER.none ? { name } : { name, webhook_configs: [{ url_file: urlFile, send_resolved: true }] }));
}
