/**
 * Server variants of bench/servers/hello.ts, in the order the tables print them.
 * `listener-only` adds just a `close` listener: the floor for any middleware
 * that observes the end of a response. `busy-wait` spins BENCH_BUSY_US
 * microseconds per request before answering: a known CPU cost, to show what
 * a given cost does to the throughput ratio on the machine at hand.
 */
export const VARIANTS = ['bare', 'listener-only', 'busy-wait', 'kit', 'express-prom-bundle'] as const;
/**
 * `kit-full`: metrics, one server span per request exported over OTLP/HTTP
 * (sampling from OTEL_TRACES_SAMPLER_ARG) and an ECS log line per request
 * (to stdout, which the bench discards; also to Logstash when LOGSTASH_HOST/PORT are set).
 * BENCH_NO_LOGS=1 leaves the log line out and BENCH_NO_TRACES=1 the span
 * (tracing still started), to attribute the cost.
 */
export const TELEMETRY_VARIANTS = ['kit-full'] as const;
export type Variant = (typeof VARIANTS)[number] | (typeof TELEMETRY_VARIANTS)[number];
