// One server variant per process for bench/overhead.ts: a hello route on
// bare Express, or with a metrics middleware in front. Prints its port.
import { buildApp } from './apps.ts';
import { TELEMETRY_VARIANTS, VARIANTS, type Variant } from './variants.ts';

const variant = process.argv[2] as Variant;
if (![...VARIANTS, ...TELEMETRY_VARIANTS].includes(variant)) throw new Error(`variant must be one of ${[...VARIANTS, ...TELEMETRY_VARIANTS].join(', ')}, got ${variant}`);
const { BENCH_BUSY_US, LOGSTASH_HOST: host, LOGSTASH_PORT: port } = process.env;
const app = await buildApp(variant, {
  ...(BENCH_BUSY_US !== undefined && { busyMicros: Number(BENCH_BUSY_US) }),
  noTraces: process.env.BENCH_NO_TRACES === '1',
  noLogs: process.env.BENCH_NO_LOGS === '1',
  ...(host && port && { logstash: { host, port: Number(port) } }),
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
