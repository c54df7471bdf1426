// The smallest logger the exporter needs. Its signature is pino's
// (`warn(fields, message)`), so an app's pino logger can be passed as is.

export interface Logger {
  warn(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
  error?(fields: Record<string, unknown>, message: string): void;
}

/** Writes one JSON line per warning to stderr; used when the app gives no logger. */
export const stderrLogger: Logger = {
  warn(fields, message) {
    process.stderr.write(`${JSON.stringify({ '@timestamp': new Date().toISOString(), 'log.level': 'warn', message, ...fields })}\n`);
  },
};
