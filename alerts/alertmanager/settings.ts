// Alertmanager's timings per environment: the design's 30s / 5m / 4h unless
// the environment's `notifications` say otherwise, and the Watchdog's own
// fast route. Receivers and teams are the project's (alerting in the config).
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { NotificationTimings } from '../../signals/project/config.ts';

export type Timings = NotificationTimings;

/** group_wait / group_interval / repeat_interval of every route but the heartbeat's. */
export const DEFAULT_TIMINGS: Timings = { groupWait: '30s', groupInterval: '5m', repeatInterval: '4h' };

/**
 * The Watchdog's route: notified at once and repeated often, so the
 * heartbeat service (a dead man's switch) pages when the pings stop.
 */
export const HEARTBEAT_TIMINGS: Timings = { groupWait: '0s', groupInterval: '30s', repeatInterval: '1m' };

/** Notification template globs, relative to the folder of alertmanager.yml. */
export const TEMPLATE_GLOBS: readonly string[] = ['*.tmpl'];

/** The timings of the environment of `config`: its `notifications` over the defaults. */
export function timingsFor(config: AlertConfig): Timings {
  return { ...DEFAULT_TIMINGS, ...config.project.environments?.[config.environment]?.notifications };
}
