// PrometheusConfigReloadFailed: a changed Prometheus configuration did not apply.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import type { AlertRule } from '../../../signals/rule-types.ts';
import { metrics } from './common.ts';
import { configReloadFailed } from './config-reload-failed.ts';

export function prometheusConfigReloadFailed(config: AlertConfig): AlertRule {
  return configReloadFailed({
    alert: 'PrometheusConfigReloadFailed',
    component: 'Prometheus',
    metric: metrics.configReloadSuccessful,
    job: config.stack.jobs.prometheus,
    instance: 'prometheus:9090',
    keeps: 'running',
    runbook: {
      meaning: 'The last reload of the Prometheus configuration (prometheus.yml and the rule files it names) failed.',
      impact: 'Nothing stops: Prometheus keeps the previous configuration, but the change that was meant to apply (new targets, new or fixed rules) does not.',
      diagnosis: ['Prometheus\'s log at the last reload names the file and line; `promtool check config` and `promtool check rules` on the deployed files reproduce it.'],
      escalation: 'A ticket for whoever changed the configuration; page only if the change was a fix for an ongoing incident.',
    },
    quiet: { name: 'stays quiet after a failed reload is fixed within ten minutes', values: '1x5 0x5 1x15', evalTime: '20m' },
  });
}
