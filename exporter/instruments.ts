// Builds prom-client metrics from catalog specs and wraps them in typed
// instruments that validate closed label sets, cap open ones and cache the
// child of each label set, so recording a value does no label parsing.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CounterSpec, GaugeSpec, HistogramSpec, LabelSet, LabelsOf, MetricSpec } from './catalog/spec.ts';
import { OVERFLOW_VALUE } from './catalog/http.ts';
import type { Logger } from './logger.ts';
import { validateSpec } from './naming.ts';
import { DEFAULT_MAX_SERIES, SeriesCap } from './series-cap.ts';

/** Longest value kept for an open label; longer ones are cut so one request cannot bloat the exposition. */
export const MAX_LABEL_VALUE_LENGTH = 128;

export class LabelValueError extends Error {
  override name = 'LabelValueError';
}

export interface InstrumentOptions {
  registry: Registry;
  logger: Logger;
  /** Series per metric before new label sets go to the overflow series. */
  maxSeries?: number;
  /** Labels with one fixed value added to every series (e.g. `{ service: 'checkout' }`). */
  staticLabels?: Readonly<Record<string, string>>;
}

type Unlabelled<S> = [LabelsOf<S>] extends [never] ? true : false;

export interface CounterInstrument<S extends CounterSpec> {
  readonly spec: S;
  inc: Unlabelled<S> extends true ? (value?: number) => void : (labels: LabelSet<S>, value?: number) => void;
}
export interface GaugeInstrument<S extends GaugeSpec> {
  readonly spec: S;
  set: Unlabelled<S> extends true ? (value: number) => void : (labels: LabelSet<S>, value: number) => void;
  inc: Unlabelled<S> extends true ? (value?: number) => void : (labels: LabelSet<S>, value?: number) => void;
  dec: Unlabelled<S> extends true ? (value?: number) => void : (labels: LabelSet<S>, value?: number) => void;
}
export interface HistogramInstrument<S extends HistogramSpec> {
  readonly spec: S;
  observe: Unlabelled<S> extends true ? (value: number) => void : (labels: LabelSet<S>, value: number) => void;
  /** Starts a timer; the returned function observes the elapsed seconds and returns them. */
  startTimer: Unlabelled<S> extends true ? () => () => number : (labels: LabelSet<S>) => () => number;
}
export type Instrument<S extends MetricSpec> = S extends CounterSpec
  ? CounterInstrument<S>
  : S extends GaugeSpec
    ? GaugeInstrument<S>
    : S extends HistogramSpec
      ? HistogramInstrument<S>
      : never;

type PromMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** Creates the prom-client metric for a spec and registers it. */
export function createPromMetric(spec: MetricSpec, registry: Registry, staticLabels: Readonly<Record<string, string>> = {}): PromMetric {
  validateSpec(spec);
  const labelNames = [...spec.labels, ...Object.keys(staticLabels)];
  const config = { name: spec.name, help: spec.help, labelNames, registers: [registry] };
  switch (spec.type) {
    case 'counter':
      return new Counter(config);
    case 'gauge':
      return new Gauge(config);
    case 'histogram':
      return new Histogram({ ...config, buckets: [...spec.buckets] });
  }
}

/**
 * Resolves label sets to prom-client children: validates closed values,
 * truncates long open values and caps the number of series.
 */
export class LabelResolver<C> {
  readonly #spec: MetricSpec;
  readonly #closed: ReadonlyMap<string, ReadonlySet<string>>;
  readonly #static: Readonly<Record<string, string>>;
  readonly #cap: SeriesCap<C>;
  readonly #child: (labels: Record<string, string>) => C;

  constructor(spec: MetricSpec, options: InstrumentOptions, child: (labels: Record<string, string>) => C) {
    this.#spec = spec;
    this.#closed = new Map(Object.entries(spec.values ?? {}).map(([k, v]) => [k, new Set(v)]));
    this.#static = options.staticLabels ?? {};
    this.#cap = new SeriesCap(spec.name, options.maxSeries ?? DEFAULT_MAX_SERIES, options.logger);
    this.#child = child;
  }

  resolve(labels: Readonly<Record<string, string | number>> | undefined): C {
    const names = this.#spec.labels;
    let key = '';
    for (let i = 0; i < names.length; i++) key += `${labels?.[names[i]!]}\u0001`;
    return this.resolveKey(key, () => labels ?? {});
  }

  /** Fast path for callers that build their own key: `labels` runs only for a key not seen before. */
  resolveKey(key: string, labels: () => Readonly<Record<string, string | number>>): C {
    return this.#cap.get(key, () => this.#child(this.#normalise(labels())), () => this.#child(this.#overflowLabels()));
  }

  #normalise(labels: Readonly<Record<string, string | number>>): Record<string, string> {
    const out: Record<string, string> = { ...this.#static };
    for (const name of this.#spec.labels) {
      const raw = labels[name];
      if (raw === undefined) {
        throw new LabelValueError(`metric "${this.#spec.name}": label "${name}" is missing; give all of ${this.#spec.labels.join(', ')}`);
      }
      const value = String(raw);
      const allowed = this.#closed.get(name);
      if (allowed !== undefined && !allowed.has(value)) {
        throw new LabelValueError(
          `metric "${this.#spec.name}": label "${name}" has undeclared value "${value.slice(0, MAX_LABEL_VALUE_LENGTH)}"; allowed: ${[...allowed].join(', ')}`,
        );
      }
      out[name] = value.length > MAX_LABEL_VALUE_LENGTH ? value.slice(0, MAX_LABEL_VALUE_LENGTH) : value;
    }
    for (const name of Object.keys(labels)) {
      if (!this.#spec.labels.includes(name)) {
        throw new LabelValueError(`metric "${this.#spec.name}": label "${name}" is not declared; declared labels: ${this.#spec.labels.join(', ') || '(none)'}`);
      }
    }
    return out;
  }

  #overflowLabels(): Record<string, string> {
    const out: Record<string, string> = { ...this.#static };
    for (const name of this.#spec.labels) out[name] = OVERFLOW_VALUE;
    return out;
  }
}

/** Builds the typed instrument for a spec, registered in `options.registry`. */
export function createInstrument<S extends MetricSpec>(spec: S, options: InstrumentOptions): Instrument<S> {
  const metric = createPromMetric(spec, options.registry, options.staticLabels);
  const unlabelled = spec.labels.length === 0;
  // For unlabelled metrics the first argument is the value, not a label set.
  const split = (args: unknown[]): [Record<string, string | number> | undefined, unknown] =>
    unlabelled ? [undefined, args[0]] : [args[0] as Record<string, string | number>, args[1]];

  switch (spec.type) {
    case 'counter': {
      const r = new LabelResolver(spec, options, (l) => (metric as Counter<string>).labels(l));
      return {
        spec,
        inc: (...args: unknown[]) => {
          const [labels, value] = split(args);
          r.resolve(labels).inc(value === undefined ? 1 : (value as number));
        },
      } as unknown as Instrument<S>;
    }
    case 'gauge': {
      const r = new LabelResolver(spec, options, (l) => (metric as Gauge<string>).labels(l));
      const op = (fn: 'set' | 'inc' | 'dec', dflt?: number) => (...args: unknown[]) => {
        const [labels, value] = split(args);
        r.resolve(labels)[fn]((value ?? dflt) as number);
      };
      return { spec, set: op('set'), inc: op('inc', 1), dec: op('dec', 1) } as unknown as Instrument<S>;
    }
    case 'histogram': {
      const r = new LabelResolver(spec, options, (l) => (metric as Histogram<string>).labels(l));
      return {
        spec,
        observe: (...args: unknown[]) => {
          const [labels, value] = split(args);
          r.resolve(labels).observe(value as number);
        },
        startTimer: (labels?: Record<string, string | number>) => {
          const child = r.resolve(unlabelled ? undefined : labels);
          const start = performance.now();
          return () => {
            const seconds = (performance.now() - start) / 1000;
            child.observe(seconds);
            return seconds;
          };
        },
      } as unknown as Instrument<S>;
    }
  }
  throw new Error(`unknown metric type of "${(spec as MetricSpec).name}"`);
}
