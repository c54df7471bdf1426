// PromQL written against the catalog: metric and label names come from the
// specs, so a renamed metric or label is a compile error here, not an alert
// that silently never fires.
import type { HistogramSpec, LabelsOf, MetricSpec } from '../catalog/spec.ts';

/** A label name of a spec, checked by the compiler. */
export function label<S extends MetricSpec>(_spec: S, name: LabelsOf<S>): string {
  return name;
}

/** The series a histogram exposes. */
export function bucket(spec: HistogramSpec): string {
  return `${spec.name}_bucket`;
}
export function count(spec: HistogramSpec): string {
  return `${spec.name}_count`;
}
export function sum(spec: HistogramSpec): string {
  return `${spec.name}_sum`;
}

/** `metric{selector}` with the selector omitted when empty. */
export function select(metric: string, ...matchers: string[]): string {
  const m = matchers.filter((x) => x !== '');
  return m.length === 0 ? metric : `${metric}{${m.join(',')}}`;
}

/** `sum by (labels) (rate(metric{selector}[window]))`. */
export function sumRate(metric: string, window: string, by: readonly string[], ...matchers: string[]): string {
  return `sum by (${by.join(', ')}) (rate(${select(metric, ...matchers)}[${window}]))`;
}

/** `a / b` that is 0, not NaN, when `b` is 0 (no traffic is not an error). */
export function ratioOrZero(numerator: string, denominator: string): string {
  return `(${numerator}) / clamp_min(${denominator}, 1e-12)`;
}

/** Percent text for descriptions and runbooks: 0.05 → "5%". */
export function percent(ratio: number): string {
  return `${Number((ratio * 100).toFixed(2))}%`;
}

/** One stretch of a test counter: how much it grows at each sample, for how many samples. */
export interface CounterPhase {
  readonly steps: number;
  readonly perStep: number;
}

/**
 * promtool `values` of a counter that is `start` at the first sample and then
 * grows phase by phase, one sample per step of the test's `interval` (a minute
 * by default): `[{ steps: 10, perStep: 60 }, { steps: 5, perStep: 0 }]` is 11
 * samples rising by 60, then 5 flat ones (`0+60x10 600+0x4`).
 */
export function counterValues(phases: readonly CounterPhase[], start = 0): string {
  const num = (x: number) => String(Number(x.toPrecision(12)));
  let at = start;
  return phases
    .map((p, i) => {
      // The first phase owns the first sample; later ones begin one step after the previous one ends.
      const first = i === 0 ? at : at + p.perStep;
      const steps = i === 0 ? p.steps : p.steps - 1;
      at = first + p.perStep * steps;
      return `${num(first)}+${num(p.perStep)}x${steps}`;
    })
    .join(' ');
}
