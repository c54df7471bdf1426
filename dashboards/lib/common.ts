// The frame every kit dashboard shares: stable uid, tags, the datasource
// variable, `job` and `instance` variables from label_values(), header links
// to the other dashboards (time and variables kept) and to logs and traces,
// and panels numbered in reading order.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { select } from '../../signals/promql.ts';
import type { DashboardSettings, Folder } from '../dashboard-settings.ts';
import { headerLinks } from './links.ts';
import { type AnyPanel, DATASOURCE_REF, DATASOURCE_VAR } from './panels.ts';
import { JOB } from './promql.ts';

export interface Row {
  readonly title: string;
  readonly panels: readonly AnyPanel[];
}

export interface DashboardSpec {
  /** Stable: links, runbooks and notifications name it; a lowercase slug of at most 40 characters. */
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly folder: Folder;
  readonly tags: readonly string[];
  /** Variables after the datasource: job and instance first. */
  readonly variables: readonly dashboard.QueryVariableBuilder[];
  readonly rows: readonly Row[];
}

/** A kit dashboard and the folder it is provisioned into. */
export interface KitDashboard {
  readonly uid: string;
  readonly folder: Folder;
  readonly builder: dashboard.DashboardBuilder;
}

export function datasourceVariable(config: DashboardSettings): dashboard.DatasourceVariableBuilder {
  const ds = config.datasources.prometheus;
  return new dashboard.DatasourceVariableBuilder(DATASOURCE_VAR)
    .label('Data source')
    .type('prometheus')
    .current({ selected: true, text: ds.name, value: ds.uid });
}

export interface LabelVariable {
  readonly name: string;
  readonly label: string;
  /** The series whose label values are offered, e.g. `up{job=~"$job"}`. */
  readonly series: string;
  /** Several at once, with an "All". */
  readonly multi: boolean;
  /** All as `.*`, which also matches series without the label; otherwise every value found. */
  readonly allMatchesMissing?: boolean;
}

/** A variable offering the values of one label of `series`, as Grafana's label_values() finds them. */
export function labelVariable(v: LabelVariable): dashboard.QueryVariableBuilder {
  const query = `label_values(${v.series}, ${v.name})`;
  const variable = new dashboard.QueryVariableBuilder(v.name)
    .label(v.label)
    .query(query)
    .definition(query)
    .datasource(DATASOURCE_REF)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(v.multi)
    .includeAll(v.multi);
  if (v.multi) variable.current({ selected: true, text: 'All', value: '$__all' });
  if (v.allMatchesMissing) variable.allValue('.*');
  return variable;
}

/** `job=~"a|b"`: the jobs of these services (names are lowercase letters, digits and dashes: nothing to escape). */
export function jobsOf(services: readonly string[]): string {
  return `job=~"${services.join('|')}"`;
}

/** `job`, one of the project's services at a time (those exposing `metric`): its links open that service's logs and traces. */
export function serviceJobVariable(metric: string, services: readonly string[]): dashboard.QueryVariableBuilder {
  return labelVariable({ name: 'job', label: 'Service (job)', series: select(metric, jobsOf(services)), multi: false });
}

/**
 * `job`, any number of the jobs of `series`. With `allMatchesMissing`, All
 * also matches series without a job label (the Watchdog alert); otherwise
 * All is exactly the jobs found (the stack's, not the services').
 */
export function jobsVariable(series: string, allMatchesMissing: boolean): dashboard.QueryVariableBuilder {
  return labelVariable({ name: 'job', label: 'Job', series, multi: true, allMatchesMissing });
}

/** A service dashboard's variables: one of `services` that exposes `metric`, any of its instances. */
export function serviceVariables(metric: string, services: readonly string[]): dashboard.QueryVariableBuilder[] {
  return [serviceJobVariable(metric, services), instanceVariable(metric)];
}

/** `instance`: the targets of the selected job(s) that expose `metric`; All also matches series without one. */
export function instanceVariable(metric: string): dashboard.QueryVariableBuilder {
  return labelVariable({ name: 'instance', label: 'Instance', series: select(metric, JOB), multi: true, allMatchesMissing: true });
}

export function row(title: string, panels: readonly AnyPanel[]): Row {
  return { title, panels };
}

export function kitDashboard(config: DashboardSettings, spec: DashboardSpec): KitDashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([config.tag, ...spec.tags])
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .withVariable(datasourceVariable(config))
    .links(headerLinks(config));
  for (const v of spec.variables) builder.withVariable(v);
  // Ids in reading order, rows included: stable as long as the layout is.
  let id = 0;
  for (const r of spec.rows) {
    builder.withRow(new dashboard.RowBuilder(r.title).id(++id));
    for (const p of r.panels) {
      p.id(++id);
      builder.withPanel(p);
    }
  }
  return { uid: spec.uid, folder: spec.folder, builder };
}

/** A panel header link to another kit dashboard, carrying the time range and the variables. */
export function dashboardUrl(uid: string): string {
  return `/d/${uid}?\${__url_time_range}&\${__all_variables}`;
}
