// Typed instruments over metric families: the label set an instrument takes
// is the one its catalog spec declares, checked by the compiler; values of
// closed labels and the series cap are checked at run time by the family.
import type { Registry } from 'prom-client';
import type { CounterSpec, GaugeSpec, HistogramSpec, LabelSet, LabelsOf, MetricSpec } from '../catalog/spec.ts';
import { createFamily, type FamilyOf, type FamilyOptions, type Labels } from './metric-family.ts';

type Unlabelled<S> = [LabelsOf<S>] extends [never] ? true : false;
type Op<S, Args extends unknown[]> = Unlabelled<S> extends true ? (...args: Args) => void : (labels: LabelSet<S>, ...args: Args) => void;

export interface CounterInstrument<S extends CounterSpec> {
  readonly spec: S;
  inc: Op<S, [value?: number]>;
}
export interface GaugeInstrument<S extends GaugeSpec> {
  readonly spec: S;
  set: Op<S, [value: number]>;
  inc: Op<S, [value?: number]>;
  dec: Op<S, [value?: number]>;
}
export interface HistogramInstrument<S extends HistogramSpec> {
  readonly spec: S;
  observe: Op<S, [value: number]>;
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

/** Builds the typed instrument for a spec, registered in `registry`. */
export function createInstrument<S extends MetricSpec>(spec: S, registry: Registry, options: FamilyOptions): Instrument<S> {
  const family = createFamily(spec, registry, options) as FamilyOf<MetricSpec>;
  const unlabelled = spec.labels.length === 0;
  // An unlabelled instrument takes the value first; a labelled one, the label set.
  const call = (args: unknown[]): [Labels | undefined, number | undefined] => {
    const [labels, value] = unlabelled ? [undefined, args[0]] : [args[0] as Labels, args[1]];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new TypeError(`metric "${spec.name}": value must be a finite number, got ${String(value)}`);
    }
    return [labels, value];
  };

  if (family.type === 'histogram') {
    const histogram = family;
    return {
      spec,
      observe: (...args: unknown[]) => {
        const [labels, value] = call(args);
        if (value === undefined) throw new TypeError(`metric "${spec.name}": observe needs a value`);
        histogram.labels(labels).observe(value);
      },
      startTimer: (labels?: Labels) => {
        const series = histogram.labels(unlabelled ? undefined : labels);
        const start = performance.now();
        return () => {
          const seconds = (performance.now() - start) / 1000;
          series.observe(seconds);
          return seconds;
        };
      },
    } as unknown as Instrument<S>;
  }
  if (family.type === 'counter') {
    const counter = family;
    return {
      spec,
      inc: (...args: unknown[]) => {
        const [labels, value] = call(args);
        counter.labels(labels).inc(value ?? 1);
      },
    } as unknown as Instrument<S>;
  }
  const gauge = family;
  const op = (fn: 'set' | 'inc' | 'dec', fallback?: number) => (...args: unknown[]) => {
    const [labels, value = fallback] = call(args);
    if (value === undefined) throw new TypeError(`metric "${spec.name}": ${fn} needs a value`);
    gauge.labels(labels)[fn](value);
  };
  return { spec, set: op('set'), inc: op('inc', 1), dec: op('dec', 1) } as unknown as Instrument<S>;
}
