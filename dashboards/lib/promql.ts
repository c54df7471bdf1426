// PromQL for panels: the alerts' typed helpers (signals/promql.ts) with
// Grafana's variables in place of fixed windows and targets, so every rate
// follows the dashboard's resolution and every query the selected job.
import type { HistogramSpec } from '../../catalog/spec.ts';
import { bucket, select } from '../../signals/promql.ts';

/** Grafana's window for rate(): at least four scrapes, wider when zoomed out. */
export const RATE_INTERVAL = '$__rate_interval';

/** Matchers of the dashboard's `job` and `instance` variables. */
export const JOB = 'job=~"$job"';
export const INSTANCE = 'instance=~"$instance"';
export const TARGET = [JOB, INSTANCE] as const;

const by = (labels: readonly string[]) => (labels.length === 0 ? 'sum' : `sum by (${labels.join(', ')})`);

/** `rate(metric{matchers}[$__rate_interval])`, optionally a week back. */
export function rate(metric: string, matchers: readonly string[], offset?: string): string {
  return `rate(${select(metric, ...matchers)}[${RATE_INTERVAL}]${offset ? ` offset ${offset}` : ''})`;
}

/** `sum by (labels) (rate(...))`; plain `sum` without labels. */
export function sumRate(metric: string, labels: readonly string[], matchers: readonly string[], offset?: string): string {
  return `${by(labels)} (${rate(metric, matchers, offset)})`;
}

/** `sum by (labels) (metric{matchers})`. */
export function sumOf(metric: string, labels: readonly string[], matchers: readonly string[]): string {
  return `${by(labels)} (${select(metric, ...matchers)})`;
}

/** The q-quantile of a histogram over `$__rate_interval`, per `labels`. */
export function quantile(q: number, spec: HistogramSpec, labels: readonly string[], matchers: readonly string[]): string {
  return `histogram_quantile(${q}, ${sumRate(bucket(spec), ['le', ...labels], matchers)})`;
}

/** `expr`, or 0 per `labels` of `present` where `expr` has no series (nothing firing, nothing failed). */
export function orZero(expr: string, present: string): string {
  return `${expr} or (0 * ${present})`;
}

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
