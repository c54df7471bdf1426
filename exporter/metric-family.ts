// Metric storage for the exporter's own metrics. prom-client re-hashes the
// label set on every observation (~370 ns on this machine); a series here is
// a plain object held by the caller, so recording is a few array writes
// (~7 ns). Families implement prom-client's `get()` contract, so they live in
// a prom-client Registry beside its default metrics and work with its
// AggregatorRegistry, and they keep their label text pre-rendered for scrapes
// (as UTF-8 in slabs shared by the family, see series-slabs.ts). A histogram
// keeps the text of its sum until an observation changes it, and an exemplar
// its text for as long as it is shown: formatting a float is most of what a
// scrape spends on a series that did not change.
import type { Registry } from 'prom-client';
import type { CounterSpec, GaugeSpec, HistogramSpec, MetricSpec } from '../catalog/spec.ts';
import { OVERFLOW_VALUE } from '../catalog/http.ts';
import type { Logger } from './logger.ts';
import { validateSpec } from './naming.ts';
import { DEFAULT_MAX_SERIES, SeriesCap } from './series-cap.ts';
import { ByteSlabs, NumberSlabs } from './series-slabs.ts';
import { formatValue } from './exposition-writer.ts';

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

/** An exemplar as a histogram keeps it, with its OpenMetrics text once a scrape has made it. */
export interface RecordedExemplar extends Exemplar {
  text: string | undefined;
}

export abstract class Series {
  readonly labels: Readonly<Record<string, string>>;
  /** The slab holding this series' label text as UTF-8 (`a="x",b="y"`, escaped at creation), and its range. */
  readonly #slab: Buffer;
  readonly #start: number;
  readonly #end: number;
  constructor(labels: Readonly<Record<string, string>>, text: ByteSlabs) {
    this.labels = labels;
    ({ slab: this.#slab, start: this.#start, end: this.#end } = text.add(formatLabels(labels)));
  }
  /** `a="x",b="y"` as UTF-8: a view into the family's slab, copied into every scrape. */
  get labelBytes(): Buffer {
    return this.#slab.subarray(this.#start, this.#end);
  }
  /** `a="x",b="y"`, escaped for the exposition. */
  get labelText(): string {
    return this.#slab.toString('utf8', this.#start, this.#end);
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

/** A row's numbers after the bounded buckets' counts: +Inf, the sum last formatted, and the shown place (generation, place, count). */
const ROW_FIELDS_AFTER_BOUNDS = 5;
/** A shown place packs start and length into one float: lengths below 2^21 bytes, starts below 2^32. */
const PLACE_SPAN = 2 ** 21;
/** Where the text of a place `shownIn` returned starts in its exposition. */
export const placeStart = (place: number): number => Math.floor(place / PLACE_SPAN);
/** Where it ends. */
export const placeEnd = (place: number): number => placeStart(place) + (place % PLACE_SPAN);

export class HistogramSeries extends Series {
  readonly bounds: readonly number[];
  /**
   * The family's number slab and this series' row in it: per-bucket counts
   * (not cumulative, the last slot +Inf), then the sum that `#sumText`
   * spells, which a scrape compares with `sum` to tell whether the text is
   * still good: observe() sets no flag. Then where the series' text sits in
   * the last exposition kept for reuse (exposition-reuse.ts): that
   * exposition's generation, the text's place (`start * PLACE_SPAN +
   * length`) and the count it showed.
   */
  readonly #values: Float64Array;
  readonly #base: number;
  /** A field, not in the slab: adding to a field is the faster write on the request path. */
  sum = 0;
  exemplars: (RecordedExemplar | undefined)[] | undefined;
  #sumText = '0';
  constructor(labels: Readonly<Record<string, string>>, bounds: readonly number[], text: ByteSlabs, values: NumberSlabs) {
    super(labels, text);
    this.bounds = bounds;
    ({ slab: this.#values, base: this.#base } = values.add());
  }
  /** Records a value; an exemplar replaces the previous one of its bucket. */
  observe(value: number, exemplar?: Readonly<Record<string, string>>): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    const values = this.#values;
    const base = this.#base;
    values[base + i]!++;
    this.sum += value;
    if (exemplar !== undefined) {
      this.exemplars ??= new Array(bounds.length + 1);
      this.exemplars[i] = { labels: exemplar, value, timestamp: Date.now() / 1000, text: undefined };
    }
  }
  /** Observations in bucket `i` alone (not cumulative); `i === bounds.length` is +Inf. */
  bucket(i: number): number {
    return this.#values[this.#base + i]!;
  }
  /** Per-bucket counts (not cumulative; the last slot is +Inf): a view of the family's slab. */
  get counts(): Float64Array {
    return this.#values.subarray(this.#base, this.#base + this.bounds.length + 1);
  }
  get count(): number {
    let n = 0;
    for (let i = 0; i <= this.bounds.length; i++) n += this.bucket(i);
    return n;
  }
  /** `sum` as the exposition spells it, formatted again only after it changed (a NaN sum every time). */
  get sumText(): string {
    const at = this.#base + this.bounds.length + 1;
    if (this.sum !== this.#values[at]) {
      this.#sumText = formatValue(this.sum);
      this.#values[at] = this.sum;
    }
    return this.#sumText;
  }
  /**
   * Where this series' text sits in the exposition of `generation`, as
   * `start * PLACE_SPAN + length`, if it was shown there and no observation
   * came since; -1 otherwise. Every observation adds to the count, so an
   * unchanged count means unchanged text (a reset clears the generation).
   */
  shownIn(generation: number): number {
    const at = this.#shownAt;
    const values = this.#values;
    return values[at] === generation && values[at + 2] === this.count ? values[at + 1]! : -1;
  }
  /** Records where a scrape put this series' text, and the count it showed. */
  markShown(generation: number, start: number, end: number, count: number): void {
    const at = this.#shownAt;
    const length = end - start;
    // A text too long to pack (far beyond any real series) is simply not reused.
    this.#values[at] = length < PLACE_SPAN ? generation : 0;
    this.#values[at + 1] = start * PLACE_SPAN + length;
    this.#values[at + 2] = count;
  }
  /** Records that a scrape copied this series' text, unchanged, to `start` of its exposition. */
  movedTo(generation: number, start: number): void {
    const at = this.#shownAt;
    this.#values[at] = generation;
    this.#values[at + 1] = start * PLACE_SPAN + (this.#values[at + 1]! % PLACE_SPAN);
  }
  /** The row's index of the shown place: after the counts (+Inf included) and the sum last formatted. */
  get #shownAt(): number {
    return this.#base + this.bounds.length + 2;
  }
  /** Back to no observations and no exemplars, and nothing shown to reuse. */
  reset(): void {
    this.#values.fill(0, this.#base, this.#base + this.bounds.length + ROW_FIELDS_AFTER_BOUNDS);
    this.sum = 0;
    this.#sumText = '0';
    this.exemplars = undefined;
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
  /** Label text of every series, in shared slabs. */
  readonly #labelText = new ByteSlabs();
  #numbers: NumberSlabs | undefined;

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

  protected abstract create(labels: Readonly<Record<string, string>>, text: ByteSlabs): T;

  /** Rows of `stride` numbers shared by the family's series (a histogram's counts and sum); made on first use, which can be in this constructor. */
  protected numberRows(stride: number): NumberSlabs {
    return (this.#numbers ??= new NumberSlabs(stride));
  }

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
    return this.#cap.get(key, () => (flatten(key), this.#add(this.#normalise(labels()))), () => this.#add(this.#overflowLabels()));
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

  /** prom-client's contract: used by Registry.getMetricsAsJSON and the cluster aggregator. `unit` is ours: the cluster primary renders `# UNIT` from it. */
  async get(): Promise<{ name: string; help: string; type: string; unit: string; aggregator: string; values: PromValue[] }> {
    this.collect();
    return { name: this.name, help: this.help, type: this.type, unit: this.spec.unit, aggregator: this.aggregator, values: this.#series.flatMap((s) => this.values(s)) };
  }
  protected abstract values(series: T): PromValue[];

  /** Registers in a prom-client Registry, which only needs `name`, `get()` and `reset()`. */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
    return this;
  }

  #add(labels: Readonly<Record<string, string>>): T {
    const s = this.create(labels, this.#labelText);
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
  protected create(labels: Readonly<Record<string, string>>, text: ByteSlabs): CounterSeries {
    return new CounterSeries(labels, text);
  }
  // With the exemplar, as a histogram's buckets: the cluster primary merges from these values.
  protected override values(s: CounterSeries): PromValue[] {
    const e = s.exemplar;
    return [{ value: s.value, labels: { ...s.labels }, exemplar: e === undefined ? null : { labelSet: { ...e.labels }, value: e.value, timestamp: e.timestamp } }];
  }
}

export class GaugeFamily<S extends GaugeSpec = GaugeSpec> extends ScalarFamily<S, GaugeSeries> {
  protected create(labels: Readonly<Record<string, string>>, text: ByteSlabs): GaugeSeries {
    return new GaugeSeries(labels, text);
  }
}

export class HistogramFamily<S extends HistogramSpec = HistogramSpec> extends Family<S, HistogramSeries> {
  protected create(labels: Readonly<Record<string, string>>, text: ByteSlabs): HistogramSeries {
    // A row per series: the counts of the buckets and +Inf, the sum last formatted, and the shown place.
    return new HistogramSeries(labels, this.spec.buckets, text, this.numberRows(this.spec.buckets.length + ROW_FIELDS_AFTER_BOUNDS));
  }
  protected resetSeries(s: HistogramSeries): void {
    s.reset();
  }
  protected values(s: HistogramSeries): PromValue[] {
    const out: PromValue[] = [];
    let cumulative = 0;
    const bucket = `${this.name}_bucket`;
    for (let i = 0; i <= s.bounds.length; i++) {
      cumulative += s.bucket(i);
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

/** Keeps `flatten`'s read: a result nobody uses could be optimised away. */
let flattenSink = 0;

/**
 * Flattens the key a new series is kept under, in place: a key built by `+=`
 * or a template is a rope of its pieces (~300 bytes as a Map key against ~130
 * flat), and V8 flattens a rope in place when a character is read from it.
 */
function flatten(key: string): void {
  flattenSink ^= key.charCodeAt(0) | 0;
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
