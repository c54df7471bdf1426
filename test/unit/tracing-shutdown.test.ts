// A collector that is down when the app stops: tracing.shutdown() resolves
// (a SIGTERM handler awaiting it must not die of an unhandled rejection) and
// says once on the app's log that the queued spans were not exported.
// Runs in a child process, since tracing is process-wide.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { freePort } from '../support/net.ts';

const KIT = pathToFileURL(join(import.meta.dirname, '..', '..', 'exporter', 'index.ts')).href;

const APP = `import { trace } from '@opentelemetry/api';
import { startTracing } from '${KIT}';

const tracing = startTracing({ serviceName: 'shutdown-app' });
trace.getTracer('t').startSpan('queued').end();
await tracing.shutdown();
console.log('shutdown resolved');
`;

let dir: string | undefined;
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

test('shutdown() resolves and logs once when the collector is down', async () => {
  dir = await mkdtemp(join(import.meta.dirname, '..', '..', 'node_modules', '.kit-tracing-shutdown-'));
  await writeFile(join(dir, 'app.mjs'), APP);
  const port = await freePort(); // free, so nothing listens there
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['app.mjs'], {
    cwd: dir,
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_EXPORT_TIMEOUT: '2000' },
  });
  expect(stdout.trim()).toBe('shutdown resolved');
  expect(stderr.split('\n').filter((l) => l.includes('spans still queued at shutdown were not exported'))).toHaveLength(1);
}, 60_000);
