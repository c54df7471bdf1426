// Shared benchmark plumbing: servers pinned to one core, load from another,
// variants alternated within one run so machine drift hits them alike.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Pins this process (the load generator) to one core, leaving the other to the server. */
export function pinSelf(core: number): void {
  try {
    execFileSync('taskset', ['-cp', String(core), String(process.pid)], { stdio: 'ignore' });
  } catch {
    console.warn('taskset unavailable: load and server share cores, ratios are noisier');
  }
}

export interface Server {
  readonly port: number;
  readonly child: ChildProcess;
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Starts `script args` pinned to `core` and waits for it to report its port over IPC. */
export async function startServer(script: string, args: readonly string[], core: number, env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = []): Promise<Server> {
  const child = fork(script, [...args], {
    execPath: 'taskset',
    execArgv: ['-c', String(core), process.execPath, ...nodeArgs],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`${script} ${args.join(' ')} exited with ${code} before listening`)));
  });
  return {
    port,
    child,
    cpuSeconds() {
      // utime + stime of the server process (fields 14 and 15 of /proc/pid/stat).
      const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  readonly errors: number;
  readonly p99Ms: number;
}

export async function load(url: string, seconds: number, connections = 32): Promise<LoadResult> {
  const r = await autocannon({ url, duration: seconds, connections, pipelining: 1 });
  return { requestsPerSecond: r.requests.average, requests: r.requests.total, errors: r.errors + r.non2xx, p99Ms: r.latency.p99 };
}

/** Throughput and server CPU per request of one variant over one measured window. */
export async function measure(server: Server, path: string, seconds: number, warmupSeconds: number) {
  const url = `http://127.0.0.1:${server.port}${path}`;
  await load(url, warmupSeconds);
  const cpuBefore = server.cpuSeconds();
  const result = await load(url, seconds);
  const cpu = server.cpuSeconds() - cpuBefore;
  return { ...result, cpuMicrosPerRequest: (cpu / Math.max(1, result.requests)) * 1e6 };
}
