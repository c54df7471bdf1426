// A real Alertmanager for tests: stack/alertmanager.ts (the one
// implementation, shared with the local stack) in a temp folder on a free
// port, with any config or with a project's routing and inhibition (every
// receiver a webhook to a test server, short timings).
import { type Timings, webhookProfile } from '../../alerts/alertmanager/index.ts';
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { type AlertmanagerOptions, type RunningAlertmanager, startAlertmanager as startStackAlertmanager } from '../../stack/alertmanager.ts';
import { inScratchDir } from './scratch.ts';

export type { AlertmanagerOptions, GettableAlert, PostableAlert, RunningAlertmanager } from '../../stack/alertmanager.ts';

export interface KitAlertmanagerOptions {
  /** Every receiver posts here (the URL is written to a file, as a real secret would be). */
  readonly webhookUrl: string;
  /** The environment whose routing tree and inhibition rules are used: `configFor(project, env)`. */
  readonly config: AlertConfig;
  /** Default: group_wait 1s, group_interval 1s, repeat_interval 1h (a repeat shows up as a duplicate). */
  readonly timings?: Partial<Timings>;
  readonly extraFlags?: readonly string[];
}

const TEST_TIMINGS: Timings = { groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' };

/** The project's routing and inhibition for one environment, every receiver a webhook to `webhookUrl`, short timings (the Watchdog's route too). */
export function startKitAlertmanager(options: KitAlertmanagerOptions): Promise<RunningAlertmanager> {
  const timings = { ...TEST_TIMINGS, ...options.timings };
  return startAlertmanager({
    ...webhookProfile(options.config, { url: options.webhookUrl, timings, heartbeat: timings }),
    ...(options.extraFlags && { extraFlags: options.extraFlags }),
  });
}

export function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  return inScratchDir('am-test-', (dir, port) => startStackAlertmanager({ ...options, dir, port }));
}
