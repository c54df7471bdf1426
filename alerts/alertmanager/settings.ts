// The typed, per-environment settings of Alertmanager: notification timings,
// where each secret is read from, and the non-secret addresses. Secrets are
// never values here: only the paths of files that the deployment mounts
// (compose secrets, a Kubernetes Secret volume).
import type { Environment } from '../../signals/alert-settings.ts';
import type { Duration } from '../../signals/rule-types.ts';
import { type DeepPartial, merge } from '../../signals/merge.ts';

export interface Timings {
  /** Wait before the first notification of a new group, to batch alerts that start together. */
  readonly groupWait: Duration;
  /** Wait before notifying about alerts added to (or resolved in) a group already notified. */
  readonly groupInterval: Duration;
  /** Wait before repeating a notification that has not changed. */
  readonly repeatInterval: Duration;
}

export interface AlertmanagerSettings {
  /** Every route but the heartbeat's. */
  readonly timings: Timings;
  /**
   * The Watchdog's route: notified at once and repeated often, so the
   * heartbeat service (a dead man's switch) pages when the pings stop.
   */
  readonly heartbeat: Timings;
  /** Files holding the secrets, as mounted in the Alertmanager container. */
  readonly secrets: {
    readonly heartbeatUrlFile: string;
    readonly pagerdutyRoutingKeyFile: string;
    readonly slackApiUrlFile: string;
    readonly smtpPasswordFile: string;
  };
  readonly slack: { readonly channel: string };
  /** Warnings open a ticket by mail to the ticket system's inbound address. */
  readonly email: {
    /** host:port of the SMTP relay. */
    readonly smarthost: string;
    readonly from: string;
    readonly username: string;
    readonly ticketsTo: string;
  };
  /** Notification template globs, relative to the folder of alertmanager.yml. */
  readonly templates: readonly string[];
}

export type { DeepPartial };

const SECRETS_DIR = '/etc/alertmanager/secrets';

/** Production: the timings of the design (30s / 5m / 4h). */
export const baseSettings: AlertmanagerSettings = {
  timings: { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' },
  heartbeat: { groupWait: '0s', groupInterval: '30s', repeatInterval: '1m' },
  secrets: {
    heartbeatUrlFile: `${SECRETS_DIR}/heartbeat-url`,
    pagerdutyRoutingKeyFile: `${SECRETS_DIR}/pagerduty-routing-key`,
    slackApiUrlFile: `${SECRETS_DIR}/slack-api-url`,
    smtpPasswordFile: `${SECRETS_DIR}/smtp-password`,
  },
  slack: { channel: '#alerts' },
  email: { smarthost: 'smtp.example.com:587', from: 'alertmanager@example.com', username: 'alertmanager', ticketsTo: 'tickets@example.com' },
  templates: ['*.tmpl'],
};

/** What each environment changes; production is the base. */
export const settingsOverrides: Readonly<Record<Environment, DeepPartial<AlertmanagerSettings>>> = {
  production: {},
  staging: {
    timings: { repeatInterval: '12h' },
    slack: { channel: '#alerts-staging' },
  },
  development: {
    // Fast feedback while writing rules; nobody wants a repeat overnight.
    timings: { groupWait: '10s', groupInterval: '1m', repeatInterval: '1h' },
    slack: { channel: '#alerts-development' },
  },
};

export function settingsFor(env: Environment, extra: DeepPartial<AlertmanagerSettings> = {}): AlertmanagerSettings {
  return merge(merge(baseSettings, settingsOverrides[env]), extra);
}
