// One call wires the exporter: a registry with process, host and HTTP
// metrics, the middleware, /metrics, health endpoints, and business metrics
// declared from catalog specs.
import type { RequestListener, Server } from 'node:http';
import { Registry } from 'prom-client';
import type { MetricSpec } from '../catalog/spec.ts';
import { createHealth, type Health } from './health.ts';
import { httpMetricsMiddleware, type HttpMetricsMiddleware, type HttpMetricsOptions } from './http-metrics.ts';
import { createInstrument, type Instrument } from './instruments.ts';
import { type Logger, stderrLogger } from './logger.ts';
import { metricsHandler, type MetricsAuth, type MetricsHandler } from './metrics-endpoint.ts';
import { listenMetricsServer } from './metrics-server.ts';
import { createHttpServer, type HttpServerSettings } from './http-server.ts';
import { addSecretNames } from './redaction.ts';
import { MetricDefinitionError } from './naming.ts';
import { type HostMetricsOptions, registerHostMetrics, registerProcessMetrics } from './system-metrics.ts';
import type { RequestLogger } from './logging/request-log.ts';
import { kitTracer } from './tracing/server-span.ts';
import { currentRecorder, currentTracing } from './tracing/start.ts';

export interface ExporterOptions {
  /** Registry to use; a new one by default. */
  registry?: Registry;
  /** Receives warnings (series cap reached); pino's logger fits. */
  logger?: Logger;
  /** HTTP middleware options (route exclusion, legacy names, body sizes, static labels, series cap). */
  http?: Omit<HttpMetricsOptions, 'registry' | 'logger'>;
  /** Credentials required on /metrics. */
  metricsAuth?: MetricsAuth;
  /** prom-client's process and Node.js metrics (default true). */
  processMetrics?: boolean;
  /** Host CPU, memory and filesystem metrics (default true); options or false. */
  hostMetrics?: boolean | HostMetricsOptions;
  /**
   * One SERVER span per request through the globally registered OpenTelemetry
   * tracer (start it with `startTracing`), with trace_id/span_id exemplars on
   * the latency histogram (default false).
   */
  traces?: boolean;
  /**
   * One ECS log line per request: `true` writes through `logger` (which then
   * needs `info` and `error`, as pino's has), or pass the logger to use
   * (`createLogger().accessLogger` skips the redaction pass the line does not need).
   */
  logRequests?: boolean | RequestLogger;
  /**
   * More names whose values are censored wherever data leaves the process
   * (query and path parameters, span attributes, log fields, error texts);
   * added to the built-in list, process-wide (see redaction.ts; also the
   * OBSERVABILITY_REDACT_NAMES variable).
   */
  redact?: readonly string[];
}

export type Instruments<M extends Record<string, MetricSpec>> = { readonly [K in keyof M]: Instrument<M[K]> };

export interface Exporter {
  readonly registry: Registry;
  /** Express (or plain node:http) middleware recording HTTP RED metrics. */
  readonly middleware: HttpMetricsMiddleware;
  /** Serves the registry, Prometheus text or OpenMetrics by the `Accept` header. */
  readonly metricsHandler: MetricsHandler;
  readonly health: Health;
  /** Declares the app's own metrics from catalog specs; validated now, typed by their labels. */
  defineMetrics<const M extends Record<string, MetricSpec>>(specs: M): Instruments<M>;
  /** Serves /metrics (and the health endpoints) on a separate port, so /metrics need not be public. */
  listenMetrics(port: number, host?: string, settings?: HttpServerSettings): Promise<Server>;
  /**
   * `http.createServer` with production timeouts (keep-alive above a load
   * balancer's idle timeout, header and request timeouts, optional connection
   * cap) and requests rejected by the parser counted and logged (http-server.ts).
   */
  createServer(handler: RequestListener, settings?: HttpServerSettings): Server;
}

/** Prefixes of the exporter's own metrics; app metrics may not take them. */
const RESERVED_PREFIXES = ['http_server_', 'http_request', 'http_response', 'system_', 'process_', 'nodejs_', 'otel_sdk_', 'log_records_', 'telemetry_records_'];

export function createExporter(options: ExporterOptions = {}): Exporter {
  const registry = options.registry ?? new Registry();
  const logger = options.logger ?? stderrLogger;
  if (options.redact !== undefined) addSecretNames(options.redact);
  if (options.processMetrics !== false) registerProcessMetrics(registry);
  if (options.hostMetrics !== false) registerHostMetrics(registry, typeof options.hostMetrics === 'object' ? options.hostMetrics : {});
  const middleware = httpMetricsMiddleware({
    ...options.http,
    registry,
    logger,
    ...(options.traces === true && { tracer: kitTracer() }),
    ...(currentRecorder() !== undefined && { recorder: currentRecorder() }),
    ...(options.logRequests === true && { requestLogger: requestLoggerOf(logger) }),
    ...(typeof options.logRequests === 'object' && { requestLogger: options.logRequests }),
  });
  // Tracing started earlier (startTracing, or the --import preload): its span pipeline counts go on this /metrics.
  if (options.traces === true) currentTracing()?.registerMetrics(registry);
  const handler = metricsHandler({ registry, ...(options.metricsAuth && { auth: options.metricsAuth }) });
  const health = createHealth();

  return {
    registry,
    middleware,
    metricsHandler: handler,
    health,
    defineMetrics(specs) {
      const out: Record<string, unknown> = {};
      for (const [key, spec] of Object.entries(specs)) {
        const prefix = RESERVED_PREFIXES.find((p) => spec.name.startsWith(p));
        if (prefix !== undefined) {
          throw new MetricDefinitionError(`metric "${spec.name}" (${key}): name starts with "${prefix}", reserved for the exporter's own metrics; prefix it with your app or domain, e.g. "shop_"`);
        }
        if (registry.getSingleMetric(spec.name) !== undefined) {
          throw new MetricDefinitionError(`metric "${spec.name}" (${key}): name is already registered; each metric is declared once`);
        }
        out[key] = createInstrument(spec, registry, { logger, ...(options.http?.staticLabels && { staticLabels: options.http.staticLabels }) });
      }
      return out as Instruments<typeof specs>;
    },
    listenMetrics: (port, host = '0.0.0.0', settings = {}) => listenMetricsServer(port, host, handler, health, { ...settings, logger, registry }),
    createServer: (app, settings = {}) => createHttpServer(app, { ...settings, logger, registry }),
  };
}

function requestLoggerOf(logger: Logger): RequestLogger {
  const { info, error } = logger;
  if (info === undefined || error === undefined) {
    throw new TypeError('createExporter: logRequests needs a logger with info() and error() (a pino logger, or createLogger() from this package)');
  }
  return logger as RequestLogger;
}
