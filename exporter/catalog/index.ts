// The one catalog of signals: every metric the exporter and the demo publish,
// as data. Dashboards and alerts import names and labels from here.
import { httpMetrics, legacyHttpMetrics } from './http.ts';
import { systemMetrics } from './system.ts';
import { demoBusinessMetrics } from './demo-business.ts';
import { telemetryMetrics } from './telemetry.ts';
import type { MetricSpec } from './spec.ts';

export const catalog = {
  http: httpMetrics,
  legacyHttp: legacyHttpMetrics,
  system: systemMetrics,
  business: demoBusinessMetrics,
  telemetry: telemetryMetrics,
} as const;

/** Every spec in the catalog, flattened. */
export function allSpecs(): MetricSpec[] {
  return Object.values(catalog).flatMap((group) => Object.values(group) as MetricSpec[]);
}

export * from './spec.ts';
export * from './http.ts';
export * from './system.ts';
export * from './demo-business.ts';
export * from './telemetry.ts';
