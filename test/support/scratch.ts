// Runs a server of the stack (Prometheus, Alertmanager) the way tests want it:
// in a fresh temp folder on a free loopback port, the folder removed on stop.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net.ts';

export async function inScratchDir<T extends { stop(): Promise<void> }>(prefix: string, start: (dir: string, port: number) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  const running = await start(dir, await freePort()).catch(async (err: unknown) => {
    await removeDir();
    throw err;
  });
  return {
    ...running,
    async stop() {
      await running.stop();
      await removeDir();
    },
  };
}
