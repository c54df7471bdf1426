// The one catalog of signals: every metric the library itself publishes
// (HTTP, host, process, runtime, telemetry pipeline), as data. Dashboards and
// alerts import names and labels from here. An app's business metrics are
// declared in the app and reach the rules through its project config.
import { httpMetrics } from './http.ts';
import { httpConnectionMetrics } from './http-connections.ts';
import { systemMetrics } from './system.ts';
import { telemetryMetrics } from './telemetry.ts';
import type { MetricSpec } from './spec.ts';

export const catalog = {
  http: httpMetrics,
  httpConnections: httpConnectionMetrics,
  system: systemMetrics,
  telemetry: telemetryMetrics,
} as const;

/** Every spec in the catalog, flattened. */
export function allSpecs(): MetricSpec[] {
  return Object.values(catalog).flatMap((group) => Object.values(group) as MetricSpec[]);
}

export * from './spec.ts';
export * from './http.ts';
export * from './http-connections.ts';
export * from './system.ts';
export * from './telemetry.ts';
