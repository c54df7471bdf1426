// The one PromQL vocabulary of the kit: alerts, recording rules, SLOs and
// dashboard panels all write their queries with these helpers, so a rate, a
// ratio or a quantile reads the same wherever it is shown or alerted on.
// Metric and label names come from the specs, so a renamed metric or label is
// a compile error here, not an alert that silently never fires. The second
// half reads expressions back (the metric names they select, the windows of
// their rates), for the lints.
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

/** Matchers of label filters: `label="value"` for one value, `label=~"a|b"` for several (regex-escaped). */
export function whereMatchers(where: Readonly<Record<string, readonly string[] | undefined>> | undefined): string[] {
  return Object.entries(where ?? {}).flatMap(([name, values]) => {
    if (values === undefined || values.length === 0) return [];
    if (values.length === 1) return [`${name}="${escapeString(values[0]!)}"`];
    return [`${name}=~"${values.map((v) => escapeString(escapeRegex(v))).join('|')}"`];
  });
}

const escapeRegex = (v: string) => v.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
const escapeString = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The range of a range function: a window, optionally shifted back (`offset 1w` reads last week). */
export interface Range {
  readonly window: string;
  readonly offset?: string;
}

const rangeOf = (range: string | Range): Range => (typeof range === 'string' ? { window: range } : range);

/** `selector offset 1w`, or the selector unchanged without an offset. */
export function shifted(selector: string, offset: string | undefined): string {
  return offset === undefined ? selector : `${selector} offset ${offset}`;
}

/** `rate(metric{matchers}[window])`, with ` offset …` when the range has one. */
export function rate(metric: string, range: string | Range, ...matchers: string[]): string {
  const r = rangeOf(range);
  return `rate(${shifted(`${select(metric, ...matchers)}[${r.window}]`, r.offset)})`;
}

/** `sum by (labels) (expr)`; `sum (expr)` without labels. */
export function sumBy(by: readonly string[], expr: string): string {
  return `${by.length === 0 ? 'sum' : `sum by (${by.join(', ')})`} (${expr})`;
}

/** `sum by (labels) (rate(metric{matchers}[window]))`; the range may carry an offset. */
export function sumRate(metric: string, range: string | Range, by: readonly string[], ...matchers: string[]): string {
  return sumBy(by, rate(metric, range, ...matchers));
}

/** `sum by (labels) (metric{matchers})`: a gauge summed over what `labels` leave out. */
export function sumOf(metric: string, by: readonly string[], ...matchers: string[]): string {
  return sumBy(by, select(metric, ...matchers));
}

/** The q-quantile of a histogram over `range`, per `by` (its `le` buckets summed across everything else). */
export function quantile(q: number, spec: HistogramSpec, range: string | Range, by: readonly string[], ...matchers: string[]): string {
  return `histogram_quantile(${q}, ${sumRate(bucket(spec), range, ['le', ...by], ...matchers)})`;
}

/** `a / b` that is 0, not NaN, when `b` is 0 (no traffic is not an error). */
export function ratioOrZero(numerator: string, denominator: string): string {
  return `(${numerator}) / clamp_min(${denominator}, 1e-12)`;
}

/** `expr`, or 0 per label set of `present` where `expr` has no series (nothing firing, nothing failed). */
export function orZero(expr: string, present: string): string {
  return `${expr} or (0 * ${present})`;
}

/** `expr * factor`, or `expr` when the factor is 1 (a rate per second shown per minute: 60). */
export function scaled(expr: string, factor: number): string {
  return factor === 1 ? expr : `${expr} * ${factor}`;
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

// Reading expressions back, for the lints.

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * The metric names a PromQL expression selects: identifiers that are not
 * functions, aggregations, keywords, label names, strings, durations or
 * Grafana variables. Good enough for the expressions the kit writes; the
 * lint's negative tests pin what it must see.
 */
export function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+-?[\w$]+/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][\w:]*/g)) {
    const before = s[m.index - 1] ?? ' ';
    if (/[\d.]/.test(before)) continue; // the exponent of 1e-12
    if (s.slice(m.index + m[0].length).trimStart().startsWith('(')) continue;
    if (KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return [...names];
}

/** Every `rate(`, `irate(` and `increase(` call with the text of its range (what stands in its `[...]`). */
export function rangeFunctionWindows(expr: string): { fn: string; window: string | undefined }[] {
  const found: { fn: string; window: string | undefined }[] = [];
  for (const m of expr.matchAll(/\b(rate|irate|increase)\s*\(/g)) {
    let depth = 1;
    let i = m.index + m[0].length;
    const start = i;
    while (i < expr.length && depth > 0) {
      if (expr[i] === '(') depth++;
      else if (expr[i] === ')') depth--;
      i++;
    }
    const inner = expr.slice(start, i - 1);
    // The range of this call: the last top-level `[...]` of its argument.
    const window = /\[([^\]]*)\](?:\s*offset\s+\S+)?\s*$/.exec(inner)?.[1];
    found.push({ fn: m[1]!, window });
  }
  return found;
}
