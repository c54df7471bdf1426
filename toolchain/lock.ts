// A cross-process lock: an exclusive mkdir, broken when its owner is dead or
// it is too old. Serialises downloads into the shared tool cache.
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hasCode, ignoreCode } from './errors.ts';

export interface LockOptions {
  /** A lock older than this is considered abandoned (default 10 min: a slow download). */
  readonly staleMs?: number;
  readonly pollMs?: number;
  /** Give up waiting after this long (default 15 min). */
  readonly timeoutMs?: number;
}

export async function withLock<T>(lockDir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const { staleMs = 10 * 60_000, pollMs = 200, timeoutMs = 15 * 60_000 } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir); // atomic: exactly one process creates it
      break;
    } catch (err) {
      if (!hasCode(err, 'EEXIST')) throw err;
    }
    if (await lockIsStale(lockDir, staleMs)) {
      // Rename first so two waiters can't both delete and then both "own" it.
      const grave = `${lockDir}.stale-${process.pid}-${Date.now()}`;
      await rename(lockDir, grave).then(() => rm(grave, { recursive: true, force: true }), ignoreCode('ENOENT'));
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockDir}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    await writeFile(path.join(lockDir, 'owner'), `${os.hostname()} ${process.pid}\n`);
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function lockIsStale(lockDir: string, staleMs: number): Promise<boolean> {
  const info = await stat(lockDir).catch(() => undefined);
  if (!info) return false; // just released: retry mkdir
  if (Date.now() - info.mtimeMs > staleMs) return true;
  // Same host and the owning pid is gone: a crashed process, no need to wait for staleMs.
  const owner = await readFile(path.join(lockDir, 'owner'), 'utf8').catch(() => '');
  const [host, pid] = owner.trim().split(' ');
  return host === os.hostname() && pid !== undefined && !pidAlive(Number(pid));
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true; // unknown: let staleMs decide
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !hasCode(err, 'ESRCH');
  }
}
