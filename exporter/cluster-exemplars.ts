// Exemplars through the cluster merge. prom-client's AggregatorRegistry.aggregate
// builds each merged sample from a value and labels only and drops the
// workers' exemplars, so in cluster mode no latency bucket linked to a trace.
// This puts back, on each merged sample, the newest exemplar the workers hold
// for the same sample (family, sample name, labels): the most recent request
// is the one whose trace a backend most likely still keeps.
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

/**
 * Sets `exemplar` on the samples of `merged` (the registry
 * `AggregatorRegistry.aggregate(registries)` returned) to the newest exemplar
 * of the same sample in `registries`. Values are not touched, so each
 * metric's own aggregator (sum, max, ...) still decides them. Families
 * without exemplars are skipped without building a key.
 */
export async function restoreExemplars(merged: Pick<Registry, 'getMetricsAsArray'>, registries: readonly RegistryJson[]): Promise<void> {
  const byFamily = newestExemplars(registries);
  if (byFamily.size === 0) return;
  for (const metric of merged.getMetricsAsArray() as unknown as { get(): Promise<{ name: string; values: Sample[] }> | { name: string; values: Sample[] } }[]) {
    // The aggregator's wrapper hands out its own result object: its samples are fresh objects, ours to annotate.
    const aggregated = await metric.get();
    const samples = byFamily.get(aggregated.name);
    if (samples === undefined) continue;
    for (const sample of aggregated.values) {
      const e = samples.get(sampleKey(sample));
      if (e !== undefined) sample.exemplar = e;
    }
  }
}
