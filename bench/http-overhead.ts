// Overhead of the metrics middleware on a hello route, against bare Express
// 5 and express-prom-bundle, in alternating runs of one process tree.
// Usage: node bench/http-overhead.ts [pairs=5] [seconds=5]
import { fileURLToPath } from 'node:url';
import { measure, median, pinSelf, startServer } from './lib.ts';
import { VARIANTS, type Variant } from './servers/variants.ts';

const pairs = Number(process.argv[2] ?? 5);
const seconds = Number(process.argv[3] ?? 5);
const serverScript = fileURLToPath(new URL('./servers/hello.ts', import.meta.url));
pinSelf(1);

const runs = new Map<Variant, { rps: number; cpu: number }[]>(VARIANTS.map((v) => [v, []]));
for (let pair = 0; pair < pairs; pair++) {
  // Alternate the order so neither variant always runs on a warmer machine.
  const order = pair % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  for (const variant of order) {
    const server = await startServer(serverScript, [variant], 0);
    const m = await measure(server, '/hello/world', seconds, 1);
    await server.stop();
    if (m.errors > 0) throw new Error(`${variant}: ${m.errors} failed requests`);
    runs.get(variant)!.push({ rps: m.requestsPerSecond, cpu: m.cpuMicrosPerRequest });
    console.error(`pair ${pair + 1}/${pairs} ${variant.padEnd(20)} ${m.requestsPerSecond.toFixed(0)} req/s  ${m.cpuMicrosPerRequest.toFixed(1)} µs CPU/req`);
  }
}

const bare = runs.get('bare')!;
console.log(`\nHTTP overhead, hello route, ${pairs} alternating pairs of ${seconds}s (medians; ratio = median of per-pair ratios to bare)`);
console.log('| variant | req/s | throughput ratio | server CPU µs/req | CPU added µs/req |');
console.log('|---|---|---|---|---|');
for (const variant of VARIANTS) {
  const r = runs.get(variant)!;
  const ratio = median(r.map((x, i) => x.rps / bare[i]!.rps));
  const added = median(r.map((x, i) => x.cpu - bare[i]!.cpu));
  console.log(`| ${variant} | ${median(r.map((x) => x.rps)).toFixed(0)} | ${ratio.toFixed(3)} | ${median(r.map((x) => x.cpu)).toFixed(1)} | ${added.toFixed(1)} |`);
}
