// AlertmanagerConfigReloadFailed: a changed Alertmanager configuration did not apply.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import type { AlertRule } from '../../../signals/rule-types.ts';
import { metrics } from './common.ts';
import { configReloadFailed } from './config-reload-failed.ts';

export function alertmanagerConfigReloadFailed(config: AlertConfig): AlertRule {
  return configReloadFailed({
    alert: 'AlertmanagerConfigReloadFailed',
    component: 'Alertmanager',
    metric: metrics.alertmanagerConfigReloadSuccessful,
    job: config.stack.jobs.alertmanager,
    instance: 'alertmanager:9093',
    keeps: 'routing with',
    runbook: {
      meaning: 'The last reload of alertmanager.yml (or a template it names) failed.',
      impact: 'Alertmanager keeps the previous routes, receivers and inhibitions: a new receiver or a fixed route does not apply, so notifications may still go to the old place.',
      diagnosis: ['Alertmanager\'s log at the last reload names the error; `amtool check-config alertmanager.yml` reproduces it.'],
      escalation: 'A ticket for whoever changed the configuration.',
    },
    quiet: { name: 'stays quiet while reloads succeed', values: '1x20', evalTime: '15m' },
  });
}
