// A child process the stack runs: its output goes to a log file (not the
// terminal), its last lines are kept for the report when it dies, and it is
// stopped with SIGTERM, then SIGKILL when it does not exit in time.
import { type ChildProcess, spawn } from 'node:child_process';
import { startOrphanReaper, type OrphanReaper } from './orphan-reaper.ts';
import { RotatingLog } from './rotating-log.ts';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

export interface ProcessSpec {
  /** Short name used in messages: "prometheus". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Working folder (default: this process's). */
  readonly cwd?: string;
  /** Appends every line of stdout and stderr here (rotated at 20 MiB to `<file>.1`: rotating-log.ts). */
  readonly logFile?: string;
  /** Called with each line of stdout (the demo announces its URL there). */
  readonly onStdoutLine?: (line: string) => void;
  /** Called with each line of stderr. */
  readonly onStderrLine?: (line: string) => void;
  /**
   * Its own process group: a terminal's Ctrl-C then reaches only the
   * supervisor, which stops every child once, in its own way.
   */
  readonly detached?: boolean;
  /** The group that keeps it (a supervisor's): it joins the group as it is spawned. */
  readonly group?: ProcessGroup;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Resolves when the process has exited, however that happened. */
  readonly exited: Promise<Exit>;
  readonly logFile: string | undefined;
  running(): boolean;
  /** The last `n` lines it printed, stdout and stderr interleaved as they arrived. */
  lastLines(n?: number): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<Exit>;
}

const KEPT_LINES = 200;

/**
 * The processes one owner (a stack's supervisor) started, so it stops its own
 * and no one else's; and, should the owner be killed without stopping them,
 * an orphan reaper stops them (orphan-reaper.ts).
 */
export class ProcessGroup {
  readonly #members: ManagedProcess[] = [];
  #reaper: OrphanReaper | undefined;

  add(proc: ManagedProcess): void {
    this.#members.push(proc);
    (this.#reaper ??= startOrphanReaper()).watch(proc.pid);
  }

  /** Every member was stopped by its owner: the reaper leaves. */
  release(): void {
    this.#reaper?.release();
  }

  /** Every process of the group, exited or not, oldest first. */
  all(): ManagedProcess[] {
    return [...this.#members];
  }

  /** Those that have not exited yet: what a stop must stop. */
  live(): ManagedProcess[] {
    return this.#members.filter((p) => p.running());
  }
}

export function startProcess(spec: ProcessSpec): ManagedProcess {
  const child = spawn(spec.command, [...spec.args], {
    env: spec.env ?? process.env,
    ...(spec.cwd !== undefined && { cwd: spec.cwd }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: spec.detached ?? false,
  });
  const log = spec.logFile === undefined ? undefined : new RotatingLog(spec.logFile);
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) lines.shift();
    log?.write(`${line}\n`);
  };
  const follow = (stream: Readable | null, onLine?: (line: string) => void) => {
    if (stream === null) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      keep(line);
      onLine?.(line);
    });
  };
  follow(child.stdout, spec.onStdoutLine);
  follow(child.stderr, spec.onStderrLine);

  let exit: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('error', (err) => {
      // spawn failed (no such command): there will be no 'exit' event.
      keep(`cannot start ${spec.command}: ${err.message}`);
      exit = { code: 127, signal: null };
      resolve(exit);
    });
    // 'close' (not 'exit'): the last output lines have been read by then.
    child.once('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  }).then(async (result) => {
    if (log !== undefined) await log.end();
    return result;
  });

  /**
   * A detached child leads its own process group: signal all of it, as a
   * terminal's Ctrl-C does. `npm start` exits on SIGTERM without passing it
   * on, and the server it started would keep running and hold the output
   * pipe open, so the stop never finished.
   */
  const signal = (sig: NodeJS.Signals) => {
    try {
      if (spec.detached === true && child.pid !== undefined) process.kill(-child.pid, sig);
      else child.kill(sig);
    } catch {
      // The group is gone already.
    }
  };
  const managed: ManagedProcess = {
    name: spec.name,
    pid: child.pid ?? -1,
    child,
    exited,
    logFile: spec.logFile,
    running: () => exit === undefined,
    lastLines: (n = 20) => lines.slice(-n),
    async stop(graceMs = 10_000) {
      if (exit !== undefined) return exited;
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  spec.group?.add(managed);
  return managed;
}

/** "exited with code 1", "was killed by SIGKILL". */
export function describeExit(exit: Exit): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** A process that died or never got ready, with its last lines for the reader. */
export class ProcessFailure extends Error {
  override name = 'ProcessFailure';
  readonly process: string;
  readonly lines: readonly string[];
  constructor(proc: ManagedProcess, what: string) {
    const lines = proc.lastLines();
    super(`${proc.name} ${what}${lines.length > 0 ? `; its last lines:\n${lines.map((l) => `  | ${l}`).join('\n')}` : ' (it printed nothing)'}`);
    this.process = proc.name;
    this.lines = lines;
  }
}

/**
 * Polls `check` until it returns true. Fails at once, with its last lines,
 * when the process exits first, and after `timeoutMs` otherwise.
 */
export async function waitUntil(proc: ManagedProcess, check: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let died: Exit | undefined;
  void proc.exited.then((e) => (died = e));
  while (Date.now() < deadline) {
    if (died !== undefined) throw new ProcessFailure(proc, `${describeExit(died)} before it was ${what}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  // One last look, so an exit during the final poll is reported as such.
  await new Promise((r) => setTimeout(r, 50));
  if (died !== undefined) throw new ProcessFailure(proc, `${describeExit(died)} before it was ${what}`);
  throw new ProcessFailure(proc, `was not ${what} after ${timeoutMs / 1000} s`);
}

/** Starts `spec` and waits until `ready()`; stops it again, and throws with its last lines, when it does not get there. */
export async function startReady(spec: ProcessSpec, ready: () => Promise<boolean>, what: string, timeoutMs?: number): Promise<ManagedProcess> {
  const proc = startProcess(spec);
  try {
    await waitUntil(proc, ready, what, timeoutMs);
  } catch (err) {
    await proc.stop(0);
    throw err;
  }
  return proc;
}

/** True when GET `url` answers 2xx. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  await res?.body?.cancel();
  return res?.ok === true;
}
