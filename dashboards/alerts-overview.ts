// Alerts: what fires and what is pending now, since when, and what fired
// over the time range, from Prometheus's own ALERTS and ALERTS_FOR_STATE
// series, with Grafana's alert list of Prometheus's rules on top.
import { select } from '../signals/promql.ts';
import { DASHBOARD_UIDS, type DashboardSettings, FOLDERS } from './dashboard-settings.ts';
import { instanceVariable, jobsVariable, type KitDashboard, kitDashboard, row } from './lib/common.ts';
import { alertList, higherIsWorse, q, stat, stateTimeline, table, timeseries } from './lib/panels.ts';
import { TARGET } from './lib/promql.ts';
import { prometheusSynthetic } from '../signals/stack-metrics.ts';

const { alerts: ALERTS, alertsForState: ALERTS_FOR_STATE } = prometheusSynthetic;
const ALERT_LABELS = 'alertname, severity, job, instance';
const inState = (state: 'firing' | 'pending') => select(ALERTS, `alertstate="${state}"`, ...TARGET);

function list(c: DashboardSettings) {
  return alertList({
    title: 'Alert rules firing or pending',
    description: "Grafana's list of Prometheus's alerting rules (the kit's rule file) that fire or are pending now, with their instances. Silence or acknowledge them in Alertmanager.",
    rulesDatasource: c.datasources.prometheus.name,
  });
}

function firingBySeverity() {
  return stat({
    title: 'Firing now',
    description: 'Alerts firing now by severity: critical pages, warning opens a ticket, info is not routed. The Watchdog (info) always fires: if it is missing, alerting itself is broken.',
    unit: 'short',
    width: 12,
    sparkline: false,
    queries: [q(`count by (severity) (${inState('firing')})`, '{{severity}}')],
    steps: higherIsWorse(1),
  });
}

function pending() {
  return stat({
    title: 'Pending now',
    description: "Alerts whose condition holds but whose `for` has not yet passed: they fire if it keeps holding.",
    unit: 'short',
    width: 12,
    sparkline: false,
    queries: [q(`count(${inState('pending')}) or vector(0)`, 'pending')],
    steps: higherIsWorse(1),
  });
}

function activeNow() {
  return table({
    title: 'Active alerts and since when',
    description: 'Every alert pending or firing now, with the time its condition started to hold (ALERTS_FOR_STATE: the start of its `for`). The Firing over time lane shows which of them fire.',
    unit: 'dateTimeAsIso',
    width: 24,
    queries: [q(`max by (${ALERT_LABELS}) (${select(ALERTS_FOR_STATE, ...TARGET)}) * 1000`, undefined, { instant: true, table: true })],
    columns: { alertname: 'Alert', severity: 'Severity', job: 'Job', instance: 'Instance', Value: 'Active since' },
    sortBy: 'Active since',
  });
}

function history() {
  return stateTimeline({
    title: 'Firing over time',
    description: 'Which alerts fired when over the time range, one lane per alert and severity.',
    unit: 'short',
    queries: [q(`max by (alertname, severity) (${inState('firing')})`, '{{alertname}} ({{severity}})')],
  });
}

function firingTrend() {
  return timeseries({
    title: 'Alerts firing by severity',
    description: 'How many alerts fired at each moment, by severity (stacked).',
    unit: 'short',
    stacked: true,
    queries: [q(`count by (severity) (${inState('firing')})`, '{{severity}}')],
  });
}

function firedInRange() {
  return table({
    title: 'Fired within the time range',
    description: 'Every alert that fired at any moment of the time range, including those resolved since.',
    unit: 'short',
    queries: [q(`max by (alertname, severity, job) (max_over_time(${inState('firing')}[$__range]))`, undefined, { instant: true, table: true })],
    columns: { alertname: 'Alert', severity: 'Severity', job: 'Job', Value: 'Fired' },
  });
}

export function alertsOverview(c: DashboardSettings): KitDashboard {
  return kitDashboard(c, {
    uid: DASHBOARD_UIDS.alertsOverview,
    title: 'Alerts',
    description: "What fires and what is pending now, since when, and what fired over the time range, from Prometheus's ALERTS series and its rules. Runbooks are linked from each alert's annotations.",
    folder: FOLDERS.observability,
    tags: ['alerts'],
    variables: [jobsVariable(ALERTS, true), instanceVariable(ALERTS)],
    rows: [row('Now', [firingBySeverity(), pending(), list(c), activeNow()]), row('Recently', [history(), firingTrend(), firedInRange()])],
  });
}
