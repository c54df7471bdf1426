// Simulated background work: checkouts and sign-ups put jobs on the
// fulfilment and email queues, and a worker takes them off at a fixed rate.
// Fulfilment is slow on purpose, so bursts of orders build a visible backlog.
// Jobs are only counted, never stored: a backlog costs no memory.
import type { Instruments } from '../../exporter/exporter.ts';
import { type demoBusinessMetrics, QUEUES } from './business-metrics.ts';

export type QueueName = (typeof QUEUES)[number];
export type ShopMetrics = Instruments<typeof demoBusinessMetrics>;

/** Jobs per second the worker completes on each queue. */
const RATE: Readonly<Record<QueueName, number>> = { fulfilment: 20, email: 50 };
const FAILURE_RATIO: Readonly<Record<QueueName, number>> = { fulfilment: 0.02, email: 0.01 };
/** Past this depth new jobs are refused (a real broker has a limit too). */
export const MAX_QUEUE_DEPTH = 100_000;
const TICK_MS = 200;

export class WorkQueues {
  readonly #metrics: ShopMetrics;
  readonly #depth: Record<QueueName, number> = { fulfilment: 0, email: 0 };
  /** Fractional jobs carried to the next tick, so low rates are exact over time. */
  readonly #credit: Record<QueueName, number> = { fulfilment: 0, email: 0 };
  #timer: NodeJS.Timeout | undefined;

  constructor(metrics: ShopMetrics) {
    this.#metrics = metrics;
    for (const queue of QUEUES) metrics.queueDepth.set({ queue }, 0);
  }

  /** Adds a job; false when the queue is full. */
  enqueue(queue: QueueName): boolean {
    if (this.#depth[queue] >= MAX_QUEUE_DEPTH) return false;
    this.#metrics.queueDepth.set({ queue }, ++this.#depth[queue]);
    return true;
  }

  depth(queue: QueueName): number {
    return this.#depth[queue];
  }

  start(): void {
    this.#timer ??= setInterval(() => this.#tick(), TICK_MS).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    for (const queue of QUEUES) {
      // Idle time earns no credit: an empty queue must not allow a burst later.
      const credit = this.#depth[queue] === 0 ? 0 : this.#credit[queue] + (RATE[queue] * TICK_MS) / 1000;
      const take = Math.min(this.#depth[queue], Math.floor(credit));
      this.#credit[queue] = credit - take;
      if (take === 0) continue;
      let failed = 0;
      for (let i = 0; i < take; i++) if (Math.random() < FAILURE_RATIO[queue]) failed++;
      this.#depth[queue] -= take;
      this.#metrics.jobsProcessed.inc({ queue, outcome: 'succeeded' }, take - failed);
      if (failed > 0) this.#metrics.jobsProcessed.inc({ queue, outcome: 'failed' }, failed);
      this.#metrics.queueDepth.set({ queue }, this.#depth[queue]);
    }
  }
}
