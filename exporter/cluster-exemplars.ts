// What the cluster merge drops, put back. prom-client's AggregatorRegistry.aggregate
// builds each merged sample from a value and labels only and drops the
// workers' exemplars, so in cluster mode no latency bucket linked to a trace.
// This puts back, on each merged sample, the newest exemplar the workers hold
// for the same sample (family, sample name, labels): the most recent request
// is the one whose trace a backend most likely still keeps. It keeps only a
// family's name, help and type, so the unit our families declare is put
// back too, for OpenMetrics' `# UNIT` line.
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';

/** prom-client's exemplar shape, as `getMetricsAsJSON()` gives it (timestamp in Unix seconds). */
interface PromExemplar {
  readonly labelSet: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestamp: number;
}

interface Sample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
  exemplar?: PromExemplar | null;
}

export type RegistryJson = MetricObjectWithValues<MetricValue<string>>[];

/** The sample's sample name and labels, keys sorted (label order differs between processes); length-prefixed so no value can forge another key. */
function sampleKey(sample: Sample): string {
  let key = sample.metricName ?? '';
  for (const name of Object.keys(sample.labels).sort()) {
    const value = String(sample.labels[name]);
    key += `|${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}

const isExemplar = (e: unknown): e is PromExemplar =>
  typeof e === 'object' && e !== null && typeof (e as PromExemplar).timestamp === 'number' && typeof (e as PromExemplar).labelSet === 'object';

/** Per family name, the newest exemplar of each sample that has one in any of `registries`. */
function newestExemplars(registries: readonly RegistryJson[]): Map<string, Map<string, PromExemplar>> {
  const byFamily = new Map<string, Map<string, PromExemplar>>();
  for (const registry of registries) {
    for (const metric of registry) {
      for (const sample of metric.values as Sample[]) {
        const e = sample.exemplar;
        if (!isExemplar(e)) continue;
        let samples = byFamily.get(metric.name);
        if (samples === undefined) byFamily.set(metric.name, (samples = new Map()));
        const key = sampleKey(sample);
        const held = samples.get(key);
        if (held === undefined || e.timestamp > held.timestamp) samples.set(key, e);
      }
    }
  }
  return byFamily;
}

/** A merged family as the aggregator's wrapper hands it out: its own object, which the renderer reads next, so ours to annotate. */
interface MergedFamily {
  readonly name: string;
  unit?: string;
  readonly values: Sample[];
}
type Merged = Pick<Registry, 'getMetricsAsArray'>;

async function mergedFamilies(merged: Merged): Promise<MergedFamily[]> {
  return Promise.all((merged.getMetricsAsArray() as unknown as { get(): Promise<MergedFamily> | MergedFamily }[]).map((m) => m.get()));
}

/**
 * Sets `exemplar` on the samples of `merged` (the registry
 * `AggregatorRegistry.aggregate(registries)` returned) to the newest exemplar
 * of the same sample in `registries`. Values are not touched, so each
 * metric's own aggregator (sum, max, ...) still decides them. Families
 * without exemplars are skipped without building a key.
 */
export async function restoreExemplars(merged: Merged, registries: readonly RegistryJson[]): Promise<void> {
  setExemplars(await mergedFamilies(merged), registries);
}

/** Exemplars and units both, over one walk of the merged families. */
export async function restoreDropped(merged: Merged, registries: readonly RegistryJson[]): Promise<void> {
  const families = await mergedFamilies(merged);
  setExemplars(families, registries);
  setUnits(families, registries);
}

function setExemplars(families: readonly MergedFamily[], registries: readonly RegistryJson[]): void {
  const byFamily = newestExemplars(registries);
  if (byFamily.size === 0) return;
  for (const family of families) {
    const samples = byFamily.get(family.name);
    if (samples === undefined) continue;
    for (const sample of family.values) {
      const e = samples.get(sampleKey(sample));
      if (e !== undefined) sample.exemplar = e;
    }
  }
}

/** The unit our families declare (Family.get() gives it; prom-client's own metrics have none). */
function setUnits(families: readonly MergedFamily[], registries: readonly RegistryJson[]): void {
  const units = new Map<string, string>();
  for (const registry of registries) {
    for (const metric of registry) {
      const { unit } = metric as { unit?: unknown };
      if (typeof unit === 'string' && unit !== '') units.set(metric.name, unit);
    }
  }
  for (const family of families) {
    const unit = units.get(family.name);
    if (unit !== undefined) family.unit = unit;
  }
}
