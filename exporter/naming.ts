// Prometheus naming rules, checked when a metric is declared so a bad name
// fails at start-up with the field and the fix, not at scrape time.
import type { MetricSpec } from '../catalog/spec.ts';

const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Names Prometheus itself writes, or that would shadow the series it writes. */
const RESERVED_METRIC_NAMES = new Set(['up', 'ALERTS', 'ALERTS_FOR_STATE']);
const RESERVED_METRIC_PREFIXES = ['scrape_', '__'];
/** `le` and `quantile` belong to histogram and summary series. */
const RESERVED_LABEL_NAMES = new Set(['le', 'quantile']);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count', '_created'];
const UNIT_SUFFIX_EXEMPT = new Set(['', 'info']);

export class MetricDefinitionError extends Error {
  override name = 'MetricDefinitionError';
}

/** Throws MetricDefinitionError naming the metric, the field and the fix. */
export function validateSpec(spec: MetricSpec): void {
  const where = `metric "${spec.name}"`;
  const fail = (field: string, problem: string, fix: string): never => {
    throw new MetricDefinitionError(`${where}: ${field} ${problem}; ${fix}`);
  };

  if (!METRIC_NAME.test(spec.name)) {
    fail('name', 'is not a valid Prometheus metric name', 'use letters, digits and underscores, not starting with a digit (colons are for recording rules)');
  }
  if (RESERVED_METRIC_NAMES.has(spec.name) || RESERVED_METRIC_PREFIXES.some((p) => spec.name.startsWith(p))) {
    fail('name', 'is reserved by Prometheus', 'choose a name that is not "up", "ALERTS*" and does not start with "scrape_" or "__"');
  }
  if (spec.type === 'counter' && !spec.name.endsWith('_total')) {
    fail('name', 'of a counter must end in "_total"', `rename it to "${spec.name}_total"`);
  }
  if (spec.type !== 'counter' && spec.name.endsWith('_total')) {
    fail('name', `of a ${spec.type} must not end in "_total"`, 'only counters take the "_total" suffix');
  }
  if (spec.type === 'histogram' && HISTOGRAM_SUFFIXES.some((s) => spec.name.endsWith(s))) {
    fail('name', `of a histogram must not end in ${HISTOGRAM_SUFFIXES.join(', ')}`, 'those suffixes are added to its series');
  }
  if (!UNIT_SUFFIX_EXEMPT.has(spec.unit)) {
    const base = spec.type === 'counter' ? spec.name.slice(0, -'_total'.length) : spec.name;
    if (!base.endsWith(`_${spec.unit}`)) {
      fail('name', `does not carry its unit "${spec.unit}" as a suffix`, `name it "<what>_${spec.unit}${spec.type === 'counter' ? '_total' : ''}"`);
    }
  }
  if (spec.help.trim() === '') fail('help', 'is empty', 'say in one sentence what the metric counts or measures');

  const seen = new Set<string>();
  for (const label of spec.labels) {
    if (!LABEL_NAME.test(label) || label.startsWith('__')) {
      fail(`label "${label}"`, 'is not a valid label name', 'use letters, digits and underscores, not starting with a digit or "__"');
    }
    if (RESERVED_LABEL_NAMES.has(label)) fail(`label "${label}"`, 'is reserved', '"le" and "quantile" belong to histogram and summary series');
    if (seen.has(label)) fail(`label "${label}"`, 'is declared twice', 'list each label once');
    seen.add(label);
  }
  for (const [label, values] of Object.entries(spec.values ?? {})) {
    if (!seen.has(label)) fail(`values.${label}`, 'names a label the metric does not declare', `add "${label}" to labels or remove it from values`);
    if (!Array.isArray(values) || values.length === 0) fail(`values.${label}`, 'is empty', 'list the allowed values, or leave the label open');
  }

  if (spec.type === 'histogram') {
    const b = spec.buckets;
    if (b.length === 0) fail('buckets', 'is empty', 'give at least one upper bound');
    for (let i = 0; i < b.length; i++) {
      const v = b[i]!;
      if (!Number.isFinite(v)) fail('buckets', `has a non-finite bound ${v}`, '+Inf is added by the client; list finite bounds only');
      if (i > 0 && v <= b[i - 1]!) fail('buckets', `are not strictly increasing at ${v}`, 'sort them ascending without duplicates');
    }
  }
}
