// Memory under a flood of junk: RSS of a server before and after N requests
// to unique random URLs (each one a 404 no route matches), for bare Express,
// the metrics middleware and full instrumentation. Unique paths must not
// become series, spans must not pile up, log lines must not be kept.
// Usage: node bench/memory.ts [requests=100000]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { pinSelf, startServer } from './lib.ts';
import { endpoints } from './overhead.ts';

export interface MemoryRow {
  readonly name: string;
  readonly requests: number;
  readonly rssBeforeMiB: number;
  readonly rssAfterMiB: number;
  readonly peakRssMiB: number;
}

const serverScript = fileURLToPath(new URL('./servers/hello.ts', import.meta.url));
const status = (pid: number, field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;

function flood(port: number, amount: number): Promise<void> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: 32,
        amount,
        requests: [{ setupRequest: (req) => ({ ...req, path: `/${Math.random().toString(36).slice(2)}/${Math.random().toString(36).slice(2)}?q=${Math.random()}` }) }],
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}

export async function measureMemory(requests: number, log: (line: string) => void = console.error): Promise<MemoryRow[]> {
  pinSelf(1);
  const stand = await endpoints();
  const cases = [
    { name: 'bare Express 5', variant: 'bare', env: {} },
    { name: 'kit metrics', variant: 'kit', env: {} },
    { name: 'kit full, 100% sampled', variant: 'kit-full', env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${stand.ports.sink}` } },
  ];
  const rows: MemoryRow[] = [];
  try {
    for (const c of cases) {
      const server = await startServer(serverScript, [c.variant], 0, c.env);
      const pid = server.child.pid!;
      await flood(server.port, Math.min(2000, requests)); // warm-up: JIT, first series, buffers
      const before = status(pid, 'VmRSS');
      await flood(server.port, requests);
      await new Promise((r) => setTimeout(r, 500));
      const row = { name: c.name, requests, rssBeforeMiB: before, rssAfterMiB: status(pid, 'VmRSS'), peakRssMiB: status(pid, 'VmHWM') };
      await server.stop();
      rows.push(row);
      log(`${c.name.padEnd(28)} RSS ${row.rssBeforeMiB.toFixed(0)} → ${row.rssAfterMiB.toFixed(0)} MiB over ${requests} random URLs (peak ${row.peakRssMiB.toFixed(0)})`);
    }
  } finally {
    stand.close();
  }
  return rows;
}

export function memoryTable(rows: readonly MemoryRow[]): string {
  return [
    `RSS over a flood of ${rows[0]?.requests.toLocaleString('en')} requests to unique random URLs (after 2,000 warm-up requests)`,
    '',
    '| case | RSS before MiB | RSS after MiB | growth MiB | peak RSS MiB |',
    '|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.rssBeforeMiB.toFixed(0)} | ${r.rssAfterMiB.toFixed(0)} | ${(r.rssAfterMiB - r.rssBeforeMiB).toFixed(0)} | ${r.peakRssMiB.toFixed(0)} |`),
  ].join('\n');
}

if (import.meta.main) console.log(memoryTable(await measureMemory(Number(process.argv[2] ?? 100_000))));
