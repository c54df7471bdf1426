// Runs the demo service (examples/demo-shop/main.ts, what `npm start` runs) as a
// child process with its traffic generator on, and waits for the one line it
// prints once listening: {"message":"listening","url":...,"metrics_url":...}.
// Every other line it prints is a log line, written to its log file only.
import { fileURLToPath } from 'node:url';
import { type ManagedProcess, startReady } from './processes.ts';

const MAIN = fileURLToPath(new URL('../examples/demo-shop/main.ts', import.meta.url));

export interface DemoOptions {
  readonly host: string;
  readonly port: number;
  readonly trafficRps: number;
  readonly logFile: string;
  readonly detached?: boolean;
}

export interface RunningDemo {
  readonly url: string;
  readonly metricsUrl: string;
  /** SERVICE_NAME as the service reports it: the scrape job's name. */
  readonly service: string;
  readonly process: ManagedProcess;
}

interface ListeningLine {
  readonly message: 'listening';
  readonly url: string;
  readonly metrics_url: string;
  readonly service: string;
}

function listeningLine(line: string): ListeningLine | undefined {
  try {
    const msg = JSON.parse(line) as Partial<ListeningLine>;
    return msg.message === 'listening' && typeof msg.url === 'string' && typeof msg.metrics_url === 'string' ? (msg as ListeningLine) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The stack runs no trace collector: spans are not exported (a failing export
 * would fill the log and delay every stop) unless the user points them
 * somewhere with the standard OpenTelemetry variables.
 */
function tracesExporter(env: NodeJS.ProcessEnv): string {
  const pointed = env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return env.OTEL_TRACES_EXPORTER || (pointed ? 'otlp' : 'none');
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  let listening: ListeningLine | undefined;
  const proc = await startReady(
    {
      name: 'demo',
      command: process.execPath,
      args: [MAIN],
      env: { ...process.env, PORT: String(options.port), HOST: options.host, TRAFFIC_RPS: String(options.trafficRps), OTEL_TRACES_EXPORTER: tracesExporter(process.env) },
      logFile: options.logFile,
      onStdoutLine: (line) => (listening ??= listeningLine(line)),
      detached: options.detached,
    },
    async () => listening !== undefined,
    'listening',
    20_000,
  );
  const { url, metrics_url, service } = listening!;
  return { url, metricsUrl: metrics_url, service: service ?? 'demo', process: proc };
}
