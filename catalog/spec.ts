// The shape of a metric declaration. Pure data: this file and every catalog
// file import nothing at run time, so dashboards and alerts can read names and
// labels without loading prom-client or OpenTelemetry.

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** Base units as Prometheus names them; the unit is also the name's suffix (before `_total`). */
export type MetricUnit = 'seconds' | 'bytes' | 'ratio' | 'celsius' | 'meters' | 'volts' | 'amperes' | 'joules' | 'grams' | 'info' | '';

/** Label values: a closed list when the set is known, otherwise open (capped at run time). */
export type LabelValues<L extends string> = { readonly [K in L]?: readonly string[] };

interface BaseSpec<T extends MetricType, L extends string> {
  readonly type: T;
  /** Full Prometheus name, suffixes included (`_total` on counters, the unit before it). */
  readonly name: string;
  readonly help: string;
  readonly unit: MetricUnit;
  readonly labels: readonly L[];
  /** Closed label sets; labels not listed here are open and capped. */
  readonly values?: LabelValues<L>;
  /** Most series this metric may create before new label sets share one overflow series (default 2000). */
  readonly maxSeries?: number;
  /**
   * Who creates the series: `exporter` (built from this spec), `prom-client`
   * (its default metrics, declared here so dashboards can reference them), or
   * `app` (declared by the application through the business-metrics API).
   */
  readonly source?: 'exporter' | 'prom-client' | 'app';
}

export interface CounterSpec<L extends string = string> extends BaseSpec<'counter', L> {}
export interface GaugeSpec<L extends string = string> extends BaseSpec<'gauge', L> {}
export interface HistogramSpec<L extends string = string> extends BaseSpec<'histogram', L> {
  readonly buckets: readonly number[];
}

export type MetricSpec<L extends string = string> = CounterSpec<L> | GaugeSpec<L> | HistogramSpec<L>;

/** Label names of a spec, as a union of string literals. */
export type LabelsOf<S> = S extends BaseSpec<MetricType, infer L> ? L : never;

/** A label set for a spec: every declared label must be given. */
export type LabelSet<S> = { readonly [K in LabelsOf<S>]: string | number };

type Input<S> = Omit<S, 'type'>;

// `const` type parameters keep label names as literal types, so a dashboard
// that names a label the metric does not have fails to compile.
export function counter<const L extends string = never>(spec: Input<CounterSpec<L>>): CounterSpec<L> {
  return { type: 'counter', ...spec };
}
export function gauge<const L extends string = never>(spec: Input<GaugeSpec<L>>): GaugeSpec<L> {
  return { type: 'gauge', ...spec };
}
export function histogram<const L extends string = never>(spec: Input<HistogramSpec<L>>): HistogramSpec<L> {
  return { type: 'histogram', ...spec };
}
