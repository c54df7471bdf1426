// One environment's Alertmanager configuration, assembled from the project:
// the routing tree, the inhibition rules and the receivers.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { inhibitRules } from './inhibit.ts';
import { receivers, webhookReceivers } from './receivers.ts';
import { routingTree } from './routes.ts';
import type { AlertmanagerConfigFile } from './schema.ts';
import { HEARTBEAT_TIMINGS, TEMPLATE_GLOBS, type Timings, timingsFor } from './settings.ts';

export interface AlertmanagerOverrides {
  /** Over the environment's timings (every route but the heartbeat's). */
  readonly timings?: Partial<Timings>;
  /** Over the heartbeat route's timings. */
  readonly heartbeat?: Partial<Timings>;
  /**
   * The test profile: every receiver (but `null`) becomes a webhook to the URL
   * held in this file. Routing and inhibition stay exactly those of the environment.
   */
  readonly webhookUrlFile?: string;
}

export function alertmanagerConfig(config: AlertConfig, overrides: AlertmanagerOverrides = {}): AlertmanagerConfigFile {
  const timings = { ...timingsFor(config), ...overrides.timings };
  const heartbeat = { ...HEARTBEAT_TIMINGS, ...overrides.heartbeat };
  return {
    templates: TEMPLATE_GLOBS,
    route: routingTree(config, timings, heartbeat),
    inhibit_rules: inhibitRules(config.serviceLabel),
    receivers: overrides.webhookUrlFile === undefined ? receivers(config.alerting) : webhookReceivers(config.alerting, overrides.webhookUrlFile),
  };
}
