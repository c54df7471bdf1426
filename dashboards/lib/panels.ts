// Shared panel defaults (the SDK examples' common.ts): every panel is built
// from a spec that cannot omit its title, description or unit, and every
// query goes through the dashboard's datasource variable.
import * as common from '@grafana/grafana-foundation-sdk/common';
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as BarGaugeBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelineBuilder } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TableBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { externalLink, type Link } from './links.ts';

/** The name of every dashboard's datasource variable, and the reference panels and queries use. */
export const DATASOURCE_VAR = 'datasource';
export const DATASOURCE_REF = { type: 'prometheus', uid: `\${${DATASOURCE_VAR}}` } as const;

export interface Query {
  readonly expr: string;
  /** Legend template, e.g. `{{http_route}}`. */
  readonly legend?: string;
  /** Evaluated once at the end of the range (stats and tables), not as a series. */
  readonly instant?: boolean;
  /** Rows of a table instead of series. */
  readonly table?: boolean;
  /** Asks Prometheus for exemplars: each one links to its trace (the datasource's exemplarTraceIdDestinations). */
  readonly exemplar?: boolean;
}

export function q(expr: string, legend?: string, options: Omit<Query, 'expr' | 'legend'> = {}): Query {
  return { expr, ...(legend !== undefined && { legend }), ...options };
}

/** A threshold step: from `value` on, the color. */
export interface Step {
  readonly value: number;
  readonly color: 'green' | 'yellow' | 'orange' | 'red' | 'blue';
}

/** Green, then orange from `warning`, red from `critical` (higher is worse). */
export function higherIsWorse(warning: number, critical?: number): Step[] {
  return [{ value: warning, color: 'orange' }, ...(critical === undefined ? [] : [{ value: critical, color: 'red' } as const])];
}

export interface PanelSpec {
  readonly title: string;
  /** What the panel shows and how to read it: Grafana shows it on hover. */
  readonly description: string;
  /** A Grafana unit id: `reqps`, `percentunit`, `s`, `bytes`, `short`, `currencyEUR`, … */
  readonly unit: string;
  readonly queries: readonly Query[];
  /** Steps above a green base; the alert thresholds, from signals/alert-settings.ts. */
  readonly steps?: readonly Step[];
  /** The base color below the first step (default green; red where lower is worse). */
  readonly base?: Step['color'];
  readonly width?: number;
  readonly height?: number;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  /** Links in the panel header. */
  readonly links?: readonly Link[];
  /** Text shown instead of "No data" (e.g. "none firing"). */
  readonly noValue?: string;
  /** Values shown as words: `{ 0: ['down', 'red'], 1: ['up', 'green'] }`. */
  readonly mappings?: Readonly<Record<number, readonly [text: string, color: Step['color']]>>;
}

/** What every panel builder of the SDK has in common, so the dashboard can number them. */
export type AnyPanel = cog.Builder<dashboard.Panel> & { id(id: number): unknown };

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function target(query: Query, index: number): DataqueryBuilder {
  const t = new DataqueryBuilder().datasource(DATASOURCE_REF).refId(REF_IDS[index]!).expr(query.expr);
  if (query.legend !== undefined) t.legendFormat(query.legend);
  if (query.instant) t.instant();
  else t.range();
  if (query.table) t.format(PromQueryFormat.Table);
  if (query.exemplar) t.exemplar(true);
  return t;
}

function thresholdSteps(spec: PanelSpec): dashboard.ThresholdsConfigBuilder {
  const steps: dashboard.Threshold[] = [{ value: null, color: spec.base ?? 'green' }, ...(spec.steps ?? []).map((s) => ({ value: s.value, color: s.color }))];
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

type Common = TimeseriesBuilder | StatBuilder | TableBuilder | BarGaugeBuilder | StateTimelineBuilder;

/** Title, description, unit, datasource, queries, thresholds, size and links: the same on every kind of panel. */
function base<P extends Common>(panel: P, spec: PanelSpec, size: { width: number; height: number }): P {
  panel
    .title(spec.title)
    .description(spec.description)
    .unit(spec.unit)
    .datasource(DATASOURCE_REF)
    .targets(spec.queries.map(target))
    .thresholds(thresholdSteps(spec))
    .span(spec.width ?? size.width)
    .height(spec.height ?? size.height);
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  if (spec.decimals !== undefined) panel.decimals(spec.decimals);
  if (spec.noValue !== undefined) panel.noValue(spec.noValue);
  if (spec.links) panel.links(spec.links.map(externalLink));
  if (spec.mappings) panel.mappings([valueMap(spec.mappings)]);
  return panel;
}

function valueMap(words: NonNullable<PanelSpec['mappings']>): dashboard.ValueMap {
  const options = Object.fromEntries(Object.entries(words).map(([value, [text, color]], index) => [value, { text, color, index }]));
  return { type: dashboard.MappingType.ValueToText, options };
}

/** 1 up (green), 0 down (red): scrape targets, config reloads. */
export const UP_DOWN = { 0: ['down', 'red'], 1: ['up', 'green'] } as const;

export interface TimeseriesSpec extends PanelSpec {
  /** Stack the series (parts of a whole: by status, by kind). */
  readonly stacked?: boolean;
}

/** A graph over time; threshold steps are drawn as dashed lines. */
export function timeseries(spec: TimeseriesSpec): TimeseriesBuilder {
  const panel = base(new TimeseriesBuilder(), spec, { width: 12, height: 8 })
    .lineWidth(1)
    .fillOpacity(spec.stacked ? 40 : 10)
    .showPoints(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List).placement(common.LegendPlacement.Bottom))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending))
    .thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(spec.steps?.length ? common.GraphThresholdsStyleMode.Dashed : common.GraphThresholdsStyleMode.Off));
  if (spec.stacked) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  return panel;
}

/** One big number (the last value), colored by the thresholds. */
export function stat(spec: PanelSpec & { readonly sparkline?: boolean }): StatBuilder {
  return base(new StatBuilder(), spec, { width: 4, height: 4 })
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(spec.sparkline === false ? common.BigValueGraphMode.None : common.BigValueGraphMode.Area)
    .textMode(common.BigValueTextMode.Auto);
}

/** Horizontal bars, one per series: shares that compare (filesystems, spaces, windows). */
export function barGauge(spec: PanelSpec): BarGaugeBuilder {
  return base(new BarGaugeBuilder(), spec, { width: 8, height: 8 })
    .orientation(common.VizOrientation.Horizontal)
    .displayMode(common.BarGaugeDisplayMode.Gradient)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
}

export interface TableSpec extends PanelSpec {
  /** Joins the instant queries' rows on these labels into one row each (Grafana's "merge"). */
  readonly merge?: boolean;
  /** Column headers by field name (`Value #A` for query A's value). */
  readonly columns?: Readonly<Record<string, string>>;
  readonly sortBy?: string;
}

/** Rows from instant queries: one row per label set, a column per query. */
export function table(spec: TableSpec): TableBuilder {
  const panel = base(new TableBuilder(), spec, { width: 12, height: 8 }).cellHeight(common.TableCellHeight.Sm).showHeader(true);
  if (spec.merge) panel.withTransformation({ id: 'merge', options: {} });
  if (spec.columns) {
    panel.withTransformation({ id: 'organize', options: { excludeByName: { Time: true }, renameByName: spec.columns, indexByName: {} } });
  }
  if (spec.sortBy) panel.sortBy([new common.TableSortByFieldStateBuilder().displayName(spec.sortBy).desc(true)]);
  return panel;
}

/** States over time, one lane per series (alerts firing, targets up). */
export function stateTimeline(spec: PanelSpec): StateTimelineBuilder {
  return base(new StateTimelineBuilder(), spec, { width: 24, height: 8 }).showValue(common.VisibilityMode.Never).mergeValues(true).rowHeight(0.8);
}

export interface AlertListSpec {
  readonly title: string;
  readonly description: string;
  /** The datasource whose rules (Prometheus's own alerting rules) the list shows, by name. */
  readonly rulesDatasource: string;
  readonly width?: number;
  readonly height?: number;
}

/**
 * Grafana's alert list: the alerting rules of a Prometheus datasource that
 * fire or are pending now. It reads the rules API, not a PromQL query, so it
 * has no targets and no unit.
 */
export function alertList(spec: AlertListSpec): dashboard.PanelBuilder {
  return new dashboard.PanelBuilder()
    .type('alertlist')
    .title(spec.title)
    .description(spec.description)
    .span(spec.width ?? 24)
    .height(spec.height ?? 8)
    .options({
      viewMode: 'list',
      groupMode: 'default',
      groupBy: [],
      maxItems: 50,
      sortOrder: 1,
      dashboardAlerts: false,
      alertName: '',
      alertInstanceLabelFilter: '',
      datasource: spec.rulesDatasource,
      folder: null,
      showInstances: true,
      stateFilter: { firing: true, pending: true, noData: false, normal: false, error: true, recovering: true },
    });
}
