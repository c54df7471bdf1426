// The app's logger: pino writing one JSON object per line in Elastic Common
// Schema fields (`@timestamp`, `log.level`, `message`, `service.*`,
// `error.*`), each line carrying `trace.id`/`span.id` of the span active
// where it was logged. Lines go to stdout (asynchronously, one write per
// event-loop turn) and, when configured, to Logstash over TCP. Secrets under
// well-known keys (authorization headers, cookies, tokens, passwords, API
// keys), at any depth, are censored before serialisation, and messages and error texts too (../redaction.ts).
import { hostname } from 'node:os';
import { isSpanContextValid } from '@opentelemetry/api';
import { pino, type DestinationStream, type LevelWithSilent, type LoggerOptions as LoggerConfig, type Logger as PinoLogger } from 'pino';
import type { Registry } from 'prom-client';
import { redactFields, redactText } from '../redaction.ts';
import { activeSpan } from '../tracing/server-span.ts';
import { LogstashStream } from './logstash-stream.ts';
import { type AccessLogger, createAccessLogger, writeLines } from './access-logger.ts';
import { isoNow } from './timestamp.ts';
import { type LineSink, TurnBatchedStream } from './turn-batched-stream.ts';

export const ECS_VERSION = '8.11.0';

/** Bytes of log lines waiting for a slow stdout before new lines are dropped. */
const STDOUT_MAX_BUFFER = 16 * 1024 * 1024;

export interface LoggerOptions {
  serviceName: string;
  serviceVersion?: string;
  /** `service.environment`, e.g. production. */
  environment?: string;
  /** Lowest level written (default info). */
  level?: LevelWithSilent;
  /** Where lines go instead of stdout (tests, files). */
  destination?: DestinationStream;
  /** Also ship every line to Logstash's tcp input (codec json_lines). */
  logstash?: { host: string; port: number; maxBufferBytes?: number };
  /** Receives the Logstash shipping counters. */
  registry?: Registry;
}

export interface EcsLogger {
  readonly logger: PinoLogger;
  /**
   * For the request log (`createExporter({ logRequests: accessLogger })`):
   * writes the request line from a template, without the fields walk (the
   * line never holds headers and censors query and path secrets itself). Same lines,
   * same destinations; `node bench/telemetry-cost.ts` measures the saving.
   */
  readonly accessLogger: AccessLogger;
  /** Writes out what is buffered, then closes the Logstash connection (waiting up to `timeoutMs` for it to drain). */
  close(timeoutMs?: number): Promise<void>;
}

export function createLogger(options: LoggerOptions): EcsLogger {
  // Asynchronous, so a slow reader of stdout never blocks a request; bounded, so it never holds more than STDOUT_MAX_BUFFER.
  // Lines are written once per event-loop turn, not once each (see turn-batched-stream.ts).
  // minLength 1, not sonic-boom's 0: with 0 its flush(cb) answers at once, while a write that met a full pipe (EAGAIN) still waits
  // for its retry; close() then let the process exit and that part of the stream was lost mid-line (test/integration/recording-pipeline.test.ts).
  const stdout = options.destination ?? new TurnBatchedStream(pino.destination({ dest: 1, sync: false, minLength: 1, maxLength: STDOUT_MAX_BUFFER }));
  const logstash = options.logstash && new LogstashStream({ ...options.logstash, ...(options.registry && { registry: options.registry }) });
  // Both destinations take every level, so a plain tee does (pino.multistream would filter by level per line).
  const stream = logstash === undefined ? stdout : tee(stdout, logstash);
  const base = {
    ecs: { version: ECS_VERSION },
    service: {
      name: options.serviceName,
      ...(options.serviceVersion !== undefined && { version: options.serviceVersion }),
      ...(options.environment !== undefined && { environment: options.environment }),
    },
    process: { pid: process.pid },
    host: { hostname: hostname() },
  };
  const config: LoggerConfig = {
    level: options.level ?? 'info',
    messageKey: 'message',
    errorKey: 'error',
    timestamp: () => `,"@timestamp":"${isoNow()}"`,
    base,
    // `err` keeps pino's shape (type, message, stack), censored like `error`.
    serializers: { error: ecsError, err: (err: unknown) => redactErrorTexts(pino.stdSerializers.err(err as Error)) },
    formatters: {
      level: (label) => ({ 'log.level': label }),
      log: redactFields,
    },
    // The message is free text: a URL or a header pasted into it is censored too.
    hooks: {
      logMethod(args, method) {
        for (let i = 0; i < args.length; i++) if (typeof args[i] === 'string') args[i] = redactText(args[i] as string);
        method.apply(this, args);
      },
    },
    // The request's ids, wherever in its async flow the line is logged; fields given explicitly win.
    mixin() {
      const ctx = activeSpan()?.spanContext();
      return ctx !== undefined && isSpanContextValid(ctx) ? { trace: { id: ctx.traceId }, span: { id: ctx.spanId } } : {};
    },
  };
  const logger = pino(config, stream);
  // pino gives child bindings no formatter (it resets `bindings` for children): censor them on the way in.
  // Children inherit this method (pino makes them with Object.create), so grandchildren are covered too.
  const pinoChild = logger.child;
  logger.child = function (this: PinoLogger, bindings: Record<string, unknown>, options?: object) {
    return pinoChild.call(this, redactFields(bindings), options);
  } as PinoLogger['child'];
  // The request line is built from a template with its parts already censored; anything else it logs goes through `logger`.
  const accessLogger = createAccessLogger(logger, base, stream);
  if (logstash !== undefined) logstash.setLogger(logger);
  let closing: Promise<void> | undefined;
  return {
    logger,
    accessLogger,
    close: (timeoutMs = 2000) =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => logger.flush(() => resolve()));
        await logstash?.close(timeoutMs);
      })()),
  };
}

/** Every line to both destinations; flushing flushes both. */
function tee(a: LineSink, b: LineSink): LineSink & { writeLines(text: string): void } {
  return {
    write(line: string) {
      a.write(line);
      b.write(line);
    },
    writeLines(text: string) {
      writeLines(a, text);
      writeLines(b, text);
    },
    flush(cb) {
      b.flush?.();
      if (a.flush !== undefined) a.flush(cb);
      else cb?.();
    },
    flushSync() {
      a.flushSync?.();
      b.flushSync?.();
    },
  };
}

function redactErrorTexts(serialized: unknown): unknown {
  if (serialized === null || typeof serialized !== 'object') return serialized;
  const { message, stack } = serialized as { message?: unknown; stack?: unknown };
  return { ...serialized, ...(typeof message === 'string' && { message: redactText(message) }), ...(typeof stack === 'string' && { stack: redactText(stack) }) };
}

/** ECS `error.*` from an Error (pino's own serializer would write `type`/`message`/`stack`). */
function ecsError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const code = (err as { code?: unknown }).code;
  // An error message may quote the URL or header that failed: censored like any text.
  return { type: err.name, message: redactText(err.message), stack_trace: err.stack === undefined ? undefined : redactText(err.stack), ...(code !== undefined && { code: String(code) }) };
}
