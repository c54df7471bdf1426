// What every business panel compiler shares: the matchers of a metric
// reference, legends of the `by` labels, and the threshold of the alert a
// panel shows: the alert's own, with the environment's override applied as
// the alert's rule has it, drawn red for a page and orange for a ticket.
import type { BusinessAlert, BusinessPanel, MetricRef } from '../../signals/project/business.ts';
import { percent, whereMatchers } from '../../signals/promql.ts';
import type { DashboardSettings } from '../dashboard-settings.ts';
import { type AnyPanel, stat, type Step, timeseries, type TimeseriesSpec } from '../lib/panels.ts';
import { TARGET } from '../lib/promql.ts';

/** The dashboard's job and instance, then the reference's own label filters. */
export function refMatchers(ref: MetricRef): string[] {
  return [...TARGET, ...whereMatchers(ref.where)];
}

/** `{{a}} {{b}}` of the `by` labels, then `suffix`; `fallback` when both are empty. */
export function legendOf(by: readonly string[], suffix = '', fallback = ''): string {
  const text = [...by.map((l) => `{{${l}}}`), suffix].filter((x) => x !== '').join(' ');
  return text === '' ? fallback : text;
}

/** Seconds in each period a rate is shown per. */
export const SECONDS_PER = { second: 1, minute: 60, hour: 3600 } as const;

export interface AlertThreshold {
  readonly value: number;
  /** Where the threshold is drawn from: red for a page, orange for a ticket. */
  readonly color: Step['color'];
  /** A sentence for the panel's description: the alert, its threshold, its window and `for`. */
  readonly sentence: string;
}

/** The alert's threshold in the dashboards' environment, as the panel draws and describes it. */
export function alertThreshold(settings: DashboardSettings, alert: BusinessAlert): AlertThreshold {
  const override = settings.alerts.businessOverrides[alert.alert];
  const value = override?.threshold ?? alert.threshold;
  const holds = override?.for ?? alert.for;
  const [verb, color] = alert.severity === 'critical' ? (['pages', 'red'] as const) : (['opens a ticket', 'orange'] as const);
  const when =
    alert.kind === 'ratio-above'
      ? `above ${percent(value)} over ${alert.window}`
      : alert.kind === 'rate-drops-week-over-week'
        ? `below ${percent(value)} of the same ${alert.window} last week`
        : `when it grows faster than ${value} an hour over ${alert.window}`;
  const zone = alert.kind === 'rate-drops-week-over-week' ? 'the red zone' : `the ${color} threshold`;
  return { value, color, sentence: `${alert.alert} ${verb} ${when}, for ${holds}: ${zone}.` };
}

/** The panel's own description, then the alert's sentence when it shows one. */
export function describe(description: string, threshold: AlertThreshold | undefined): string {
  return threshold === undefined ? description : `${description.trim()} ${threshold.sentence}`;
}

/** The panel in its style: one number (`stat`) or a graph (`timeseries`, the default). */
export function styled(style: BusinessPanel['style'], spec: TimeseriesSpec): AnyPanel {
  return style === 'stat' ? stat(spec) : timeseries(spec);
}
