// Shared benchmark plumbing: servers pinned to one core, load from another,
// variants alternated within one run so machine drift hits them alike.
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import autocannon from 'autocannon';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** First and third quartiles (medians of the lower and upper halves). */
export function quartiles(xs: readonly number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const half = s.length >> 1;
  return s.length < 2 ? [s[0]!, s[0]!] : [median(s.slice(0, half)), median(s.slice(s.length - half))];
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
  /** CPU of its threads so far, by group. */
  threadGroupCpu(): ThreadGroupCpu;
  stop(): Promise<void>;
}

/** The kit's telemetry worker thread, by the name the recording pipeline gives it. */
export const TELEMETRY_THREAD = 'kit-telemetry';

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
    threadGroupCpu: () => threadGroupCpu(pid),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** CPU of a process's threads so far, in seconds, by what they do. */
export interface ThreadGroupCpu {
  /** The main thread: the request thread of a server. */
  readonly request: number;
  /** The kit's telemetry worker thread (0 without one). */
  readonly telemetry: number;
  /** V8's platform threads (`V8Worker`): concurrent garbage collection and compilation, for every isolate of the process. */
  readonly v8: number;
  /** Everything else: libuv's thread pool, the inspector's signal thread, V8's delayed-task scheduler. */
  readonly other: number;
}

/**
 * CPU of `pid`'s threads by group, from `/proc/<pid>/task/<tid>/schedstat`
 * (nanoseconds on a CPU: finer than stat's clock ticks, which are 10 ms).
 * A thread that exits between two readings takes its time with it.
 */
function threadGroupCpu(pid: number): ThreadGroupCpu {
  const cpu = { request: 0, telemetry: 0, v8: 0, other: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let seconds: number;
    let comm: string;
    try {
      seconds = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
      comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
    } catch {
      continue; // exited meanwhile
    }
    const group = Number(tid) === pid ? 'request' : comm === TELEMETRY_THREAD ? 'telemetry' : comm === 'V8Worker' ? 'v8' : 'other';
    cpu[group] += seconds;
  }
  return cpu;
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

/**
 * Throughput and server CPU per request of one variant over one measured
 * window, after a warm-up under the same load. The warm-up must outlast the
 * JIT: in the first seconds V8's platform threads compile (and the young
 * generation grows) on the server's core, and the more code a variant runs,
 * the more of its window that would take.
 */
export async function measure(server: Server, path: string, seconds: number, warmupSeconds: number) {
  const url = `http://127.0.0.1:${server.port}${path}`;
  await load(url, warmupSeconds);
  const before = server.threadGroupCpu();
  const result = await load(url, seconds);
  const after = server.threadGroupCpu();
  const perRequest = (group: keyof ThreadGroupCpu) => ((after[group] - before[group]) / Math.max(1, result.requests)) * 1e6;
  const main = perRequest('request');
  const telemetry = perRequest('telemetry');
  const v8 = perRequest('v8');
  return { ...result, cpuMicrosPerRequest: main + telemetry + v8 + perRequest('other'), mainCpuMicrosPerRequest: main, telemetryCpuMicrosPerRequest: telemetry, v8CpuMicrosPerRequest: v8 };
}
