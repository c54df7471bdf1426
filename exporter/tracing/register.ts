// Preload: `node --import node-observability-kit/tracing/register app.js`.
// Starts tracing from the OTEL_* variables before the app's first import, for
// apps that do not call startTracing themselves, and registers
// OpenTelemetry's ESM loader hook so instrumentations of packages (passed to
// startTracing as `instrumentations`) can patch what an ESM app imports.
// node:http, node:https and fetch client spans need neither (builtin-clients.ts).
// Then `createExporter({ traces: true })` adds one server span per request
// and publishes the span pipeline's counts.
import { register } from 'node:module';
import { ESM_HOOK_REGISTERED } from './builtin-clients.ts';
import { TracingConfigError } from './otel-env.ts';
import { startTracing } from './start.ts';

register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);
(globalThis as Record<symbol, unknown>)[ESM_HOOK_REGISTERED] = true;

const tracing = startFromEnv();

/** A configuration error (OTEL_TRACES_EXPORTER=bogus) stops the app with its message and exit 2, not a stack trace. */
function startFromEnv(): ReturnType<typeof startTracing> {
  try {
    return startTracing({
      serviceName: process.env.OTEL_SERVICE_NAME ?? `unknown_service:${process.argv0}`,
      ...(process.env.SERVICE_VERSION !== undefined && { serviceVersion: process.env.SERVICE_VERSION }),
      ...(process.env.DEPLOYMENT_ENVIRONMENT !== undefined && { environment: process.env.DEPLOYMENT_ENVIRONMENT }),
    });
  } catch (err) {
    if (!(err instanceof TracingConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

// Spans still queued go out when the orchestrator stops the process (apps with their own SIGTERM handler call shutdown themselves).
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void tracing.shutdown().finally(() => {
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  });
}
