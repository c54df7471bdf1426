// Business alerts and panels as data, declared per service in the project
// config with small typed helpers. Each helper takes the app's own metric
// specs, so a misspelt metric is a compile error, and label names are typed
// by the spec they belong to. The alerts/ layer compiles these to rules,
// runbooks and promtool tests; the dashboards/ layer to panels.
import type { CounterSpec, GaugeSpec, HistogramSpec, LabelsOf, MetricSpec } from '../../catalog/spec.ts';
import type { Duration, Runbook, Severity } from '../rule-types.ts';

/** A metric with optional label filters, e.g. `where(shop.ordersFailed, { reason: ['internal'] })`. */
export interface MetricRef<S extends MetricSpec = MetricSpec> {
  readonly spec: S;
  /** Only series whose label has one of these values. */
  readonly where?: Readonly<Partial<Record<LabelsOf<S>, readonly string[]>>>;
}

/** A spec, or a spec with label filters. */
export type MetricInput<S extends MetricSpec> = S | MetricRef<S>;

export function where<S extends MetricSpec>(spec: S, filters: Readonly<Partial<Record<LabelsOf<S>, readonly string[]>>>): MetricRef<S> {
  return { spec, where: filters };
}

export function toRef<S extends MetricSpec>(input: MetricInput<S>): MetricRef<S> {
  return 'spec' in input ? input : { spec: input };
}

/** One input series of an alert's promtool test: the service's `job` and `instance` are added. */
export interface TestSeries {
  readonly spec: MetricSpec;
  readonly labels: Readonly<Record<string, string>>;
  /** promtool's expanding notation: `0+10x30` is 31 samples rising by 10. */
  readonly values: string;
}

export function series<S extends MetricSpec>(spec: S, labels: Readonly<Partial<Record<LabelsOf<S>, string>>>, values: string): TestSeries {
  return { spec, labels: labels as Readonly<Record<string, string>>, values };
}

/** A promtool unit test of a business alert. */
export interface BusinessAlertTest {
  /** A sentence naming the behaviour, shown when it fails. */
  readonly name: string;
  readonly series: readonly TestSeries[];
  /** Time from the first sample at which the alert is checked. */
  readonly evalTime: Duration;
  /** Times at which it must not be firing yet (e.g. a minute before `evalTime`: the exact start). */
  readonly quietAt?: readonly Duration[];
  /** Sample spacing (default 1m), and how often promtool evaluates the rules: coarser for tests over days of history. */
  readonly interval?: Duration;
  /**
   * The alerts firing at `evalTime`: their labels beyond `alertname`, `severity`, `job` (and
   * `instance` where the alert keeps it), and the description they render (promtool compares
   * annotations exactly). Empty: nothing fires.
   */
  readonly expect: readonly { readonly labels?: Readonly<Record<string, string>>; readonly description: string }[];
}

interface AlertCommon {
  /** CamelCase, unique in the project. */
  readonly alert: string;
  readonly severity: Exclude<Severity, 'info'>;
  readonly for: Duration;
  /** A static sentence ending with a period. */
  readonly summary: string;
  /**
   * Templated detail (`{{ $labels.job }}`, `{{ $value | humanizePercentage }}`); a default is generated.
   * `{threshold}` is replaced by the environment's threshold (a ratio as a percentage).
   */
  readonly description?: string;
  /** The runbook page's text; its dashboard is the service's business dashboard unless named. */
  readonly runbook: Runbook;
  readonly tests: readonly BusinessAlertTest[];
  /** Labels kept apart: one alert per value (the service's `job` always). */
  readonly by: readonly string[];
  /** The range the rate, ratio or growth is taken over. */
  readonly window: Duration;
}

/** bad / total over `window`, per `by`, above `threshold`. */
export interface RatioAboveAlert extends AlertCommon {
  readonly kind: 'ratio-above';
  readonly bad: MetricRef<CounterSpec>;
  /** Summed: e.g. placed + failed orders. */
  readonly total: readonly MetricRef<CounterSpec>[];
  /** A ratio between 0 and 1. */
  readonly threshold: number;
}

/** The rate over `window` below `threshold` × the same window a week earlier (only where there was traffic then). */
export interface RateDropsWeekOverWeekAlert extends AlertCommon {
  readonly kind: 'rate-drops-week-over-week';
  readonly metric: MetricRef<CounterSpec>;
  /** A ratio between 0 and 1: 0.5 fires below half of last week's rate. */
  readonly threshold: number;
}

/** A gauge's linear growth (`deriv` over `window`) above `threshold` per hour. */
export interface GaugeGrowingAlert extends AlertCommon {
  readonly kind: 'gauge-growing';
  readonly metric: MetricRef<GaugeSpec>;
  /** Growth per hour. */
  readonly threshold: number;
}

export type BusinessAlert = RatioAboveAlert | RateDropsWeekOverWeekAlert | GaugeGrowingAlert;

type Options<A extends AlertCommon> = Omit<A, 'kind' | 'bad' | 'total' | 'metric' | 'by' | 'window'> & { readonly window?: Duration };

/** Fires when `bad / (sum of total)` over the window is above the threshold, e.g. the share of checkouts that fail. */
export function ratioAbove<const B extends CounterSpec, const T extends CounterSpec>(
  spec: Options<RatioAboveAlert> & { readonly bad: MetricInput<B>; readonly total: readonly MetricInput<T>[]; readonly by?: readonly (LabelsOf<B> & LabelsOf<T>)[] },
): RatioAboveAlert {
  return { ...spec, kind: 'ratio-above', bad: toRef(spec.bad), total: spec.total.map((t) => toRef(t)), by: spec.by ?? [], window: spec.window ?? '5m' };
}

/** Fires when a rate falls below `threshold` of the same window a week earlier, e.g. orders halved against last week. */
export function rateDropsWeekOverWeek<const S extends CounterSpec>(
  spec: Options<RateDropsWeekOverWeekAlert> & { readonly metric: MetricInput<S>; readonly by?: readonly LabelsOf<S>[] },
): RateDropsWeekOverWeekAlert {
  return { ...spec, kind: 'rate-drops-week-over-week', metric: toRef(spec.metric), by: spec.by ?? [], window: spec.window ?? '1h' };
}

/** Fires when a gauge keeps growing faster than `threshold` per hour, e.g. a work queue backing up. */
export function gaugeGrowing<const S extends GaugeSpec>(
  spec: Options<GaugeGrowingAlert> & { readonly metric: MetricInput<S>; readonly by?: readonly LabelsOf<S>[] },
): GaugeGrowingAlert {
  return { ...spec, kind: 'gauge-growing', metric: toRef(spec.metric), by: spec.by ?? [], window: spec.window ?? '30m' };
}

/** Grafana units the business panels use. */
export type PanelUnit = 'none' | 'short' | 'percentunit' | 's' | 'bytes' | 'currencyEUR' | 'currencyUSD' | 'ops' | 'opm';

interface PanelCommon {
  readonly title: string;
  /** What the panel shows and how to read it. */
  readonly description: string;
  /** `stat`: one number; `timeseries`: a graph (default). */
  readonly style?: 'stat' | 'timeseries';
}

/** A counter's rate, per second or per `per`, optionally split by labels and against last week. */
export interface RatePanel extends PanelCommon {
  readonly kind: 'rate';
  readonly metric: MetricRef<CounterSpec>;
  readonly by: readonly string[];
  readonly per: 'second' | 'minute' | 'hour';
  readonly unit: PanelUnit;
  readonly compareLastWeek: boolean;
  /** Only the `top` highest series (an open label such as a product id). */
  readonly top?: number;
  /** The rate as a share of the same time last week, with the alert's threshold (red below it). */
  readonly alert?: RateDropsWeekOverWeekAlert;
}

/** bad / total, with the alert's threshold as the panel's threshold when `alert` is given. */
export interface RatioPanel extends PanelCommon {
  readonly kind: 'ratio';
  readonly bad: MetricRef<CounterSpec>;
  readonly total: readonly MetricRef<CounterSpec>[];
  readonly by: readonly string[];
  readonly alert?: RatioAboveAlert;
}

/** Quantiles of a histogram. */
export interface QuantilePanel extends PanelCommon {
  readonly kind: 'quantile';
  readonly metric: MetricRef<HistogramSpec>;
  readonly quantiles: readonly number[];
  readonly by: readonly string[];
  readonly unit: PanelUnit;
}

/** A gauge's value (summed per `by`), or its growth per hour. */
export interface GaugePanel extends PanelCommon {
  readonly kind: 'gauge';
  readonly metric: MetricRef<GaugeSpec>;
  readonly by: readonly string[];
  readonly unit: PanelUnit;
  readonly show: 'value' | 'growth-per-hour';
  readonly compareLastWeek: boolean;
  readonly alert?: GaugeGrowingAlert;
}

export type BusinessPanel = RatePanel | RatioPanel | QuantilePanel | GaugePanel;

type PanelOptions<P> = Omit<P, 'kind' | 'metric' | 'bad' | 'total' | 'by' | 'per' | 'unit' | 'compareLastWeek' | 'show' | 'quantiles'>;

export function ratePanel<const S extends CounterSpec>(
  spec: PanelOptions<RatePanel> & { readonly metric: MetricInput<S>; readonly by?: readonly LabelsOf<S>[]; readonly per?: RatePanel['per']; readonly unit?: PanelUnit; readonly compareLastWeek?: boolean },
): RatePanel {
  return { ...spec, kind: 'rate', metric: toRef(spec.metric), by: spec.by ?? [], per: spec.per ?? 'minute', unit: spec.unit ?? 'short', compareLastWeek: spec.compareLastWeek ?? false };
}

export function ratioPanel<const B extends CounterSpec, const T extends CounterSpec>(
  spec: PanelOptions<RatioPanel> & { readonly bad: MetricInput<B>; readonly total: readonly MetricInput<T>[]; readonly by?: readonly (LabelsOf<B> & LabelsOf<T>)[] },
): RatioPanel {
  return { ...spec, kind: 'ratio', bad: toRef(spec.bad), total: spec.total.map((t) => toRef(t)), by: spec.by ?? [] };
}

export function quantilePanel<const S extends HistogramSpec>(
  spec: PanelOptions<QuantilePanel> & { readonly metric: MetricInput<S>; readonly quantiles?: readonly number[]; readonly by?: readonly LabelsOf<S>[]; readonly unit?: PanelUnit },
): QuantilePanel {
  return { ...spec, kind: 'quantile', metric: toRef(spec.metric), quantiles: spec.quantiles ?? [0.5, 0.95], by: spec.by ?? [], unit: spec.unit ?? 'short' };
}

export function gaugePanel<const S extends GaugeSpec>(
  spec: PanelOptions<GaugePanel> & { readonly metric: MetricInput<S>; readonly by?: readonly LabelsOf<S>[]; readonly unit?: PanelUnit; readonly show?: GaugePanel['show']; readonly compareLastWeek?: boolean },
): GaugePanel {
  return { ...spec, kind: 'gauge', metric: toRef(spec.metric), by: spec.by ?? [], unit: spec.unit ?? 'short', show: spec.show ?? 'value', compareLastWeek: spec.compareLastWeek ?? false };
}

/** Grafana uid of a service's business dashboard (Grafana allows 40 characters): its panels, and where its business alerts' runbooks point. */
export function businessDashboardUid(service: string): string {
  const uid = `business-${service}`;
  if (uid.length <= 40) return uid;
  // Long names: a prefix, and a hash of the whole name so two long names stay apart.
  let hash = 0x811c9dc5;
  for (const ch of service) hash = Math.imul(hash ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return `${uid.slice(0, 31)}-${hash.toString(16).padStart(8, '0')}`;
}

/** Every metric a business alert or panel reads, for validation. */
export function refsOf(item: BusinessAlert | BusinessPanel): MetricRef[] {
  switch (item.kind) {
    case 'ratio-above':
    case 'ratio':
      return [item.bad, ...item.total];
    default:
      return [item.metric];
  }
}
