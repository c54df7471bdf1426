// Runs the demo service as its own process, the way `npm start` does, and
// reads the JSON line it prints once listening.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../examples/demo-shop/main.ts', import.meta.url));

export interface DemoProcess {
  readonly url: string;
  readonly metricsUrl: string;
  /** SERVICE_NAME as the service reports it. */
  readonly service: string;
  readonly child: ChildProcess;
  /** Resident set size of the process, from /proc. */
  rssBytes(): Promise<number>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
  stderr(): string;
  /** JSON log lines printed on stdout after the listening line (the last 50,000), parsed. */
  logs(): readonly Record<string, unknown>[];
}

const MAX_LOG_LINES = 50_000;

export async function startDemoProcess(env: Record<string, string> = {}): Promise<DemoProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', TRAFFIC_RPS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const logs: Record<string, unknown>[] = [];
  lines.on('line', (line) => {
    if (!line.startsWith('{"log.level"')) return;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
      if (logs.length > MAX_LOG_LINES) logs.splice(0, logs.length - MAX_LOG_LINES);
    } catch {
      // A line cut by the process dying: not a log record.
    }
  });
  const listening = await new Promise<{ url: string; metrics_url: string; service: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not print its listening line in 20 s:\n${stderr}`)), 20_000);
    lines.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as { message?: string; url: string; metrics_url: string; service: string };
        if (msg.message === 'listening') {
          clearTimeout(timer);
          resolve(msg);
        }
      } catch {
        // Other output (request logs) is not for us.
      }
    });
    void exited.then((code) => reject(new Error(`demo exited with ${code} before listening:\n${stderr}`)));
  });
  return {
    url: listening.url,
    metricsUrl: listening.metrics_url,
    service: listening.service,
    child,
    async rssBytes() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      if (kb === undefined) throw new Error('no VmRSS in /proc status');
      return Number(kb) * 1024;
    },
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
    stderr: () => stderr,
    logs: () => logs,
  };
}

/** Series lines of an exposition, optionally only those of metric names starting with `prefix`. */
export function seriesLines(exposition: string, prefix = ''): string[] {
  return exposition.split('\n').filter((l) => l !== '' && !l.startsWith('#') && l.startsWith(prefix));
}
