// Stops the stack's children when the stack itself dies without stopping
// them (`kill -9`, an out-of-memory kill, a crashed terminal). A killed
// process runs no handler, and Node cannot ask the kernel for a parent-death
// signal, so a small watcher process does it: it reads the children's pids
// from a pipe whose other end the stack holds; when that pipe closes without
// a "done" line, the stack is gone, and the watcher sends SIGTERM to each
// child's process group (children are group leaders: detached), then SIGKILL
// after a grace period. Run as a script: `node orphan-reaper.ts`.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const GRACE_MS = 5000;

export interface OrphanReaper {
  /** Watch this child (its process group, when it leads one). */
  watch(pid: number): void;
  /** The stack stopped its children itself: the watcher exits without killing anything. */
  release(): void;
}

/** Starts the watcher for this process's children. */
export function startOrphanReaper(): OrphanReaper {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  // Neither the watcher nor its pipe keeps the stack alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  child.stdin?.on('error', () => {}); // the watcher gone first: nothing to tell it
  let released = false;
  return {
    watch(pid) {
      if (!released && pid > 0) child.stdin?.write(`${pid}\n`);
    },
    release() {
      if (released) return;
      released = true;
      child.stdin?.end('done\n');
    },
  };
}

/** The watcher's side: collect pids until the pipe closes; stop them unless told "done". */
function runWatcher(): void {
  const pids = new Set<number>();
  let done = false;
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'done') done = true;
    else if (/^\d+$/.test(line)) pids.add(Number(line));
  });
  process.stdin.on('close', () => {
    if (done || pids.size === 0) process.exit(0);
    const signal = (sig: NodeJS.Signals) => {
      for (const pid of pids) {
        try {
          process.kill(-pid, sig); // the child's whole group: a shell and what it started
        } catch {
          try {
            process.kill(pid, sig);
          } catch {
            pids.delete(pid); // already gone
          }
        }
      }
    };
    signal('SIGTERM');
    setTimeout(() => {
      signal('SIGKILL');
      process.exit(0);
    }, GRACE_MS);
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) runWatcher();
