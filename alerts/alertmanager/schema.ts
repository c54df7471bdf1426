// The typed shape of the Alertmanager configuration file, as far as the kit
// uses it. Field names are Alertmanager's own (snake_case), so the object
// serialises to YAML as is and a wrong field is a compile error.
// Reference: https://prometheus.io/docs/alerting/latest/configuration/
import type { Duration } from '../../signals/rule-types.ts';

/** A matcher string in Alertmanager's syntax: `name="value"`, `name!="value"`, `name=~"re"`. */
export type Matcher = `${string}${'=' | '!=' | '=~' | '!~'}"${string}"`;

export interface RouteTimings {
  readonly group_wait?: Duration;
  readonly group_interval?: Duration;
  readonly repeat_interval?: Duration;
}

export interface Route extends RouteTimings {
  readonly receiver?: string;
  readonly group_by?: readonly string[];
  readonly matchers?: readonly Matcher[];
  /** Keep matching sibling routes after this one matched. */
  readonly continue?: boolean;
  readonly routes?: readonly Route[];
}

/** The root route names a receiver and has no matchers. */
export interface RootRoute extends Route {
  readonly receiver: string;
  readonly matchers?: never;
}

export interface InhibitRule {
  readonly source_matchers: readonly Matcher[];
  readonly target_matchers: readonly Matcher[];
  /** Labels whose values must be equal in source and target (missing in both counts as equal). */
  readonly equal: readonly string[];
}

export interface WebhookConfig {
  /** File holding the URL: the URL often carries a token. */
  readonly url_file: string;
  readonly send_resolved?: boolean;
  readonly max_alerts?: number;
}

export interface SlackConfig {
  readonly api_url_file: string;
  readonly channel?: string;
  readonly send_resolved?: boolean;
  readonly title?: string;
  readonly title_link?: string;
  readonly text?: string;
}

export interface PagerDutyConfig {
  /** Events API v2 integration key. */
  readonly routing_key_file: string;
  readonly send_resolved?: boolean;
  readonly severity?: string;
  readonly description?: string;
  readonly details?: Readonly<Record<string, string>>;
  readonly links?: readonly { readonly href: string; readonly text: string }[];
}

export interface EmailConfig {
  readonly to: string;
  readonly from?: string;
  /** host:port of the SMTP relay. */
  readonly smarthost?: string;
  readonly auth_username?: string;
  readonly auth_password_file?: string;
  readonly require_tls?: boolean;
  readonly send_resolved?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly text?: string;
  /** Empty: a text-only mail (the default is Alertmanager's own HTML template). */
  readonly html?: string;
}

export interface Receiver {
  readonly name: string;
  readonly webhook_configs?: readonly WebhookConfig[];
  readonly slack_configs?: readonly SlackConfig[];
  readonly pagerduty_configs?: readonly PagerDutyConfig[];
  readonly email_configs?: readonly EmailConfig[];
}

export interface GlobalConfig {
  readonly resolve_timeout?: Duration;
  readonly smtp_smarthost?: string;
  readonly smtp_from?: string;
  readonly smtp_auth_username?: string;
  readonly smtp_auth_password_file?: string;
  readonly smtp_require_tls?: boolean;
}

export interface AlertmanagerConfigFile {
  readonly global?: GlobalConfig;
  /** Globs of notification template files, relative to the config file's folder. */
  readonly templates?: readonly string[];
  readonly route: RootRoute;
  readonly inhibit_rules?: readonly InhibitRule[];
  readonly receivers: readonly Receiver[];
}
