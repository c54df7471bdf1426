// `kill -9` of the stack leaves no child running (the orphan reaper stops
// them), a normal stop leaves the reaper nothing to do, and a child's log
// file is rotated at its size bound.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, vi } from 'vitest';
import { RotatingLog } from '../../stack/rotating-log.ts';

const PROCESSES = fileURLToPath(new URL('../../stack/processes.ts', import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A stand-in for `npm run stack`: a process group with one long-running child; prints the child's pid. */
function startStack(stopItself: boolean): Promise<{ stack: ReturnType<typeof spawn>; childPid: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'orphans-'));
  const script = join(dir, 'stack.ts');
  writeFileSync(
    script,
    `import { ProcessGroup, startProcess } from ${JSON.stringify(PROCESSES)};
const group = new ProcessGroup();
const child = startProcess({ name: 'sleeper', command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], detached: true, group });
process.stdout.write(child.pid + '\\n');
${stopItself ? `setTimeout(async () => { await child.stop(1000); group.release(); }, 300);` : ''}
setInterval(() => {}, 1000);
`,
  );
  const stack = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => stack.stdout!.once('data', (d: Buffer) => resolve({ stack, childPid: Number(d.toString().trim()) })));
}

test('kill -9 of the stack: its child is stopped by the reaper within seconds', { timeout: 20_000 }, async () => {
  const { stack, childPid } = await startStack(false);
  expect(alive(childPid)).toBe(true);
  await new Promise((r) => setTimeout(r, 300)); // the reaper has the pid
  stack.kill('SIGKILL');
  await vi.waitFor(() => expect(alive(childPid)).toBe(false), { timeout: 10_000, interval: 100 });
});

test('a stack that stops its children itself releases the reaper (the pipe closes after "done")', { timeout: 20_000 }, async () => {
  const { stack, childPid } = await startStack(true);
  await vi.waitFor(() => expect(alive(childPid)).toBe(false), { timeout: 5000, interval: 100 });
  stack.kill('SIGKILL');
});

test('stopping a detached service stops what its command started too: a wrapper that dies on SIGTERM without passing it on (as `npm start` does) leaves no server behind', { timeout: 20_000 }, async () => {
  const { startProcess } = await import('../../stack/processes.ts');
  const dir = mkdtempSync(join(tmpdir(), 'group-stop-'));
  const server = join(dir, 'server.cjs');
  writeFileSync(server, `process.stdout.write(process.pid + '\\n'); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000);`);
  // The shell waits for its child and dies of SIGTERM itself; only a signal to the group reaches the server.
  let serverPid = 0;
  const wrapper = startProcess({ name: 'wrapper', command: 'sh', args: ['-c', `"${process.execPath}" "${server}" & wait`], detached: true, onStdoutLine: (line) => (serverPid = Number(line)) });
  await vi.waitFor(() => expect(serverPid).toBeGreaterThan(0), { timeout: 5000, interval: 50 });
  // Before the fix the stop waited for the pipe the server held open until SIGKILL of the shell, which changed nothing.
  await wrapper.stop(2000);
  await vi.waitFor(() => expect(alive(serverPid)).toBe(false), { timeout: 3000, interval: 50 });
});

test('a log file is rotated at its bound: the current file and one previous, each under the bound', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rotate-'));
  const path = join(dir, 'demo.log');
  const log = new RotatingLog(path, 1000);
  for (let i = 0; i < 100; i++) log.write(`${String(i).padStart(3, '0')} ${'x'.repeat(45)}\n`); // 5,000 bytes
  await log.end();
  await new Promise((r) => setTimeout(r, 50));
  expect(statSync(path).size).toBeLessThanOrEqual(1000);
  expect(statSync(`${path}.1`).size).toBeLessThanOrEqual(1000);
  expect(readFileSync(path, 'utf8').trimEnd().split('\n').at(-1)).toMatch(/^099 /); // the newest line is in the current file
});
