// Shared benchmark plumbing: servers pinned to one core, load from another,
// variants alternated within one run so machine drift hits them alike.
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
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
  /** CPU of the whole process (every thread). */
  cpuSeconds(): number;
  /** CPU of the main thread (the request thread) and of the kit's telemetry worker thread, if it runs one. */
  threadCpuSeconds(): { main: number; telemetry: number };
  stop(): Promise<void>;
}

/** The kit's telemetry worker thread, by the name the recording pipeline gives it. */
export const TELEMETRY_THREAD = 'kit-telemetry';

/** utime + stime of a /proc stat line, in seconds (fields 14 and 15). */
function statCpu(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Thread ids of `pid` named `comm`. */
export function threadsNamed(pid: number, comm: string): number[] {
  return readdirSync(`/proc/${pid}/task`)
    .map(Number)
    .filter((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim() === comm;
      } catch {
        return false;
      }
    });
}

/**
 * Starts `script args` pinned to `core` and waits for it to report its port
 * over IPC. A telemetry worker thread, if the server runs one, is moved to
 * `telemetryCore` (the load generator's core): in production the worker
 * runs beside the request thread on another core, and the request thread is
 * what the overhead rows measure. Sharing the load generator's core makes
 * its rows conservative, not flattering.
 */
export async function startServer(script: string, args: readonly string[], core: number, env: NodeJS.ProcessEnv = {}, nodeArgs: readonly string[] = [], telemetryCore?: number): Promise<Server> {
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
  const pid = child.pid!;
  if (telemetryCore !== undefined) for (const tid of threadsNamed(pid, TELEMETRY_THREAD)) execFileSync('taskset', ['-pc', String(telemetryCore), String(tid)], { stdio: 'ignore' });
  return {
    port,
    child,
    cpuSeconds: () => statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8')),
    threadCpuSeconds() {
      const telemetry = threadsNamed(pid, TELEMETRY_THREAD).reduce((sum, tid) => sum + statCpu(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')), 0);
      return { main: statCpu(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')), telemetry };
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
  const threadsBefore = server.threadCpuSeconds();
  const result = await load(url, seconds);
  const cpu = server.cpuSeconds() - cpuBefore;
  const threads = server.threadCpuSeconds();
  const perRequest = (s: number) => (s / Math.max(1, result.requests)) * 1e6;
  return {
    ...result,
    cpuMicrosPerRequest: perRequest(cpu),
    mainCpuMicrosPerRequest: perRequest(threads.main - threadsBefore.main),
    telemetryCpuMicrosPerRequest: perRequest(threads.telemetry - threadsBefore.telemetry),
  };
}
