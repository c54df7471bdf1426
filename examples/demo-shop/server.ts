// Starts the demo service: the exporter, the shop app behind its middleware,
// /metrics and the health endpoints, the traffic generator; and stops it
// the way an orchestrator expects (not ready first, then drain, then close).
import type { Server, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type AddressInfo, Server as NetServer } from 'node:net';
import express from 'express';
import { Registry } from 'prom-client';
import { demoBusinessMetrics } from './business-metrics.ts';
import type { DemoConfig } from './demo-settings.ts';
import { createExporter, type Exporter } from '../../exporter/exporter.ts';
import { startTracing, type Tracing } from '../../exporter/tracing/start.ts';
import { createApp } from './app.ts';
import { FaultSwitch } from './faults.ts';
import { closeLogging, initLogging, log } from './log.ts';
import { abandonResponses } from '../../exporter/cut-responses.ts';
import { listen } from '../../exporter/http-server.ts';
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
  /**
   * Start the OpenTelemetry SDK (once per process; OTEL_SDK_DISABLED and the
   * other OTEL_* variables apply). Off for in-process tests.
   */
  readonly tracing?: boolean;
}

/** How long idle keep-alive connections are kept after SIGTERM, so clients reusing them get an answer with `Connection: close`, not a reset. */
const DRAIN_MS = 1000;

/** How long the 503 answers given at the deadline get to be written before the connections are closed. */
const ABANDON_GRACE_MS = 500;

/** Routes of infrastructure, kept out of the RED metrics so probes and scrapes don't dilute them. */
const INFRA_ROUTES = ['/metrics', '/healthz', '/readyz'];

export async function startDemo(config: DemoConfig, options: DemoOptions = {}): Promise<RunningDemo> {
  const worker = options.clusterWorkerId !== undefined;
  const registry = new Registry();
  const { logger, accessLogger } = initLogging({
    serviceName: config.serviceName,
    serviceVersion: config.serviceVersion,
    environment: config.environment,
    level: config.logLevel,
    registry,
    ...(config.logstash && { logstash: config.logstash }),
  });
  const tracing: Tracing | undefined = options.tracing
    ? startTracing({ serviceName: config.serviceName, serviceVersion: config.serviceVersion, environment: config.environment, registry, logger })
    : undefined;
  const exporter = createExporter({
    registry,
    logger,
    traces: tracing?.enabled ?? false,
    logRequests: config.requestLogs && accessLogger,
    http: {
      excludeRoutes: INFRA_ROUTES,
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
  let selfUrl = '';
  app.use(createApp({ shop, faults, adminToken: config.adminToken, serviceName: config.serviceName, selfUrl: () => selfUrl, ...(worker && { workerId: options.clusterWorkerId }) }));

  // Production timeouts and parser rejections counted (exporter/http-server.ts).
  const server = exporter.createServer(app);
  // In-flight responses and open connections, for the drain on shutdown.
  const inFlight = new Set<ServerResponse>();
  let connections = 0;
  let draining = false;
  server.on('connection', (socket) => {
    connections++;
    socket.once('close', () => connections--);
  });
  // Before the app's listener, so a draining answer carries `Connection: close` even when the route answers synchronously.
  server.prependListener('request', (_req, res: ServerResponse) => {
    if (draining) res.shouldKeepAlive = false;
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
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
  selfUrl = url;
  const metricsUrl = metricsServer === undefined ? `${url}/metrics` : `${baseUrl(metricsServer, config.metricsHost)}/metrics`;
  const traffic: Traffic | undefined = !worker && config.trafficRps > 0 ? startTraffic(url, config.trafficRps) : undefined;

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    const deadline = Date.now() + config.shutdownTimeoutMs;
    exporter.health.setReady(false, 'shutting_down');
    // Keep-alive clients are told to close after their current response, so none
    // sends a request on a connection at the moment the server closes it.
    draining = true;
    // Node answers `Connection: close` and closes the socket after a response whose shouldKeepAlive is false.
    for (const res of inFlight) res.shouldKeepAlive = false;
    // Stop accepting, without http.Server.close()'s dropping of idle keep-alive
    // connections: one dropped at the moment its client reuses it is a reset.
    const appClosed = new Promise<void>((resolve) => NetServer.prototype.close.call(server, () => resolve()));
    await traffic?.stop();
    stopWork();
    // Open connections end as their clients make one more request (answered with
    // `Connection: close`) or stay idle through the drain; in-flight requests get until the deadline.
    const drainUntil = Math.min(deadline, Date.now() + DRAIN_MS);
    while (connections > 0 && Date.now() < deadline && (inFlight.size > 0 || Date.now() < drainUntil)) await sleep(20);
    // Past the deadline: requests still running are answered 503 (or cut, if their response had begun), and
    // their log lines, spans and metrics are recorded before telemetry is flushed below.
    const abandoned = abandonResponses(inFlight);
    const answersSent = Date.now() + ABANDON_GRACE_MS;
    while (inFlight.size > 0 && Date.now() < answersSent) await sleep(10);
    if (abandoned.answered + abandoned.cut > 0) log('warn', 'shutdown deadline passed: requests still running were answered 503 or cut', { shutdown: { answered: abandoned.answered, cut: abandoned.cut, timeout_ms: config.shutdownTimeoutMs } });
    server.closeAllConnections(); // idle through the drain, or past the deadline
    await appClosed;
    if (metricsServer !== undefined) {
      const closed = new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
      metricsServer.closeAllConnections();
      await closed;
    }
    // The last requests' spans and log lines go out before the process exits.
    await Promise.race([tracing?.shutdown().catch(() => {}), sleep(Math.max(1000, deadline - Date.now()))]);
    await closeLogging();
  }

  return { url, metricsUrl, config, exporter, faults, close: () => (closing ??= shutdown()) };
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
