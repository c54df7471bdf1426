// Express middleware recording HTTP RED metrics. The request path does as
// little as it can: a clock read, an array increment and one 'close'
// listener; label resolution happens once per distinct series (cached) and
// the route template once per route (see route-template.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Span, Tracer } from '@opentelemetry/api';
import { Gauge, type Registry } from 'prom-client';
import {
  CLIENT_CLOSED_STATUS,
  HTTP_METHODS,
  httpMetrics,
  UNMATCHED_ROUTE,
} from '../catalog/http.ts';
import type { GaugeSpec, HistogramSpec } from '../catalog/spec.ts';
import { HistogramFamily, type HistogramSeries } from './metric-family.ts';
import { SERVER_CUT_STATUS, wasCutByServer } from './cut-responses.ts';
import { type Logger, stderrLogger } from './logger.ts';
import { LINE_SINK, type AccessLogger } from './logging/access-logger.ts';
import { type RequestLogger, requestLineWriter } from './logging/request-log.ts';
import type { RequestRecorder } from './tracing/request-recorder.ts';
import { validateSpec } from './naming.ts';
import { pathnameOf, ROOT_APP, RouteTemplates, type RoutedRequest } from './route-template.ts';
import { activeSpan, endServerSpan, exemplarOf, startServerSpan, withSpan } from './tracing/server-span.ts';

export interface HttpMetricsOptions {
  /** Registry the metrics are registered in. */
  registry: Registry;
  /** Receives the one warning logged when a metric reaches its series cap. */
  logger?: Logger;
  /** Route templates not recorded (default: `['/metrics']`). Literal ones are skipped before any work is done. */
  excludeRoutes?: readonly string[];
  /**
   * Probe paths, neither measured nor traced (default `DEFAULT_PROBE_ROUTES`):
   * an orchestrator's probe every few seconds would dilute latency and error
   * ratios and fill the trace store. `[]` records them like any route.
   */
  probeRoutes?: readonly string[];
  /** Labels with one fixed value added to every series, e.g. `{ service: 'checkout' }`. */
  staticLabels?: Readonly<Record<string, string>>;
  /** Also record request and response body sizes (costs a wrapper around `res.write`/`res.end`). */
  bodySizes?: boolean;
  /** Series per metric before new label sets go to the overflow series (default 2000). */
  maxSeries?: number;
  /**
   * Starts one SERVER span per request with this tracer and runs the request
   * in its context. Without it, exemplars come from whatever span is active
   * when the request enters the middleware (e.g. the app's own instrumentation).
   */
  tracer?: Tracer;
  /** Writes one ECS log line per request (pino's logger fits). */
  requestLogger?: RequestLogger;
  /**
   * The recording pipeline (startTracing's default): with it, the request's
   * span and its line (from createLogger's accessLogger) are recorded into a
   * shared ring and built by the telemetry worker, not on the request thread.
   * `tracer` then only says whether spans are wanted.
   */
  recorder?: RequestRecorder;
}

/** Thrown when a caller still passes the removed `legacyNames` option: what to do instead. */
export const LEGACY_NAMES_REMOVED =
  'http.legacyNames was removed: the kit\'s alerts and dashboards read only http_server_request_duration_seconds{http_request_method,http_route,http_response_status_code}, so the legacy names turned every HTTP and SLO alert off. ' +
  'Remove the option, and move dashboards of your own to the new names (docs/exporter.md, "Legacy metric names").';

/** The usual liveness, readiness and health paths (Kubernetes-style and generic). */
export const DEFAULT_PROBE_ROUTES: readonly string[] = ['/healthz', '/readyz', '/livez'];

type Next = (err?: unknown) => void;
export type HttpMetricsMiddleware = (req: IncomingMessage, res: ServerResponse, next: Next) => void;

const OTHER_METHOD = HTTP_METHODS.indexOf('_OTHER');
const METHOD_INDEX: Readonly<Record<string, number>> = Object.fromEntries(HTTP_METHODS.map((m, i) => [m, i]));

/** Index of a method in HTTP_METHODS; unknown methods share `_OTHER` so a scanner cannot mint series. */
export function methodIndex(method: string | undefined): number {
  return (method !== undefined && Object.hasOwn(METHOD_INDEX, method) ? METHOD_INDEX[method] : undefined) ?? OTHER_METHOD;
}

export function httpMetricsMiddleware(options: HttpMetricsOptions): HttpMetricsMiddleware {
  const { registry, bodySizes = false } = options;
  // Removed: the kit's rules and dashboards read only the OpenTelemetry names, so the old names silenced every HTTP and SLO alert.
  if ('legacyNames' in options) throw new Error(LEGACY_NAMES_REMOVED);
  const staticLabels = options.staticLabels ?? {};
  const familyOptions = { logger: options.logger ?? stderrLogger, staticLabels, ...(options.maxSeries !== undefined && { maxSeries: options.maxSeries }) };
  const names = httpMetrics;
  const excluded = new Set([...(options.excludeRoutes ?? ['/metrics']), ...(options.probeRoutes ?? DEFAULT_PROBE_ROUTES)]);
  const excludedPaths = new Set([...excluded].filter((r) => !/[:*?{}()|]/.test(r)));
  const routes = new RouteTemplates();

  const family = (spec: HistogramSpec) => new HistogramFamily(spec, familyOptions).register(registry);
  const duration = new SeriesTable(family(names.requestDuration));
  const requestSize = bodySizes ? new SeriesTable(family(names.requestBodySize)) : undefined;
  const responseSize = bodySizes ? new SeriesTable(family(names.responseBodySize)) : undefined;
  const active = activeRequestsGauge(names.activeRequests, registry, staticLabels);
  const { tracer, recorder } = options;
  // Lines of createLogger's accessLogger are rendered by the telemetry worker when the recording pipeline runs; any other logger writes here.
  const sink = recorder === undefined ? undefined : (options.requestLogger as AccessLogger | undefined)?.[LINE_SINK];
  const loggerId = sink === undefined ? 0 : recorder!.loggerId(sink);
  const writeRequestLine = options.requestLogger === undefined || sink !== undefined ? undefined : requestLineWriter(options.requestLogger);
  const recordSpans = recorder !== undefined && tracer !== undefined;
  const recordAny = recorder !== undefined && (tracer !== undefined || sink !== undefined);

  return function httpMetrics(req, res, next) {
    if (excludedPaths.size !== 0 && excludedPaths.has(pathnameOf(req as RoutedRequest))) return next();
    const start = performance.now();
    // The app the middleware runs in, where route resolution starts (here and in the error logger):
    // sub-apps a router mounts are only reachable from it.
    (req as RoutedRequest)[ROOT_APP] = (req as RoutedRequest).app;
    const method = methodIndex(req.method);
    active.counts[method]!++;
    active.seen[method] = true;
    const written = responseSize === undefined ? undefined : countWrittenBytes(res);
    const span: Span | undefined = tracer === undefined ? activeSpan() : recordSpans ? recorder!.startSpan(req, HTTP_METHODS[method]!) : startServerSpan(tracer, req, HTTP_METHODS[method]!);

    res.on('close', () => {
      active.counts[method]!--;
      const route = routes.resolve(req as RoutedRequest);
      const status = res.writableFinished ? res.statusCode : wasCutByServer(res) ? SERVER_CUT_STATUS : CLIENT_CLOSED_STATUS;
      const end = performance.now();
      const seconds = (end - start) / 1000;
      /** The route template for spans and logs; unmatched requests have none. */
      const template = route === UNMATCHED_ROUTE ? undefined : route;
      const isExcluded = excluded.has(route);
      if (recordAny) recorder!.finish(span, req, method, template, status, start, end, isExcluded ? undefined : sink, loggerId);
      else if (tracer !== undefined) endServerSpan(span!, HTTP_METHODS[method]!, template, status);
      if (isExcluded) return;
      duration.get(route, method, status).observe(seconds, exemplarOf(span));
      writeRequestLine?.(req, HTTP_METHODS[method]!, template, status, seconds, span);
      if (requestSize !== undefined) {
        const length = Number(req.headers['content-length']);
        if (length >= 0) requestSize.get(route, method, NO_STATUS).observe(length);
      }
      if (written !== undefined) responseSize?.get(route, method, status).observe(written.bytes);
    });
    if (tracer === undefined) next();
    else withSpan(span!, next);
  };
}

/** Marks a series without a status label (the request body size). */
const NO_STATUS = 0;

/**
 * Series of one HTTP histogram by route, method and status, looked up by a
 * Map on the (interned) route template, an array index and a small-integer
 * Map key: no string is built per request. The family's cap still bounds it.
 */
class SeriesTable {
  readonly #family: HistogramFamily;
  readonly #byRoute = new Map<string, Map<number, HistogramSeries>[]>();
  readonly #labelNames: readonly string[];

  constructor(family: HistogramFamily) {
    this.#family = family;
    this.#labelNames = family.spec.labels;
  }

  get(route: string, method: number, status: number): HistogramSeries {
    let byMethod = this.#byRoute.get(route);
    if (byMethod === undefined) this.#byRoute.set(route, (byMethod = []));
    let byStatus = byMethod[method];
    if (byStatus === undefined) byMethod[method] = byStatus = new Map();
    let series = byStatus.get(status);
    if (series === undefined) {
      series = this.#family.byKey(`${method}\u0001${status}\u0001${route}`, () => this.#labels(route, method, status));
      byStatus.set(status, series);
    }
    return series;
  }

  #labels(route: string, method: number, status: number): Record<string, string> {
    const [methodLabel, routeLabel, statusLabel] = this.#labelNames;
    const out: Record<string, string> = { [methodLabel!]: HTTP_METHODS[method]!, [routeLabel!]: route };
    if (statusLabel !== undefined) out[statusLabel] = String(status);
    return out;
  }
}

/** In-flight requests kept in a plain array per method and copied into the gauge at scrape time. */
function activeRequestsGauge(spec: GaugeSpec, registry: Registry, staticLabels: Readonly<Record<string, string>>) {
  validateSpec(spec);
  const counts = new Array<number>(HTTP_METHODS.length).fill(0);
  const seen = new Array<boolean>(HTTP_METHODS.length).fill(false);
  const label = spec.labels[0]!;
  new Gauge({
    name: spec.name,
    help: spec.help,
    labelNames: [label, ...Object.keys(staticLabels)],
    registers: [registry],
    collect() {
      for (let i = 0; i < counts.length; i++) {
        // Methods never received stay absent rather than exporting ten zero series.
        if (seen[i]) this.set({ ...staticLabels, [label]: HTTP_METHODS[i]! }, counts[i]!);
      }
    },
  });
  return { counts, seen };
}

/** Wraps write/end to count body bytes as they are written (opt-in: it costs a closure per request). */
function countWrittenBytes(res: ServerResponse): { bytes: number } {
  const counter = { bytes: 0 };
  const add = (chunk: unknown, encoding: unknown) => {
    if (typeof chunk === 'string') counter.bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) counter.bytes += chunk.byteLength;
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    add(chunk, rest[0]);
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as ServerResponse['write'];
  res.end = function (this: ServerResponse, chunk?: unknown, ...rest: unknown[]) {
    if (typeof chunk !== 'function') add(chunk, rest[0]);
    return (end as (...a: unknown[]) => ServerResponse).call(this, chunk, ...rest);
  } as ServerResponse['end'];
  return counter;
}
