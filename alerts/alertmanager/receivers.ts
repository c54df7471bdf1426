// Who is told, and how: the project's receivers (PagerDuty, Slack, e-mail,
// webhook), the heartbeat service when there is one, and `null` for what is
// not notified. Every secret (webhook URLs, Slack's incoming-webhook URL, the
// PagerDuty routing key, the SMTP password) is read by Alertmanager from a
// file whose path is in the config; no secret value is in the repo.
import type { AlertingConfig, ReceiverConfig } from '../../signals/project/config.ts';
import type { Receiver } from './schema.ts';

/** The kit's own receivers; the project names the others. */
export const RECEIVER = {
  /** Dead man's switch: an external heartbeat service that pages when the Watchdog stops arriving. */
  heartbeat: 'heartbeat',
  /** info, and the Watchdog without a heartbeat service: recorded in Alertmanager and on dashboards, never notified. */
  none: 'null',
} as const;

/** Calls a template of templates/notifications.tmpl on the notification's data. */
const t = (name: string) => `{{ template "${name}" . }}`;

function receiver(name: string, r: ReceiverConfig): Receiver {
  switch (r.type) {
    case 'pagerduty':
      return {
        name,
        pagerduty_configs: [
          {
            routing_key_file: r.routingKeyFile,
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
      };
    case 'slack':
      return { name, slack_configs: [{ api_url_file: r.apiUrlFile, channel: r.channel, send_resolved: true, title: t('kit.title'), text: t('kit.text') }] };
    case 'email':
      return {
        name,
        email_configs: [
          {
            to: r.to,
            from: r.from,
            smarthost: r.smarthost,
            ...(r.username !== undefined && { auth_username: r.username }),
            ...(r.passwordFile !== undefined && { auth_password_file: r.passwordFile }),
            require_tls: true,
            send_resolved: true,
            headers: { Subject: t('kit.title') },
            text: t('kit.text'),
            html: '',
          },
        ],
      };
    case 'webhook':
      return { name, webhook_configs: [{ url_file: r.urlFile, send_resolved: true }] };
    case 'none':
      return { name };
  }
}

/** The heartbeat receiver (when the project has a heartbeat service), the project's receivers in config order, then `null`. */
export function receivers(alerting: AlertingConfig): Receiver[] {
  return [
    // A resolved Watchdog would mean the pipeline is broken: the heartbeat service notices the silence instead.
    ...(alerting.heartbeatUrlFile !== undefined ? [{ name: RECEIVER.heartbeat, webhook_configs: [{ url_file: alerting.heartbeatUrlFile, send_resolved: false }] }] : []),
    ...Object.entries(alerting.receivers).map(([name, r]) => receiver(name, r)),
    { name: RECEIVER.none },
  ];
}

/**
 * The test profile: the same receivers by name (so routing is unchanged and a
 * notification says which receiver it reached), every one but `null` a
 * webhook to the URL in `urlFile`.
 */
export function webhookReceivers(alerting: AlertingConfig, urlFile: string): Receiver[] {
  return receivers(alerting).map(({ name }) => (name === RECEIVER.none ? { name } : { name, webhook_configs: [{ url_file: urlFile, send_resolved: true }] }));
}
