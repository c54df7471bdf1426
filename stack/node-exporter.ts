// A real node-exporter for the local stack and the tests: the host metrics
// (CPU, memory, filesystems, network) the System dashboard's host panels and
// the host alerts read, from this machine, under the bundles' job name.
import { createServer } from 'node:net';
import { resolveTool } from '../toolchain/index.ts';
import { httpOk, type ManagedProcess, type ProcessGroup, startReady } from './processes.ts';
import { HOST } from './stack-settings.ts';

export interface NodeExporterPlacement {
  /** Listens on 127.0.0.1:port; default a free port (nobody browses it: Prometheus is told where). */
  readonly port?: number;
  readonly logFile?: string;
  readonly detached?: boolean;
  readonly group?: ProcessGroup;
}

export interface RunningNodeExporter {
  /** host:port, as a scrape target. */
  readonly address: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** A port free on the loopback interface right now. */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

// The bundles' filesystem filter, for this machine's root: no pseudo or container filesystems.
const MOUNT_POINTS_EXCLUDE = '--collector.filesystem.mount-points-exclude=^/(dev|proc|sys|run|var/lib/docker/.+)($|/)';

export async function startNodeExporter(placement: NodeExporterPlacement = {}): Promise<RunningNodeExporter> {
  const bin = await resolveTool('node-exporter');
  const address = `${HOST}:${placement.port ?? (await freeLoopbackPort())}`;
  const proc = await startReady(
    { name: 'node-exporter', command: bin, args: [`--web.listen-address=${address}`, MOUNT_POINTS_EXCLUDE], logFile: placement.logFile, detached: placement.detached, group: placement.group },
    () => httpOk(`http://${address}/metrics`),
    'serving /metrics',
  );
  return { address, process: proc, stop: async () => void (await proc.stop()) };
}
