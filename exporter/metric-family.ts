// Metric storage for the exporter's own metrics. prom-client re-hashes the
// label set on every observation (~370 ns on this machine); a series here is
// a plain object held by the caller, so recording is a few array writes
// (~7 ns). Families implement prom-client's `get()` contract, so they live in
// a prom-client Registry beside its default metrics and work with its
// AggregatorRegistry, and they keep their label text pre-rendered for scrapes.
import type { Registry } from 'prom-client';
import type { CounterSpec, GaugeSpec, HistogramSpec, MetricSpec } from '../catalog/spec.ts';
import { OVERFLOW_VALUE } from '../catalog/http.ts';
import type { Logger } from './logger.ts';
import { validateSpec } from './naming.ts';
import { DEFAULT_MAX_SERIES, SeriesCap } from './series-cap.ts';

/** Longest value kept for an open label; longer ones are cut so one request cannot bloat the exposition. */
export const MAX_LABEL_VALUE_LENGTH = 128;

/** Closed label sets with more combinations than this are created on first use instead. */
const MAX_INITIALISED_SERIES = 100;

export class LabelValueError extends Error {
  override name = 'LabelValueError';
}

export interface FamilyOptions {
  logger: Logger;
  /** Series per metric before new label sets go to the overflow series. */
  maxSeries?: number;
  /** Labels with one fixed value added to every series (e.g. `{ service: 'checkout' }`). */
  staticLabels?: Readonly<Record<string, string>>;
  /** Called before every read of the series (scrape, cluster aggregation), to set values observed only on demand. */
  collect?: () => void;
}

export type Labels = Readonly<Record<string, string | number>>;

/** An exemplar: the labels of one observation (trace_id, span_id), its value and when it was taken. */
export interface Exemplar {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Unix time in seconds. */
  readonly timestamp: number;
}

export abstract class Series {
  readonly labels: Readonly<Record<string, string>>;
  /** `a="x",b="y"`, escaped once at creation for the renderer. */
  readonly labelText: string;
  /** `labelText` as UTF-8, encoded on the first scrape and copied into every later one. */
  #labelBytes: Buffer | undefined;
  constructor(labels: Readonly<Record<string, string>>) {
    this.labels = labels;
    this.labelText = formatLabels(labels);
  }
  get labelBytes(): Buffer {
    return (this.#labelBytes ??= Buffer.from(this.labelText, 'utf8'));
  }
}

export class CounterSeries extends Series {
  value = 0;
  exemplar: Exemplar | undefined;
  inc(amount = 1): void {
    if (!(amount >= 0)) throw new RangeError(`counter increment must be a non-negative number, got ${amount}`);
    this.value += amount;
  }
}

export class GaugeSeries extends Series {
  value = 0;
  set(value: number): void {
    this.value = value;
  }
  inc(amount = 1): void {
    this.value += amount;
  }
  dec(amount = 1): void {
    this.value -= amount;
  }
}

export class HistogramSeries extends Series {
  readonly bounds: readonly number[];
  /** Per-bucket counts, not cumulative; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  exemplars: (Exemplar | undefined)[] | undefined;
  constructor(labels: Readonly<Record<string, string>>, bounds: readonly number[]) {
    super(labels);
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }
  /** Records a value; an exemplar replaces the previous one of its bucket. */
  observe(value: number, exemplar?: Readonly<Record<string, string>>): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
    if (exemplar !== undefined) {
      this.exemplars ??= new Array(bounds.length + 1);
      this.exemplars[i] = { labels: exemplar, value, timestamp: Date.now() / 1000 };
    }
  }
}

/** prom-client's value shape, returned by `get()` for its Registry and AggregatorRegistry. */
interface PromValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number } | null;
}

export abstract class Family<S extends MetricSpec, T extends Series> {
  readonly spec: S;
  readonly name: string;
  readonly help: string;
  readonly type: S['type'];
  /** How prom-client's AggregatorRegistry merges this metric across cluster workers. */
  readonly aggregator = 'sum';
  readonly #closed: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #static: Readonly<Record<string, string>>;
  readonly #cap: SeriesCap<T>;
  readonly #series: T[] = [];
  readonly #collect: (() => void) | undefined;

  constructor(spec: S, options: FamilyOptions) {
    validateSpec(spec);
    this.spec = spec;
    this.name = spec.name;
    this.help = spec.help;
    this.type = spec.type;
    this.#closed = new Map(Object.entries(spec.values ?? {}).map(([k, v]) => [k, new Set(v)]));
    this.#static = options.staticLabels ?? {};
    this.#collect = options.collect;
    for (const name of Object.keys(this.#static)) {
      if (spec.labels.includes(name)) throw new LabelValueError(`metric "${spec.name}": static label "${name}" clashes with a declared label; rename one of them`);
    }
    this.#cap = new SeriesCap(spec.name, spec.maxSeries ?? options.maxSeries ?? DEFAULT_MAX_SERIES, options.logger);
    this.#initialiseClosedSeries();
  }

  /**
   * When every label has a closed set (or there are none), all series exist
   * from the start at zero: rate() and ratios work before the first event,
   * and an alert on a failure counter does not depend on the first failure.
   */
  #initialiseClosedSeries(): void {
    const sets = this.spec.labels.map((name) => this.spec.values?.[name] ?? []);
    if (sets.some((values) => values.length === 0)) return;
    let combos: Record<string, string>[] = [{}];
    for (const [i, name] of this.spec.labels.entries()) combos = combos.flatMap((c) => sets[i]!.map((v) => ({ ...c, [name]: v })));
    if (combos.length > MAX_INITIALISED_SERIES) return;
    for (const labels of combos) this.labels(labels);
  }

  protected abstract create(labels: Readonly<Record<string, string>>): T;

  /** The series of a label set, created on first use. Throws LabelValueError on a missing, undeclared or disallowed label. */
  labels(labels: Labels = {}): T {
    const names = this.spec.labels;
    let key = '';
    for (let i = 0; i < names.length; i++) {
      const raw = labels[names[i]!];
      if (raw === undefined) this.#normalise(labels); // throws: a missing label must not share the series of "undefined"
      const value = String(raw);
      // Keyed by the value as exported, so long values cut to the same text share one series;
      // length-prefixed, so no label value can forge another label set's key.
      const cut = value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : value;
      key += `${cut.length}:${cut}`;
    }
    // A known key skips validation: count the names given, so an extra label fails every time.
    let given = 0;
    for (const _ in labels) given++;
    if (given !== names.length) this.#normalise(labels);
    return this.byKey(key, () => labels);
  }

  /** Fast path for callers that build their own key: `labels` runs only for a key not seen before. */
  byKey(key: string, labels: () => Labels): T {
    return this.#cap.get(key, () => this.#add(this.#normalise(labels())), () => this.#add(this.#overflowLabels()));
  }

  /** Every series, in creation order (the overflow series last, once it exists). */
  get series(): readonly T[] {
    return this.#series;
  }

  /** Brings on-demand values up to date; readers call it before reading `series`. */
  collect(): void {
    this.#collect?.();
  }

  reset(): void {
    for (const s of this.#series) this.resetSeries(s);
  }
  protected abstract resetSeries(series: T): void;

  /** prom-client's contract: used by Registry.getMetricsAsJSON and the cluster aggregator. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: PromValue[] }> {
    this.collect();
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.#series.flatMap((s) => this.values(s)) };
  }
  protected abstract values(series: T): PromValue[];

  /** Registers in a prom-client Registry, which only needs `name`, `get()` and `reset()`. */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
    return this;
  }

  #add(labels: Readonly<Record<string, string>>): T {
    const s = this.create(labels);
    this.#series.push(s);
    return s;
  }

  #normalise(labels: Labels): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of this.spec.labels) {
      const raw = labels[name];
      if (raw === undefined) {
        throw new LabelValueError(`metric "${this.name}": label "${name}" is missing; give all of ${this.spec.labels.join(', ')}`);
      }
      const value = String(raw);
      const allowed = this.#closed.get(name);
      if (allowed !== undefined && !allowed.has(value)) {
        throw new LabelValueError(`metric "${this.name}": label "${name}" has undeclared value "${value.slice(0, MAX_LABEL_VALUE_LENGTH)}"; allowed: ${[...allowed].join(', ')}`);
      }
      out[name] = value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : value;
    }
    for (const name of Object.keys(labels)) {
      if (!this.spec.labels.includes(name)) {
        throw new LabelValueError(`metric "${this.name}": label "${name}" is not declared; declared labels: ${this.spec.labels.join(', ') || '(none)'}`);
      }
    }
    return { ...out, ...this.#static };
  }

  #overflowLabels(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of this.spec.labels) out[name] = OVERFLOW_VALUE;
    return { ...out, ...this.#static };
  }
}

/** Counters and gauges: one number per series. */
abstract class ScalarFamily<S extends CounterSpec | GaugeSpec, T extends CounterSeries | GaugeSeries> extends Family<S, T> {
  protected resetSeries(s: T): void {
    s.value = 0;
  }
  protected values(s: T): PromValue[] {
    return [{ value: s.value, labels: { ...s.labels } }];
  }
}

export class CounterFamily<S extends CounterSpec = CounterSpec> extends ScalarFamily<S, CounterSeries> {
  protected create(labels: Readonly<Record<string, string>>): CounterSeries {
    return new CounterSeries(labels);
  }
}

export class GaugeFamily<S extends GaugeSpec = GaugeSpec> extends ScalarFamily<S, GaugeSeries> {
  protected create(labels: Readonly<Record<string, string>>): GaugeSeries {
    return new GaugeSeries(labels);
  }
}

export class HistogramFamily<S extends HistogramSpec = HistogramSpec> extends Family<S, HistogramSeries> {
  protected create(labels: Readonly<Record<string, string>>): HistogramSeries {
    return new HistogramSeries(labels, this.spec.buckets);
  }
  protected resetSeries(s: HistogramSeries): void {
    s.counts.fill(0);
    s.sum = 0;
    s.count = 0;
    s.exemplars = undefined;
  }
  protected values(s: HistogramSeries): PromValue[] {
    const out: PromValue[] = [];
    let cumulative = 0;
    const bucket = `${this.name}_bucket`;
    for (let i = 0; i <= s.bounds.length; i++) {
      cumulative += s.counts[i]!;
      const e = s.exemplars?.[i];
      out.push({
        value: cumulative,
        labels: { ...s.labels, le: i < s.bounds.length ? s.bounds[i]! : '+Inf' },
        metricName: bucket,
        exemplar: e === undefined ? null : { labelSet: { ...e.labels }, value: e.value, timestamp: e.timestamp },
      });
    }
    out.push({ value: s.sum, labels: { ...s.labels }, metricName: `${this.name}_sum` });
    out.push({ value: s.count, labels: { ...s.labels }, metricName: `${this.name}_count` });
    return out;
  }
}

export type FamilyOf<S extends MetricSpec> = S extends CounterSpec
  ? CounterFamily<S>
  : S extends GaugeSpec
    ? GaugeFamily<S>
    : S extends HistogramSpec
      ? HistogramFamily<S>
      : never;

/** The family for a spec, registered in `registry`. */
export function createFamily<S extends MetricSpec>(spec: S, registry: Registry, options: FamilyOptions): FamilyOf<S> {
  const family =
    spec.type === 'counter'
      ? new CounterFamily(spec, options)
      : spec.type === 'gauge'
        ? new GaugeFamily(spec, options)
        : new HistogramFamily(spec as HistogramSpec, options);
  return family.register(registry) as unknown as FamilyOf<S>;
}

/** `a="x",b="y"` with the exposition format's escapes; joined from parts, so V8 keeps one flat string the renderer copies cheaply. */
export function formatLabels(labels: Readonly<Record<string, string | number>>): string {
  const parts: string[] = [];
  for (const [name, value] of Object.entries(labels)) parts.push(`${name}="${escapeLabelValue(String(value))}"`);
  return parts.join(',');
}

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : value;
}
