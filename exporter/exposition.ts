// Renders a prom-client Registry in the Prometheus text format (0.0.4) or
// OpenMetrics 1.0, chosen per scrape. prom-client's own OpenMetrics mode is
// a registry-wide setting that renames counters in place (it strips `_total`),
// so one registry cannot serve both; this renderer reads the same metrics
// without changing them. Our families render from their pre-escaped label
// text; other metrics (prom-client's defaults) through their `get()`.
import type { Registry } from 'prom-client';
import { CounterFamily, Family, formatLabels, GaugeFamily, HistogramFamily, type Exemplar, type Series } from './metric-family.ts';
import type { MetricSpec } from './catalog/spec.ts';

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Readonly<Record<ExpositionFormat, string>> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/**
 * OpenMetrics when the scraper prefers it (Prometheus 3 does by default), by
 * the q-values of `application/openmetrics-text` against `text/plain`;
 * the Prometheus text format otherwise.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined) return 'prometheus';
  let openmetrics = 0;
  let text = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    const t = type.toLowerCase();
    if (t === 'application/openmetrics-text') openmetrics = Math.max(openmetrics, q);
    else if (t === 'text/plain') text = Math.max(text, q);
  }
  return openmetrics > 0 && openmetrics >= text ? 'openmetrics' : 'prometheus';
}

interface PromMetricObject {
  name: string;
  help: string;
  type: string;
  values?: { value: number; labels?: Record<string, string | number>; metricName?: string; exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number } | null }[];
}

export async function renderRegistry(registry: Registry, format: ExpositionFormat): Promise<string> {
  const out: string[] = [];
  for (const metric of registry.getMetricsAsArray() as unknown[]) {
    if (metric instanceof Family) renderFamily(metric as Family<MetricSpec, Series>, format, out);
    else renderObject(await (metric as { get(): Promise<PromMetricObject> }).get(), format, out);
  }
  if (format === 'openmetrics') out.push('# EOF');
  return `${out.join('\n')}\n`;
}

function header(out: string[], name: string, type: string, help: string, unit: string, format: ExpositionFormat): void {
  out.push(`# HELP ${name} ${escapeHelp(help, format)}`, `# TYPE ${name} ${type}`);
  if (format === 'openmetrics' && unit !== '' && name.endsWith(`_${unit}`)) out.push(`# UNIT ${name} ${unit}`);
}

/** OpenMetrics names a counter family without `_total` and its sample with it. */
function familyName(name: string, type: string, format: ExpositionFormat): string {
  return format === 'openmetrics' && type === 'counter' && name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
}

function renderFamily(family: Family<MetricSpec, Series>, format: ExpositionFormat, out: string[]): void {
  const { name, type } = family;
  family.collect();
  header(out, familyName(name, type, format), type, family.help, family.spec.unit, format);
  const om = format === 'openmetrics';
  if (family instanceof HistogramFamily) {
    const bounds = family.spec.buckets.map(formatValue);
    bounds.push('+Inf');
    for (const s of family.series) {
      const sep = s.labelText === '' ? '' : ',';
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += s.counts[i]!;
        const e = om ? s.exemplars?.[i] : undefined;
        out.push(`${name}_bucket{${s.labelText}${sep}le="${bounds[i]}"} ${cumulative}${e === undefined ? '' : exemplarText(e)}`);
      }
      const braces = s.labelText === '' ? '' : `{${s.labelText}}`;
      out.push(`${name}_sum${braces} ${formatValue(s.sum)}`, `${name}_count${braces} ${s.count}`);
    }
    return;
  }
  if (family instanceof CounterFamily || family instanceof GaugeFamily) {
    for (const s of family.series) {
      const braces = s.labelText === '' ? '' : `{${s.labelText}}`;
      const e = om && 'exemplar' in s ? (s.exemplar as Exemplar | undefined) : undefined;
      out.push(`${name}${braces} ${formatValue(s.value)}${e === undefined ? '' : exemplarText(e)}`);
    }
  }
}

function renderObject(metric: PromMetricObject, format: ExpositionFormat, out: string[]): void {
  const om = format === 'openmetrics';
  const family = familyName(metric.name, metric.type, format);
  header(out, family, metric.type, metric.help, '', format);
  for (const v of metric.values ?? []) {
    let sample = v.metricName ?? metric.name;
    // prom-client allows counters without `_total`; OpenMetrics requires it on the sample.
    if (om && metric.type === 'counter' && !sample.endsWith('_total')) sample += '_total';
    const labels = v.labels === undefined ? '' : formatLabels(v.labels);
    const e = om && v.exemplar ? exemplarText({ labels: v.exemplar.labelSet, value: v.exemplar.value, timestamp: v.exemplar.timestamp }) : '';
    out.push(`${sample}${labels === '' ? '' : `{${labels}}`} ${formatValue(v.value)}${e}`);
  }
}

function exemplarText(e: Exemplar): string {
  return ` # {${formatLabels(e.labels)}} ${formatValue(e.value)} ${e.timestamp.toFixed(3)}`;
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** The text format escapes backslash and newline in HELP; OpenMetrics's escaped-string also the double quote. */
function escapeHelp(help: string, format: ExpositionFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}
