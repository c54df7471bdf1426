// Renders a prom-client Registry in the Prometheus text format (0.0.4) or
// OpenMetrics 1.0, chosen per scrape. prom-client's own OpenMetrics mode is
// a registry-wide setting that renames counters in place (it strips `_total`),
// so one registry cannot serve both; this renderer reads the same metrics
// without changing them. Our families render from their pre-escaped label
// bytes and the text a histogram keeps of its sum and exemplars until they
// change; other metrics (prom-client's defaults) through their `get()`.
import type { Registry } from 'prom-client';
import { encode, ExpositionWriter, formatValue, releaseChunks } from './exposition-writer.ts';
import { ReuseClaim } from './exposition-reuse.ts';
import { CounterFamily, type CounterSeries, Family, formatLabels, GaugeFamily, type GaugeSeries, HistogramFamily, type HistogramSeries, type Exemplar, placeEnd, placeStart, type Series } from './metric-family.ts';
import type { MetricSpec } from '../catalog/spec.ts';

export { formatValue };

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
  /** Only on the cluster primary's merged families (cluster.ts): prom-client's own metrics declare none. */
  unit?: string;
  values?: { value: number; labels?: Record<string, string | number>; metricName?: string; exemplar?: { labelSet: Record<string, string>; value: number; timestamp: number } | null }[];
}

/** The exposition as UTF-8 chunks, for writing to a socket without building one big string. */
export async function renderRegistryChunks(registry: Registry, format: ExpositionFormat): Promise<Buffer[]> {
  const reuse = new ReuseClaim(registry, format);
  const out = ExpositionWriter.open();
  let chunks: Buffer[] | undefined;
  try {
    for (const metric of registry.getMetricsAsArray() as unknown[]) {
      if (metric instanceof Family) await renderFamily(metric as Family<MetricSpec, Series>, format, out, reuse);
      else renderObject(await (metric as { get(): Promise<PromMetricObject> }).get(), format, out);
    }
    if (format === 'openmetrics') line(out, '# EOF');
    chunks = out.finish();
    return chunks;
  } finally {
    reuse.settle(chunks);
  }
}

export async function renderRegistry(registry: Registry, format: ExpositionFormat): Promise<string> {
  const chunks = await renderRegistryChunks(registry, format);
  const text = Buffer.concat(chunks).toString('utf8');
  releaseChunks(chunks);
  return text;
}

function line(out: ExpositionWriter, text: string): void {
  out.text(text);
  out.newline();
}

function header(out: ExpositionWriter, name: string, type: string, help: string, unit: string, format: ExpositionFormat): void {
  line(out, `# HELP ${name} ${escapeHelp(help, format)}`);
  line(out, `# TYPE ${name} ${type}`);
  if (format === 'openmetrics' && unit !== '' && name.endsWith(`_${unit}`)) line(out, `# UNIT ${name} ${unit}`);
}

/** OpenMetrics names a counter family without `_total` and its sample with it. */
function familyName(name: string, type: string, format: ExpositionFormat): string {
  return format === 'openmetrics' && type === 'counter' && name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
}

/**
 * Gives the event loop a turn after each completed 256 KiB chunk (about 2.5k
 * lines, well under a millisecond of work): a scrape of 100k series must not
 * stall requests for the whole render.
 */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/** The longest run of unchanged series copied at once: a chunk's worth, as long as the render goes between turns. */
const RUN_BYTES = 1 << 18;

/** A sample's start before and after its labels: `name{` and `} `, or `name` and ` ` for a series without labels. */
interface Around {
  readonly head: Buffer;
  readonly tail: Buffer;
}
const around = (name: string, labelled: boolean): Around => (labelled ? { head: encode(`${name}{`), tail: encode('} ') } : { head: encode(name), tail: encode(' ') });

/** A family's sample names and `le` labels as UTF-8, made on its first scrape (they are the same in both formats). */
interface Pieces {
  /** Indexed by whether the series has labels. */
  readonly sample: readonly [Around, Around];
  readonly sum: readonly [Around, Around];
  readonly count: readonly [Around, Around];
  /** Histograms: `name_bucket{`, and each bucket's `,le="0.1"} ` after labels or `le="0.1"} ` without; +Inf last. */
  readonly bucket: Buffer;
  readonly le: readonly [readonly Buffer[], readonly Buffer[]];
}
const piecesOf = new WeakMap<Family<MetricSpec, Series>, Pieces>();

function pieces(family: Family<MetricSpec, Series>): Pieces {
  let p = piecesOf.get(family);
  if (p !== undefined) return p;
  const { name, spec } = family;
  const both = (n: string) => [around(n, false), around(n, true)] as const;
  const bounds = spec.type === 'histogram' ? [...spec.buckets.map(formatValue), '+Inf'] : [];
  p = {
    sample: both(name),
    sum: both(`${name}_sum`),
    count: both(`${name}_count`),
    bucket: encode(`${name}_bucket{`),
    le: [bounds.map((b) => encode(`le="${b}"} `)), bounds.map((b) => encode(`,le="${b}"} `))],
  };
  piecesOf.set(family, p);
  return p;
}

async function renderFamily(family: Family<MetricSpec, Series>, format: ExpositionFormat, out: ExpositionWriter, reuse: ReuseClaim): Promise<void> {
  const { name, type } = family;
  family.collect();
  header(out, familyName(name, type, format), type, family.help, family.spec.unit, format);
  const om = format === 'openmetrics';
  const p = pieces(family);
  // Series are only ever appended: the ones created while the render yields wait for the next scrape.
  const series = family.series;
  const n = series.length;
  if (family instanceof HistogramFamily) {
    const { source, generation } = reuse;
    // Unchanged series lie next to each other in the kept exposition as here: each run of them is one copy.
    let runFrom = 0;
    let runEnd = -1;
    const copyRun = () => {
      if (runEnd > runFrom) out.copy(source!, runFrom, runEnd);
      runFrom = runEnd;
    };
    for (let k = 0; k < n; k++) {
      const s = series[k] as HistogramSeries;
      // Only the recording render has a source, so `generation` is set where a place is found.
      const place = source === undefined ? -1 : s.shownIn(source.generation);
      if (place >= 0) {
        const from = placeStart(place);
        if (from !== runEnd) {
          copyRun();
          runFrom = runEnd = from;
        }
        s.movedTo(generation, out.offset + (runEnd - runFrom));
        runEnd = placeEnd(place);
        reuse.recorded++;
        // A run is copied by the chunk at most, so the render still yields between chunks.
        if (runEnd - runFrom < RUN_BYTES) continue;
      }
      copyRun();
      if (place < 0) {
        const start = out.offset;
        const count = writeHistogramSeries(s, p, om, out);
        if (generation !== 0) {
          s.markShown(generation, start, out.offset, count);
          reuse.recorded++;
        }
      }
      // Awaited only when due: an await per series would cost a microtask turn each.
      if (out.yieldDue()) await nextTurn();
    }
    copyRun();
    return;
  }
  if (family instanceof CounterFamily || family instanceof GaugeFamily) {
    for (let k = 0; k < n; k++) {
      const s = series[k] as CounterSeries | GaugeSeries;
      const labels = s.labelBytes;
      const sample = p.sample[labels.length > 0 ? 1 : 0];
      out.start(sample.head, labels, sample.tail);
      out.value(s.value);
      const e = om && 'exemplar' in s ? (s.exemplar as Exemplar | undefined) : undefined;
      if (e !== undefined) out.text(exemplarText(e));
      out.newline();
      if (out.yieldDue()) await nextTurn();
    }
  }
}

/** A histogram series' lines: its buckets (with exemplars in OpenMetrics), sum and count; returns the count. */
function writeHistogramSeries(s: HistogramSeries, p: Pieces, om: boolean, out: ExpositionWriter): number {
  const labels = s.labelBytes;
  const labelled = labels.length > 0 ? 1 : 0;
  const les = p.le[labelled];
  const exemplars = om ? s.exemplars : undefined;
  const prefix = out.join(p.bucket, labels);
  let cumulative = 0;
  for (let i = 0; i < les.length; i++) {
    cumulative += s.bucket(i);
    out.startJoined(prefix, les[i]!);
    out.value(cumulative);
    const e = exemplars?.[i];
    // An exemplar is replaced, never changed: its text is made once.
    if (e !== undefined) out.text((e.text ??= exemplarText(e)));
    out.newline();
  }
  const sum = p.sum[labelled];
  out.start(sum.head, labels, sum.tail);
  out.ascii(s.sumText);
  out.newline();
  const count = p.count[labelled];
  out.start(count.head, labels, count.tail);
  out.value(cumulative);
  out.newline();
  return cumulative;
}

function renderObject(metric: PromMetricObject, format: ExpositionFormat, out: ExpositionWriter): void {
  const om = format === 'openmetrics';
  const family = familyName(metric.name, metric.type, format);
  header(out, family, metric.type, metric.help, metric.unit ?? '', format);
  for (const v of metric.values ?? []) {
    let sample = v.metricName ?? metric.name;
    // prom-client allows counters without `_total`; OpenMetrics requires it on the sample.
    if (om && metric.type === 'counter' && !sample.endsWith('_total')) sample += '_total';
    const labels = v.labels === undefined ? '' : formatLabels(v.labels);
    const e = om && v.exemplar ? exemplarText({ labels: v.exemplar.labelSet, value: v.exemplar.value, timestamp: v.exemplar.timestamp }) : '';
    line(out, `${sample}${labels === '' ? '' : `{${labels}}`} ${formatValue(v.value)}${e}`);
  }
}

function exemplarText(e: Exemplar): string {
  return ` # {${formatLabels(e.labels)}} ${formatValue(e.value)} ${e.timestamp.toFixed(3)}`;
}

/** The text format escapes backslash and newline in HELP; OpenMetrics's escaped-string also the double quote. */
function escapeHelp(help: string, format: ExpositionFormat): string {
  const escaped = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return format === 'openmetrics' ? escaped.replace(/"/g, '\\"') : escaped;
}
