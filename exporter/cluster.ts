// Node cluster support: workers answer the primary's metric requests from
// their registry, and the primary serves one /metrics that merges them with
// prom-client's AggregatorRegistry.aggregate. Each metric says how it merges:
// our HTTP and business families and process counters sum, host metrics (the
// same in every worker) take the max, so nothing is multiplied by the worker
// count. The primary adds its own registry to the merge: requests rejected on
// its metrics port are counted there, beside the workers' rejections.
//
// In OpenMetrics the merged samples carry exemplars again, which the
// aggregator drops (cluster-exemplars.ts).
//
// The request/response over IPC is ours rather than prom-client's
// clusterMetrics(), which renders the workers' metrics only and leaves no
// room for the primary's.
import type { Server } from 'node:http';
import { AggregatorRegistry, type PrometheusContentType, Registry } from 'prom-client';
import { type RegistryJson, restoreDropped } from './cluster-exemplars.ts';
import { CONTENT_TYPES, type ExpositionFormat, renderRegistryChunks } from './exposition.ts';
import { createHealth, type Health } from './health.ts';
import { type Logger, stderrLogger } from './logger.ts';
import { metricsHandler, type MetricsAuth, type MetricsHandler } from './metrics-endpoint.ts';
import { listenMetricsServer } from './metrics-server.ts';

const REQUEST = 'observability-kit:metrics-request';
const RESPONSE = 'observability-kit:metrics-response';
/** A worker that does not answer within this fails the scrape rather than publishing sums without it. */
const WORKER_TIMEOUT_MS = 5000;

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
}
interface MetricsResponse {
  readonly type: typeof RESPONSE;
  readonly id: number;
  readonly metrics?: RegistryJson;
  readonly error?: string;
}
const isMessage = <T extends { type: string }>(m: unknown, type: T['type']): m is T => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;

/** In a cluster worker: answer the primary's requests for metrics from `registry`. Once per process; the last registry given wins. */
let workerRegistry: Registry | undefined;
export function shareWorkerMetrics(registry: Registry): void {
  const listening = workerRegistry !== undefined;
  workerRegistry = registry;
  if (listening) return;
  process.on('message', (message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const reply = (body: Omit<MetricsResponse, 'type' | 'id'>) => process.send?.({ type: RESPONSE, id: message.id, ...body } satisfies MetricsResponse);
    workerRegistry!.getMetricsAsJSON().then(
      (metrics) => reply({ metrics }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

interface Pending {
  readonly responses: RegistryJson[];
  waiting: number;
  settle(err: Error | undefined): void;
}
const pending = new Map<number, Pending>();
let nextId = 0;
let listening = false;

/** Asks every connected worker for its registry. */
async function workerMetrics(): Promise<RegistryJson[]> {
  // Loaded on first use: some application servers (Passenger) break when node:cluster is merely imported.
  const { default: cluster } = await import('node:cluster');
  if (!listening) {
    listening = true;
    cluster.on('message', (_worker, message: unknown) => {
      if (!isMessage<MetricsResponse>(message, RESPONSE)) return;
      const request = pending.get(message.id);
      if (request === undefined) return; // answered after the scrape gave up
      if (message.error !== undefined) return request.settle(new Error(`a worker could not collect its metrics: ${message.error}`));
      request.responses.push(message.metrics ?? []);
      if (--request.waiting === 0) request.settle(undefined);
    });
  }
  const workers = Object.values(cluster.workers ?? {}).filter((w) => w?.isConnected() === true);
  if (workers.length === 0) return [];
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => request.settle(new Error(`a worker did not send its metrics within ${WORKER_TIMEOUT_MS} ms`)), WORKER_TIMEOUT_MS);
    const request: Pending = {
      responses: [],
      waiting: workers.length,
      settle(err) {
        clearTimeout(timer);
        pending.delete(id);
        if (err === undefined) resolve(this.responses);
        else reject(err);
      },
    };
    pending.set(id, request);
    for (const w of workers) w!.send({ type: REQUEST, id } satisfies MetricsRequest);
  });
}

/**
 * In the primary: a /metrics handler over every connected worker and the
 * primary's own `registry`, merged, in the format the scraper asks for. In
 * OpenMetrics each merged sample carries the newest of the workers' exemplars
 * for it. A worker that does not answer within 5 s fails the whole scrape
 * (500) rather than showing sums without it.
 */
export function clusterMetricsHandler(options: { auth?: MetricsAuth; registry?: Registry } = {}): MetricsHandler {
  const own = options.registry ?? new Registry();
  return metricsHandler({
    registry: own,
    ...(options.auth && { auth: options.auth }),
    render: async (format) => {
      const [workers, primary] = await Promise.all([workerMetrics(), own.getMetricsAsJSON()]);
      return { body: await renderMerged([...workers, primary], format), contentType: CONTENT_TYPES[format] };
    },
  });
}

/** The workers' and the primary's registries (as getMetricsAsJSON() gives them) merged into one exposition. */
export async function renderMerged(registries: RegistryJson[], format: ExpositionFormat): Promise<Buffer[]> {
  const merged = AggregatorRegistry.aggregate<PrometheusContentType>(registries);
  // The aggregator drops exemplars and units; only OpenMetrics shows them.
  if (format === 'openmetrics') await restoreDropped(merged, registries);
  // Our renderer rather than merged.metrics(): prom-client renders one format per registry and no exemplars here.
  return renderRegistryChunks(merged, format);
}

/**
 * Serves the primary's /metrics, /healthz and /readyz on their own port;
 * requests that port rejects are counted in the merged /metrics. Without a
 * `health`, the primary is live and ready while it listens (createHealth()).
 */
export function listenClusterMetrics(port: number, host: string, options: { auth?: MetricsAuth; health?: Health; logger?: Logger } = {}): Promise<Server> {
  const registry = new Registry();
  const handler = clusterMetricsHandler({ registry, ...(options.auth && { auth: options.auth }) });
  return listenMetricsServer(port, host, handler, options.health ?? createHealth(), { logger: options.logger ?? stderrLogger, registry });
}
