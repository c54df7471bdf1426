// Several server variants in one process behind one port, taking turns:
// every window (100 ms) the next variant in a fresh random order serves all
// requests. Machine noise (neighbours, frequency, the load generator) then
// falls on every variant alike, and a variant's cost is read from the same
// process at the same moment as the baseline's. Per window it records the
// requests started and the request thread's CPU; the telemetry worker's CPU
// is summed over the measured span. Cases come as JSON in argv[2]:
// [{ "variant": "busy-wait", "busyMicros": 1 }, ...]. IPC: `measure` starts
// the record (after the warm-up), `report` answers with it.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { seededRandom } from '../../test/support/seeded-random.ts';
import { TELEMETRY_THREAD, threadsNamed } from '../lib.ts';
import { type AppOptions, buildApp } from './apps.ts';
import { TELEMETRY_VARIANTS, VARIANTS, type Variant } from './variants.ts';

export interface InterleavedCase extends AppOptions {
  readonly variant: Variant;
}

export interface Window {
  /** Index into the cases. */
  readonly c: number;
  /** Turn of the rotation: every case has one window per turn. */
  readonly turn: number;
  readonly requests: number;
  readonly ms: number;
  /** Request-thread CPU in the window, microseconds (user + system). */
  readonly cpuMicros: number;
}

export interface InterleavedReport {
  readonly windows: readonly Window[];
  /** CPU of the telemetry worker thread over the measured span, microseconds (0 without one). */
  readonly telemetryCpuMicros: number;
}

const WINDOW_MS = 100;

const cases = JSON.parse(process.argv[2]!) as InterleavedCase[];
for (const c of cases) if (![...VARIANTS, ...TELEMETRY_VARIANTS].includes(c.variant)) throw new Error(`unknown variant ${c.variant}`);
const apps = await Promise.all(cases.map(({ variant, ...options }) => buildApp(variant, options)));

let current = 0;
let started = 0;
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  started++;
  apps[current]!(req, res);
});

/** A seeded shuffle: a fixed series of orders, so two runs rotate alike. */
const random = seededRandom(0x9e3779b9);
function order(): number[] {
  const o = cases.map((_, i) => i);
  for (let i = o.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [o[i], o[j]] = [o[j]!, o[i]!];
  }
  return o;
}

const windows: Window[] = [];
let measuring = false;
let measureAtNextTurn = false;
let turn = 0;
let rotation = order();
let slot = 0;
let windowStart = performance.now();
let cpuStart = process.threadCpuUsage();
let requestsStart = 0;
let telemetryStart = 0;

setInterval(() => {
  const now = performance.now();
  const cpu = process.threadCpuUsage();
  if (measuring) windows.push({ c: current, turn, requests: started - requestsStart, ms: now - windowStart, cpuMicros: cpu.user - cpuStart.user + cpu.system - cpuStart.system });
  if (++slot === rotation.length) {
    slot = 0;
    turn++;
    rotation = order();
    // The record starts with a turn, so its turns are whole (but the last).
    if (measureAtNextTurn) {
      measureAtNextTurn = false;
      measuring = true;
      turn = 0;
      telemetryStart = telemetryCpuMicros();
    }
  }
  current = rotation[slot]!;
  windowStart = now;
  cpuStart = cpu;
  requestsStart = started;
}, WINDOW_MS);

/** CPU of the telemetry worker thread so far, microseconds (schedstat: nanoseconds on a CPU, finer than stat's ticks). */
function telemetryCpuMicros(): number {
  let total = 0;
  for (const tid of threadsNamed(process.pid, TELEMETRY_THREAD)) {
    try {
      total += Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
    } catch {
      // the thread ended
    }
  }
  return total;
}

process.on('message', (m: string) => {
  if (m === 'measure') measureAtNextTurn = true;
  else if (m === 'report') {
    measuring = false;
    process.send?.({ windows, telemetryCpuMicros: telemetryCpuMicros() - telemetryStart } satisfies InterleavedReport);
  }
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address !== null ? address.port : 0 });
});
process.on('disconnect', () => process.exit(0));
