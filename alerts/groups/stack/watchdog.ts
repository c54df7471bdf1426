// Watchdog: the dead man's switch. It always fires; its absence at the
// heartbeat receiver, not its presence, is the alarm.
import { alert, type AlertRule } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD } from './common.ts';

const description = 'Prometheus{{ with $externalLabels.prometheus }} {{ . }}{{ end }} evaluates rules and delivers alerts: this alert always fires, and the heartbeat receiver raises the alarm when it stops arriving.';
/** The description as promtool renders it: the tests run without external labels. */
const alive = 'Prometheus evaluates rules and delivers alerts: this alert always fires, and the heartbeat receiver raises the alarm when it stops arriving.';

export function watchdog(): AlertRule {
  return alert({
    alert: 'Watchdog',
    expr: 'vector(1)',
    severity: 'info',
    // Alertmanager routes it by this label to the heartbeat receiver, which raises the alarm when it stops arriving.
    labels: { watchdog: 'true' },
    summary: 'The alerting pipeline is alive.',
    description,
    runbook: {
      meaning: 'A dead man\'s switch: it always fires. Its absence at the heartbeat receiver, not its presence, is the alarm.',
      impact: 'None while it fires. When the heartbeat receiver stops getting it, no alert at all is reaching anyone.',
      diagnosis: [
        'When the heartbeat service reports it missing: whether Prometheus runs and evaluates rules (its Rules page), whether Alertmanager runs and receives it (its Alerts page, filter watchdog="true"), and whether Alertmanager can reach the heartbeat receiver.',
      ],
      mitigation: ['Restore whichever link of Prometheus → Alertmanager → receiver is broken; PrometheusErrorSendingAlertsToAnyAlertmanager and AlertmanagerFailedToSendAlerts point at the link if they can still be delivered.'],
      escalation: 'The heartbeat service pages the platform team directly, outside this alerting path.',
      dashboard: DASHBOARD,
    },
    tests: [
      { name: 'fires from the first evaluation, with no series at all', series: [], evalTime: '0m', expect: [firing('info', { watchdog: 'true' }, alive)] },
      { name: 'keeps firing', series: [], evalTime: '30m', expect: [firing('info', { watchdog: 'true' }, alive)] },
    ],
  });
}
