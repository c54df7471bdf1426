// What went wrong, told readably: the error a caller gets when a tool cannot
// be had, and the short text of a failed command or file operation.
import type { ToolName } from './specs.ts';

/** Thrown when a tool cannot be found or installed; the message says what was tried and how to fix it. */
export class ToolUnavailableError extends Error {
  override name = 'ToolUnavailableError';
  readonly tool: ToolName;
  readonly tried: readonly string[];

  constructor(tool: ToolName, tried: readonly string[], hint: string) {
    const lines = tried.map((t) => `  - ${t}`).join('\n');
    super(`${tool} is not available.\nTried:\n${lines}\nTo install it by hand: ${hint}.`);
    this.tool = tool;
    this.tried = tried;
  }
}

export function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

/** execFile errors carry the useful part (apt's "E: ..." lines, a loader error) in stderr. */
export function errorText(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; signal?: unknown; killed?: unknown; stderr?: unknown };
  const stderr = typeof e.stderr === 'string' ? e.stderr.trim().split('\n').filter(Boolean) : [];
  const aptErrors = stderr.filter((l) => /^(E|Err):/.test(l));
  const detail = (aptErrors.length > 0 ? aptErrors : stderr.slice(-3)).join('; ');
  const what =
    typeof e.code === 'number' ? `exit code ${e.code}`
    : e.killed === true || typeof e.signal === 'string' ? `killed (${typeof e.signal === 'string' ? e.signal : 'timeout'})`
    : err instanceof Error ? firstLine(err.message)
    : String(err);
  return detail ? `${what}: ${detail}` : what;
}

/** Whether a Node error has the errno `code` (ENOENT, EEXIST, …). */
export function hasCode(err: unknown, code: string): boolean {
  return (err as { code?: unknown } | null)?.code === code;
}

/** A `.catch` handler that swallows the given errno codes and rethrows anything else. */
export function ignoreCode(...codes: string[]): (err: unknown) => void {
  return (err) => {
    if (!codes.some((c) => hasCode(err, c))) throw err;
  };
}
