// The OpenTelemetry SDK counts what its batch span processor and OTLP
// exporter do (queued, dropped, exported, failed) through a MeterProvider
// handed to them (`selfObsMeterProvider`). This one records those counts in
// our Prometheus registry under the catalog's names, so a dead collector
// shows up on /metrics instead of only in a debug log. Instruments the
// catalog does not name are accepted and ignored.
import { createNoopMeter, type Attributes, type Meter, type MeterProvider, type ObservableCallback, type ObservableResult } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import { spanExported, spanInflight, spanProcessed, spanQueueCapacity, spanQueueSize } from '../../catalog/telemetry.ts';
import type { Logger } from '../logger.ts';
import { CounterFamily, GaugeFamily } from '../metric-family.ts';

/** `error.type` as a label value: absent means success, shown as an empty label (no label in the exposition). */
const errorType = (attrs: Attributes | undefined): string => String(attrs?.['error.type'] ?? '');

export interface SelfMetrics {
  /** Handed to the batch span processor and the OTLP exporter. */
  readonly meterProvider: MeterProvider;
  /** Publishes the counts in a registry; the SDK may start (e.g. from a preload) before the app has one. */
  register(registry: Registry): void;
}

export function spanPipelineMetrics(logger: Logger): SelfMetrics {
  const options = { logger };
  const processed = new CounterFamily(spanProcessed, options);
  const exported = new CounterFamily(spanExported, options);
  const inflightFamily = new GaugeFamily(spanInflight, options);
  const capacityFamily = new GaugeFamily(spanQueueCapacity, options);
  const inflight = inflightFamily.labels();
  const capacity = capacityFamily.labels();
  const queueCallbacks: ObservableCallback[] = [];
  const queue = new GaugeFamily(spanQueueSize, {
    ...options,
    collect() {
      let size = 0;
      const result = { observe: (value: number) => (size += value) } as ObservableResult;
      for (const cb of queueCallbacks) void cb(result);
      queue.labels().value = size;
    },
  });
  const registered = new Set<Registry>();
  const register = (registry: Registry) => {
    if (registered.has(registry)) return;
    registered.add(registry);
    for (const family of [processed, exported, inflightFamily, capacityFamily, queue]) family.register(registry);
  };

  const counters: Record<string, (value: number, attrs?: Attributes) => void> = {
    'otel.sdk.processor.span.processed': (v, a) => processed.labels({ error_type: errorType(a) }).inc(v),
    'otel.sdk.exporter.span.exported': (v, a) => exported.labels({ error_type: errorType(a) }).inc(v),
    'otel.sdk.exporter.span.inflight': (v) => inflight.inc(v),
    'otel.sdk.processor.span.queue.capacity': (v) => capacity.inc(v),
  };
  const noop = createNoopMeter();
  const counter = (name: string) => {
    const add = counters[name];
    return add === undefined ? noop.createCounter(name) : { add };
  };
  const meter: Meter = Object.assign(Object.create(noop) as Meter, {
    createCounter: counter,
    createUpDownCounter: counter,
    createObservableUpDownCounter(name: string) {
      const instrument = noop.createObservableUpDownCounter(name);
      if (name !== 'otel.sdk.processor.span.queue.size') return instrument;
      return Object.assign(Object.create(instrument) as typeof instrument, {
        addCallback: (cb: ObservableCallback) => void queueCallbacks.push(cb),
        removeCallback: (cb: ObservableCallback) => void queueCallbacks.splice(queueCallbacks.indexOf(cb) >>> 0, 1),
      });
    },
  });
  return { meterProvider: { getMeter: () => meter }, register };
}
