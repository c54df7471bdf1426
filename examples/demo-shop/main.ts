// `npm start`: the demo service. Reads its configuration from the
// environment (exit 2 with every problem listed when it is wrong), prints
// one JSON line once listening, and on SIGTERM/SIGINT drains and exits 0.
// With CLUSTER_WORKERS > 0 this same file runs as the primary and as each worker.
import cluster from 'node:cluster';
import { ConfigError, type DemoConfig, parseConfig } from './demo-settings.ts';
import { startPrimary, startWorker } from './cluster.ts';
import { installFaultSignals } from './faults.ts';
import { closeLogging, log } from './log.ts';
import { startDemo } from './server.ts';
import { TracingConfigError } from '../../exporter/tracing/otel-env.ts';

function readConfig(): DemoConfig {
  try {
    return parseConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const role = config.clusterWorkers === 0 ? 'single' : cluster.isPrimary ? 'primary' : 'worker';
  let running: { url: string; metricsUrl: string; faults: Parameters<typeof installFaultSignals>[0]; close(): Promise<void> };
  try {
    running = role === 'primary' ? await startPrimary(config) : role === 'worker' ? await startWorker(config) : await startDemo(config, { tracing: true });
  } catch (err) {
    // A configuration problem found while starting (the OTEL_* variables) exits 2 like the ones found before.
    const config = err instanceof TracingConfigError;
    if (config) process.stderr.write(`${err.message}\n`);
    else log('error', 'cannot start', { error: err instanceof Error ? err : { message: String(err) } });
    await closeLogging();
    process.exit(config ? 2 : 1);
  }
  installFaultSignals(running.faults);

  if (role === 'worker') {
    // The primary prints the one line; a worker whose primary is gone stops too.
    log('info', 'worker listening', { url: { full: running.url } });
    process.once('disconnect', () => void stop('primary gone'));
  } else {
    process.stdout.write(`${JSON.stringify({ message: 'listening', url: running.url, metrics_url: running.metricsUrl, service: config.serviceName })}\n`);
  }

  let stopping = false;
  async function stop(reason: string): Promise<void> {
    if (stopping) {
      // A second signal: the operator does not want to wait for the drain.
      log('warn', 'second stop request: exiting now', { reason });
      await closeLogging();
      process.exit(1);
    }
    stopping = true;
    await running.close();
    process.exit(0);
  }
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

await main();
