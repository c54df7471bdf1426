// Public API of the exporter. Keep it small: everything else is internal.
export { createExporter, type Exporter, type ExporterOptions, type Instruments } from './exporter.ts';
export { DEFAULT_PROBE_ROUTES, httpMetricsMiddleware, type HttpMetricsOptions, type HttpMetricsMiddleware } from './http-metrics.ts';
export { metricsHandler, type MetricsAuth, type MetricsEndpointOptions } from './metrics-endpoint.ts';
export { createHealth, type Health } from './health.ts';
export { clusterMetricsHandler, listenClusterMetrics, shareWorkerMetrics } from './cluster.ts';
export { negotiateFormat, renderRegistry, CONTENT_TYPES, type ExpositionFormat } from './exposition.ts';
export type { CounterInstrument, GaugeInstrument, HistogramInstrument, Instrument } from './instruments.ts';
export { MetricDefinitionError } from './naming.ts';
export { LabelValueError } from './metric-family.ts';
export type { Logger } from './logger.ts';
export { startTracing, type Tracing, type TracingOptions } from './tracing/start.ts';
export { createLogger, type EcsLogger, type LoggerOptions } from './logging/ecs-logger.ts';
export type { AccessLogger } from './logging/access-logger.ts';
export { errorLogger, type ErrorBody, type ErrorLoggerOptions, type ErrorMiddleware } from './logging/error-logger.ts';
export type { HostMetricsOptions } from './system-metrics.ts';
export { counter, gauge, histogram, type MetricSpec, type CounterSpec, type GaugeSpec, type HistogramSpec, type LabelSet } from '../catalog/spec.ts';
export { catalog } from '../catalog/index.ts';
