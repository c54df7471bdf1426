// One server variant per process for bench/overhead.ts: a hello route on
// bare Express, or with a metrics middleware in front. Prints its port.
import express from 'express';
import { Registry } from 'prom-client';
import { httpMetricsMiddleware } from '../../exporter/http-metrics.ts';
import { TELEMETRY_VARIANTS, VARIANTS, type Variant } from './variants.ts';


async function build(variant: Variant): Promise<express.Express> {
  const app = express();
  if (variant === 'listener-only') {
    app.use((_req, res, next) => {
      res.on('close', () => {});
      next();
    });
  }
  if (variant === 'busy-wait') {
    const busyMs = Number(process.env.BENCH_BUSY_US) / 1000;
    if (!(busyMs > 0)) throw new Error(`BENCH_BUSY_US must be a positive number of microseconds, got ${process.env.BENCH_BUSY_US}`);
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
    const { LOGSTASH_HOST: host, LOGSTASH_PORT: port } = process.env;
    const { logger, accessLogger } = createLogger({ serviceName: 'bench', registry, ...(host && port && { logstash: { host, port: Number(port) } }) });
    startTracing({ serviceName: 'bench', registry, logger });
    app.use(createExporter({ registry, logger, traces: process.env.BENCH_NO_TRACES !== '1', logRequests: process.env.BENCH_NO_LOGS === '1' ? false : accessLogger }).middleware);
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

const variant = process.argv[2] as Variant;
if (![...VARIANTS, ...TELEMETRY_VARIANTS].includes(variant)) throw new Error(`variant must be one of ${[...VARIANTS, ...TELEMETRY_VARIANTS].join(', ')}, got ${variant}`);
const server = (await build(variant)).listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
