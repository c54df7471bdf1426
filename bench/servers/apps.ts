// The hello app of each server variant (variants.ts), for bench/servers/hello.ts
// (one variant per process) and bench/servers/interleaved.ts (several in one).
import express from 'express';
import { Registry } from 'prom-client';
import { httpMetricsMiddleware } from '../../exporter/http-metrics.ts';
import type { Variant } from './variants.ts';

export interface AppOptions {
  /** `busy-wait`: microseconds spun per request. */
  readonly busyMicros?: number;
  /** `kit-full`: leave out the span (tracing still started) or the request line, to attribute the cost. */
  readonly noTraces?: boolean;
  readonly noLogs?: boolean;
  /** `kit-full`: also send request lines to this Logstash. */
  readonly logstash?: { host: string; port: number };
}

export async function buildApp(variant: Variant, options: AppOptions = {}): Promise<express.Express> {
  const app = express();
  if (variant === 'listener-only') {
    app.use((_req, res, next) => {
      res.on('close', () => {});
      next();
    });
  }
  if (variant === 'busy-wait') {
    const busyMs = (options.busyMicros ?? NaN) / 1000;
    if (!(busyMs > 0)) throw new Error(`busy-wait needs a positive number of microseconds (BENCH_BUSY_US), got ${options.busyMicros}`);
    app.use((_req, _res, next) => {
      const start = performance.now();
      while (performance.now() - start < busyMs);
      next();
    });
  }
  if (variant === 'kit') app.use(httpMetricsMiddleware({ registry: new Registry() }));
  if (variant === 'kit-full') {
    const { createExporter } = await import('../../exporter/exporter.ts');
    const { createLogger } = await import('../../exporter/logging/ecs-logger.ts');
    const { startTracing } = await import('../../exporter/tracing/start.ts');
    const registry = new Registry();
    const { logger, accessLogger } = createLogger({ serviceName: 'bench', registry, ...(options.logstash !== undefined && { logstash: options.logstash }) });
    startTracing({ serviceName: 'bench', registry, logger });
    app.use(createExporter({ registry, logger, traces: options.noTraces !== true, logRequests: options.noLogs === true ? false : accessLogger }).middleware);
  }
  if (variant === 'express-prom-bundle') {
    const { default: promBundle } = await import('express-prom-bundle');
    app.use(promBundle({ includeMethod: true, includePath: true, includeStatusCode: true, promRegistry: new Registry() }));
  }
  app.get('/hello/:name', (req, res) => {
    res.send(`hello ${req.params.name}`);
  });
  return app;
}
