// Starts the demo service: the exporter, the shop app behind its middleware,
// /metrics and the health endpoints, the traffic generator; and stops it
// the way an orchestrator expects (not ready first, then drain, then close).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { demoBusinessMetrics } from '../catalog/demo-business.ts';
import type { DemoConfig } from '../config.ts';
import { createExporter, type Exporter } from '../exporter.ts';
import { createApp } from './app.ts';
import { FaultSwitch } from './faults.ts';
import { demoLogger } from './log.ts';
import { WorkQueues } from './queue.ts';
import { Shop } from './shop.ts';
import { startTraffic, type Traffic } from './traffic.ts';

export interface RunningDemo {
  /** Base URL of the app (a loopback address when listening on all interfaces). */
  readonly url: string;
  /** Where /metrics is served: the app port, or METRICS_PORT. */
  readonly metricsUrl: string;
  readonly config: DemoConfig;
  readonly exporter: Exporter;
  readonly faults: FaultSwitch;
  /** Not ready, stop traffic, stop accepting, drain in-flight requests (up to SHUTDOWN_TIMEOUT_MS), close. Idempotent. */
  close(): Promise<void>;
}

export interface DemoOptions {
  /**
   * Set in a cluster worker: serve the app only. The primary serves the
   * aggregated /metrics on METRICS_PORT and runs the traffic generator.
   */
  readonly clusterWorkerId?: number;
}

/** Routes of infrastructure, kept out of the RED metrics so probes and scrapes don't dilute them. */
const INFRA_ROUTES = ['/metrics', '/healthz', '/readyz'];

export async function startDemo(config: DemoConfig, options: DemoOptions = {}): Promise<RunningDemo> {
  const worker = options.clusterWorkerId !== undefined;
  const exporter = createExporter({
    logger: demoLogger(config.serviceName),
    http: {
      excludeRoutes: INFRA_ROUTES,
      legacyNames: config.legacyNames,
      bodySizes: config.httpBodySizes,
      maxSeries: config.httpMaxSeries,
    },
    ...(config.metricsAuth && { metricsAuth: config.metricsAuth }),
  });
  const metrics = exporter.defineMetrics(demoBusinessMetrics);
  const queues = new WorkQueues(metrics);
  const shop = new Shop(metrics, queues);
  const faults = new FaultSwitch({ error_ratio: config.fault.errorRatio, latency_ms: config.fault.latencyMs });
  queues.start();

  const app = express();
  app.disable('x-powered-by');
  app.use(exporter.middleware); // first, so every request is measured, 404s and errors included
  if (config.metricsPort === undefined) app.get('/metrics', exporter.metricsHandler);
  app.get('/healthz', exporter.health.liveness);
  app.get('/readyz', exporter.health.readiness);
  app.use(createApp({ shop, faults, adminToken: config.adminToken, serviceName: config.serviceName, ...(worker && { workerId: options.clusterWorkerId }) }));

  const server = createServer(app);
  let inFlight = 0;
  server.on('request', (_req, res) => {
    inFlight++;
    res.once('close', () => inFlight--);
  });
  const stopWork = () => {
    queues.stop();
    shop.stop();
  };

  let metricsServer: Server | undefined;
  try {
    await listen(server, config.port, config.host);
    if (!worker && config.metricsPort !== undefined) metricsServer = await exporter.listenMetrics(config.metricsPort, config.metricsHost);
  } catch (err) {
    stopWork();
    server.close();
    throw err;
  }

  const url = baseUrl(server, config.host);
  const metricsUrl = metricsServer === undefined ? `${url}/metrics` : `${baseUrl(metricsServer, config.metricsHost)}/metrics`;
  const traffic: Traffic | undefined = !worker && config.trafficRps > 0 ? startTraffic(url, config.trafficRps) : undefined;

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    exporter.health.setReady(false, 'shutting_down');
    await traffic?.stop();
    stopWork();
    const appClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() stops accepting and drops idle keep-alive connections; requests being served finish.
    const deadline = Date.now() + config.shutdownTimeoutMs;
    while (inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    server.closeAllConnections(); // keep-alive connections that went idle meanwhile, and stragglers past the timeout
    await appClosed;
    if (metricsServer !== undefined) {
      const closed = new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
      metricsServer.closeAllConnections();
      await closed;
    }
  }

  return { url, metricsUrl, config, exporter, faults, close: () => (closing ??= shutdown()) };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port}: ${err.code ?? err.message}`, { cause: err }));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

/** A URL clients can connect to: the unspecified address is replaced by loopback. */
export function baseUrl(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${hostForUrl(host)}:${port}`;
}

export function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
