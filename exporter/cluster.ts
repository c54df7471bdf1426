// Node cluster support: workers answer the primary's metric requests from
// their registry, and the primary serves one /metrics that merges them with
// prom-client's AggregatorRegistry. Each metric says how it merges: our HTTP
// and business families and process counters sum, host metrics (the same in
// every worker) take the max, so nothing is multiplied by the worker count.
import type { Server } from 'node:http';
import { AggregatorRegistry, type PrometheusContentType, type Registry } from 'prom-client';
import type { Health } from './health.ts';
import { metricsHandler, type MetricsAuth, type MetricsHandler } from './metrics-endpoint.ts';
import { listenMetricsServer } from './metrics-server.ts';

/** In a cluster worker: answer the primary's requests for metrics from `registry`. */
export function shareWorkerMetrics(registry: Registry): void {
  // The constructor installs the worker's IPC listener; setRegistries picks what it reports.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/**
 * In the primary: a /metrics handler over every connected worker, merged.
 * Prometheus text only (the aggregator renders no OpenMetrics). A worker that
 * does not answer within 5 s fails the whole scrape (500) rather than
 * showing sums without it.
 */
export function clusterMetricsHandler(options: { auth?: MetricsAuth } = {}): MetricsHandler {
  const aggregator = new AggregatorRegistry<PrometheusContentType>();
  return metricsHandler({
    registry: aggregator,
    ...(options.auth && { auth: options.auth }),
    render: async () => ({ body: await aggregator.clusterMetrics(), contentType: aggregator.contentType }),
  });
}

/** Serves the primary's /metrics, /healthz and /readyz on their own port. */
export function listenClusterMetrics(port: number, host: string, options: { auth?: MetricsAuth; health: Health }): Promise<Server> {
  return listenMetricsServer(port, host, clusterMetricsHandler(options.auth ? { auth: options.auth } : {}), options.health);
}
