// Runtime signals prom-client lacks: the event loop's active and idle time
// (its utilisation is the rate of `active`) and the V8 heap's limit, so alerts
// and panels can tell a busy loop from a blocked one and a heap near its
// ceiling from a merely large one. Built from catalog/system.ts.
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Counter, Gauge, type Registry } from 'prom-client';
import { EVENT_LOOP_STATES, systemMetrics as spec } from '../catalog/system.ts';

export function registerRuntimeMetrics(registry: Registry): void {
  const loop = spec.eventLoopTime;
  // Cumulative since the process started, like CPU time: rate() over any window is exact whoever scrapes.
  const counted = { active: 0, idle: 0 };
  const time: Counter<(typeof loop.labels)[number]> = new Counter({
    name: loop.name,
    help: loop.help,
    labelNames: loop.labels,
    registers: [registry],
    collect: () => {
      const elu = performance.eventLoopUtilization();
      for (const s of EVENT_LOOP_STATES) {
        const delta = elu[s] - counted[s];
        time.inc({ nodejs_eventloop_state: s }, delta > 0 ? delta / 1000 : 0);
        if (delta > 0) counted[s] = elu[s];
      }
    },
  });

  const limit = spec.heapSizeLimit;
  const heapLimit: Gauge = new Gauge({
    name: limit.name,
    help: limit.help,
    labelNames: limit.labels,
    registers: [registry],
    // The cluster aggregator sums gauges by default; each worker has its own heap and limit, like prom-client's heap gauges.
    collect: () => heapLimit.set(v8.getHeapStatistics().heap_size_limit),
  });
}
