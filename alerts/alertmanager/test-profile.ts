// The test profile of an environment's Alertmanager: its routing and
// inhibition unchanged, every receiver a webhook to one URL (written to a
// file, as a real secret would be), for the local stack's pager and the tests.
import { join } from 'node:path';
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { alertmanagerConfig } from './assemble.ts';
import { notificationTemplates } from './templates.ts';
import { alertmanagerYaml } from './yaml.ts';
import type { Timings } from './settings.ts';

/** Path of the file holding the webhook URL, relative to Alertmanager's folder. */
export const WEBHOOK_URL_FILE = 'secrets/webhook-url';

export interface WebhookProfileOptions {
  /** Every receiver (but `null`) posts here. */
  readonly url: string;
  /** Over the environment's timings. */
  readonly timings?: Partial<Timings>;
  /** Over the Watchdog route's timings. */
  readonly heartbeat?: Partial<Timings>;
}

/** What to write in Alertmanager's folder: alertmanager.yml (a function of the folder, for the URL file's absolute path) and the files beside it. */
export interface WebhookProfile {
  readonly config: (dir: string) => string;
  readonly files: Readonly<Record<string, string>>;
}

export function webhookProfile(config: AlertConfig, options: WebhookProfileOptions): WebhookProfile {
  return {
    config: (dir) =>
      alertmanagerYaml(
        alertmanagerConfig(config, {
          webhookUrlFile: join(dir, WEBHOOK_URL_FILE),
          ...(options.timings && { timings: options.timings }),
          ...(options.heartbeat && { heartbeat: options.heartbeat }),
        }),
      ),
    files: { [WEBHOOK_URL_FILE]: options.url, ...Object.fromEntries(notificationTemplates()) },
  };
}
