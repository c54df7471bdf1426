// CPU per request log line, without a network or a disk in the way: the same
// request written by createLogger().accessLogger's template and as a fields
// object through pino (the path any other logger takes), alternated in one process, into a sink
// that only counts bytes.
// Usage: node bench/log-line-cost.ts [rounds=7]
import type { IncomingMessage } from 'node:http';
import { trace } from '@opentelemetry/api';
import { createLogger } from '../exporter/logging/ecs-logger.ts';
import { logRequest, type RequestLogger } from '../exporter/logging/request-log.ts';
import { median } from './lib.ts';

const rounds = Number(process.argv[2] ?? 7);
const N = 200_000;
let bytes = 0;
const sink = { write: (line: string) => ((bytes += line.length), true) };
const { accessLogger } = createLogger({ serviceName: 'bench', serviceVersion: '1.0.0', destination: sink });
// accessLogger's own pino (same config, no redaction pass) writing the fields object: the path before the template.
const viaPino: RequestLogger = { info: (f, m) => accessLogger.info(f, m), warn: (f, m) => accessLogger.warn(f, m), error: (f, m) => accessLogger.error(f, m) };
const req = { url: '/hello/world', originalUrl: '/hello/world', httpVersion: '1.1', headers: { 'user-agent': 'autocannon/8.0.0' }, socket: { remoteAddress: '127.0.0.1' } } as unknown as IncomingMessage;
const span = trace.wrapSpanContext({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 });

function nsPerLine(target: RequestLogger): number {
  const start = performance.now();
  for (let i = 0; i < N; i++) logRequest(target, req, 'GET', '/hello/:name', 200, 0.000123, span);
  return ((performance.now() - start) * 1e6) / N;
}

nsPerLine(accessLogger); // warm up both paths before measuring
nsPerLine(viaPino);
const fast: number[] = [];
const pino: number[] = [];
for (let r = 0; r < rounds; r++) {
  fast.push(nsPerLine(accessLogger));
  pino.push(nsPerLine(viaPino));
}
const ratios = fast.map((f, i) => f / pino[i]!);
console.log(
  `request log line: accessLogger ${median(fast).toFixed(0)} ns, through pino ${median(pino).toFixed(0)} ns; ratio ${median(ratios).toFixed(2)} (median of ${rounds} rounds of ${N.toLocaleString('en')}; ${(bytes / (2 * N * (rounds + 1))).toFixed(0)} bytes a line)`,
);
