// Runs the demo service as its own process, the way `npm start` does, through
// the launcher the local stack uses (stack/service-process.ts), and reads the
// JSON line it prints once listening.
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServiceProcess } from '../../stack/service-process.ts';

const MAIN = fileURLToPath(new URL('../../examples/demo-shop/main.ts', import.meta.url));

/** Longer than the demo's SHUTDOWN_TIMEOUT_MS (10 s): a slow but graceful exit is the demo's to report, not a SIGKILL's. */
const STOP_GRACE_MS = 20_000;

export interface DemoProcess {
  readonly url: string;
  readonly metricsUrl: string;
  /** SERVICE_NAME as the service reports it. */
  readonly service: string;
  readonly child: ChildProcess;
  /** Resident set size of the process, from /proc. */
  rssBytes(): Promise<number>;
  /** Sends SIGTERM (SIGKILL only after the demo's own 10 s shutdown deadline and a margin) and resolves with the exit code. */
  stop(): Promise<number | null>;
  stderr(): string;
  /** JSON log lines printed on stdout after the listening line (the last 50,000), parsed. */
  logs(): readonly Record<string, unknown>[];
}

interface ListeningLine {
  readonly message: 'listening';
  readonly url: string;
  readonly metrics_url: string;
  readonly service: string;
}

const MAX_LOG_LINES = 50_000;
const KEPT_STDERR = 8000;

function listeningLine(line: string): ListeningLine | undefined {
  try {
    const msg = JSON.parse(line) as Partial<ListeningLine>;
    return msg.message === 'listening' && typeof msg.url === 'string' && typeof msg.metrics_url === 'string' ? (msg as ListeningLine) : undefined;
  } catch {
    return undefined;
  }
}

export async function startDemoProcess(env: Record<string, string> = {}): Promise<DemoProcess> {
  let listening: ListeningLine | undefined;
  let stderr = '';
  const logs: Record<string, unknown>[] = [];
  const proc = await startServiceProcess({
    name: 'demo',
    command: [process.execPath, MAIN],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TRAFFIC_RPS: '0', ...env },
    ready: { line: (line) => (listening ??= listeningLine(line)) !== undefined },
    onStdoutLine: (line) => {
      if (!line.startsWith('{"log.level"')) return;
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
        if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
      } catch {
        // A line cut by the process dying: not a log record.
      }
    },
    onStderrLine: (line) => (stderr = `${stderr}${line}\n`.slice(-KEPT_STDERR)),
  });
  const { url, metrics_url, service } = listening!;
  return {
    url,
    metricsUrl: metrics_url,
    service,
    child: proc.child,
    async rssBytes() {
      const status = await readFile(`/proc/${proc.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      if (kb === undefined) throw new Error('no VmRSS in /proc status');
      return Number(kb) * 1024;
    },
    stop: async () => (await proc.stop(STOP_GRACE_MS)).code,
    stderr: () => stderr,
    logs: () => logs,
  };
}

/** Series lines of an exposition, optionally only those of metric names starting with `prefix`. */
export function seriesLines(exposition: string, prefix = ''): string[] {
  return exposition.split('\n').filter((l) => l !== '' && !l.startsWith('#') && l.startsWith(prefix));
}
