// Preload for ESM apps: `node --import node-observability-kit/tracing/register app.js`.
// Registers OpenTelemetry's ESM loader hook (so instrumentations can patch
// modules the app imports) and starts tracing from the OTEL_* variables
// before the app's first import. Then `createExporter({ traces: true })`
// adds one server span per request and publishes the span pipeline's counts.
import { register } from 'node:module';
import { startTracing } from './start.ts';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const tracing = startTracing({
  serviceName: process.env.OTEL_SERVICE_NAME ?? `unknown_service:${process.argv0}`,
  ...(process.env.SERVICE_VERSION !== undefined && { serviceVersion: process.env.SERVICE_VERSION }),
  ...(process.env.DEPLOYMENT_ENVIRONMENT !== undefined && { environment: process.env.DEPLOYMENT_ENVIRONMENT }),
});

// Spans still queued go out when the orchestrator stops the process (apps with their own SIGTERM handler call shutdown themselves).
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void tracing.shutdown().finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  });
}
