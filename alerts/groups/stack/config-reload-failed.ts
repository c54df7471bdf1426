// Prometheus or Alertmanager failed to reload its configuration and goes on
// with the last one that loaded: the builder of both alerts.
import { alert, type AlertRule, type Duration, type Runbook } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD } from './common.ts';

/** The mixins' wait before a failed reload alerts. */
const CONFIG_RELOAD_FOR: Duration = '10m';

export interface ConfigReloadFailedSpec {
  readonly alert: string;
  /** The component as summary and description name it. */
  readonly component: string;
  /** Its `*_config_last_reload_successful` gauge. */
  readonly metric: string;
  readonly job: string;
  /** The target the tests scrape. */
  readonly instance: string;
  /** What it keeps doing with the last good configuration: "keeps <doing> the last configuration that loaded". */
  readonly keeps: string;
  readonly runbook: Pick<Runbook, 'meaning' | 'impact' | 'diagnosis' | 'escalation'>;
  /** The case that must stay quiet: reload results over time. */
  readonly quiet: { readonly name: string; readonly values: string; readonly evalTime: Duration };
}

export function configReloadFailed(spec: ConfigReloadFailedSpec): AlertRule {
  const selector = `job="${spec.job}"`;
  const reloaded = (values: string) => ({ series: `${spec.metric}{${selector},instance="${spec.instance}"}`, values });
  return alert({
    alert: spec.alert,
    // As the mixins: no successful reload at any point of the last 5 minutes, then the wait.
    // A page: a config that cannot load is a fix (maybe for an incident) that did not apply, and the next restart fails.
    expr: `max_over_time(${spec.metric}{${selector}}[5m]) == 0`,
    for: CONFIG_RELOAD_FOR,
    severity: 'critical',
    summary: `${spec.component} could not reload its configuration.`,
    description: `${spec.component} {{ $labels.instance }} has failed to load its configuration for ${CONFIG_RELOAD_FOR}; it keeps ${spec.keeps} the last configuration that loaded.`,
    runbook: {
      meaning: spec.runbook.meaning,
      impact: spec.runbook.impact,
      diagnosis: spec.runbook.diagnosis,
      mitigation: ['Fix the file (or roll back the change to it) and reload: `POST /-/reload` or SIGHUP.'],
      escalation: spec.runbook.escalation,
      dashboard: DASHBOARD,
    },
    tests: [
      {
        // Failed from 6m: no success in the 5-minute window from 10m, then ten minutes' wait.
        name: 'fires fifteen minutes after a reload fails (five without any success, then ten)',
        series: [reloaded('1x5 0x20')],
        evalTime: '20m',
        quietAt: ['19m'],
        expect: [firing('critical', { job: spec.job, instance: spec.instance }, `${spec.component} ${spec.instance} has failed to load its configuration for 10m; it keeps ${spec.keeps} the last configuration that loaded.`)],
      },
      { name: spec.quiet.name, series: [reloaded(spec.quiet.values)], evalTime: spec.quiet.evalTime, expect: [] },
    ],
  });
}
