// Cluster mode (CLUSTER_WORKERS=N): the primary forks N workers that share
// the app port, and serves the merged /metrics, /healthz and /readyz on
// METRICS_PORT. It also runs the traffic generator (so TRAFFIC_RPS is the
// total, not per worker) and relays fault changes, so /admin/fault reaching
// one worker, or a signal reaching any process, switches them all.
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenClusterMetrics, shareWorkerMetrics } from '../../exporter/cluster.ts';
import type { DemoConfig } from './demo-settings.ts';
import { createHealth } from '../../exporter/health.ts';
import { FaultSwitch, type FaultState } from './faults.ts';
import { demoLogger, log } from './log.ts';
import { baseUrl, hostForUrl, type RunningDemo, startDemo } from './server.ts';
import { startTraffic, type Traffic } from './traffic.ts';

const FAULT_MESSAGE = 'demo:fault';
interface FaultMessage {
  readonly type: typeof FAULT_MESSAGE;
  readonly state: FaultState;
}
const isFaultMessage = (m: unknown): m is FaultMessage => (m as FaultMessage | null)?.type === FAULT_MESSAGE;

/** A failed worker is replaced after this delay, so a crash loop does not spin the CPU. */
const RESPAWN_DELAY_MS = 1000;
const STARTUP_TIMEOUT_MS = 30_000;

export interface RunningPrimary {
  readonly url: string;
  readonly metricsUrl: string;
  readonly faults: FaultSwitch;
  close(): Promise<void>;
}

export async function startPrimary(config: DemoConfig): Promise<RunningPrimary> {
  const health = createHealth(false); // ready once every worker listens
  const faults = new FaultSwitch({ error_ratio: config.fault.errorRatio, latency_ms: config.fault.latencyMs });
  const workers = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
  const tell = (w: Worker) => w.isConnected() && w.send({ type: FAULT_MESSAGE, state: faults.state } satisfies FaultMessage);
  faults.onChange(() => workers().forEach(tell));

  let stopping = false;
  let appPort: number | undefined;
  const metricsServer: Server = await listenClusterMetrics(config.metricsPort ?? 0, config.metricsHost, {
    health,
    logger: demoLogger(), // rejected requests on the metrics port are logged as ECS lines like the workers' own
    ...(config.metricsAuth && { auth: config.metricsAuth }),
  });

  const fork = (): Worker => {
    const worker = cluster.fork();
    worker.on('message', (m: unknown) => {
      if (isFaultMessage(m)) faults.set(m.state); // relayed to every worker by the listener above
    });
    worker.once('listening', (address: AddressInfo) => {
      appPort ??= address.port;
      tell(worker); // a replacement starts with the current faults, not the configured ones
    });
    return worker;
  };

  // Start-up: all workers listening, or the first one that dies takes the primary down with it.
  const started = Array.from({ length: config.clusterWorkers }, fork).map(
    (w) =>
      new Promise<void>((resolve, reject) => {
        w.once('listening', () => resolve());
        w.once('exit', (code, signal) => reject(new Error(`worker ${w.id} exited with ${signal ?? code} before listening (see its error above)`)));
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.all(started),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`workers not listening after ${STARTUP_TIMEOUT_MS} ms`)), STARTUP_TIMEOUT_MS))),
    ]);
  } catch (err) {
    stopping = true;
    for (const w of workers()) w.process.kill('SIGKILL');
    metricsServer.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log('warn', 'worker exited; starting a replacement', { 'process.pid': worker.process.pid, 'process.exit_code': code, signal });
    setTimeout(() => stopping || fork(), RESPAWN_DELAY_MS).unref();
  });

  const url = `http://${hostForUrl(config.host)}:${appPort}`;
  const traffic: Traffic | undefined = config.trafficRps > 0 ? startTraffic(url, config.trafficRps) : undefined;
  health.setReady(true);

  let closing: Promise<void> | undefined;
  async function shutdown(): Promise<void> {
    stopping = true;
    health.setReady(false, 'shutting_down');
    await traffic?.stop();
    // Each worker drains its own requests (up to SHUTDOWN_TIMEOUT_MS) when it gets SIGTERM.
    const exits = workers().map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
    for (const w of workers()) w.process.kill('SIGTERM');
    const grace = setTimeout(() => workers().forEach((w) => w.process.kill('SIGKILL')), config.shutdownTimeoutMs + 5000);
    await Promise.all(exits);
    clearTimeout(grace);
    await new Promise<void>((resolve) => {
      metricsServer.close(() => resolve());
      metricsServer.closeAllConnections();
    });
  }

  return { url, metricsUrl: `${baseUrl(metricsServer, config.metricsHost)}/metrics`, faults, close: () => (closing ??= shutdown()) };
}

/** In a worker: the demo on the shared app port, metrics answered to the primary, faults kept in step. */
export async function startWorker(config: DemoConfig): Promise<RunningDemo> {
  const demo = await startDemo(config, { clusterWorkerId: cluster.worker?.id ?? 0, tracing: true });
  shareWorkerMetrics(demo.exporter.registry);
  demo.faults.onChange((state, local) => {
    if (local && process.connected) process.send?.({ type: FAULT_MESSAGE, state } satisfies FaultMessage);
  });
  process.on('message', (m: unknown) => {
    if (isFaultMessage(m)) demo.faults.set(m.state, false);
  });
  return demo;
}
