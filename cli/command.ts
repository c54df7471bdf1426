// The shape of a CLI command: its help text, its options and what it does.
// main.ts dispatches; every command answers --help.
import { parseArgs, type ParseArgsOptionsConfig } from 'node:util';
import { UsageError } from './load-config.ts';

export interface Io {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export interface Command<O extends ParseArgsOptionsConfig = ParseArgsOptionsConfig> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The full --help text after the usage line. */
  readonly help: string;
  readonly usage: string;
  readonly options: O;
  /** Exit status: 0 done, 1 a check failed, 2 bad input. */
  run(values: Record<string, string | boolean | string[] | undefined>, positionals: readonly string[], io: Io): Promise<number>;
}

export function defineCommand<const O extends ParseArgsOptionsConfig>(c: Command<O>): Command<O> {
  return c;
}

export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

/** Parses argv for `command`; unknown options are a UsageError naming the command's help. */
export function parseFor(command: Command, argv: readonly string[]): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options: { ...command.options, ...HELP_OPTION }, allowPositionals: true, strict: true });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\nSee \`observability-kit ${command.name} --help\`.`);
  }
}

export function helpText(command: Command): string {
  return `Usage: observability-kit ${command.usage}\n\n${command.summary}\n\n${command.help.trim()}\n`;
}

/** A progress line on stderr, so stdout stays the summary. */
export function progress(io: Io, text: string): void {
  io.err(`  ${text}`);
}
