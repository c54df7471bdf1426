#!/usr/bin/env node
// observability-kit: the user's entry point. `init` writes a project config,
// `generate` turns it into rules, routing, runbooks, dashboards and bundles,
// `check` proves them with promtool, amtool and the kit's lints, and `stack`
// runs Prometheus, Alertmanager and a terminal pager against the services.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProjectConfigError } from '../signals/project/validate.ts';
import { StackConfigError } from '../stack/stack-settings.ts';
import { ToolUnavailableError } from '../toolchain/index.ts';
import { type Command, helpText, type Io, parseFor } from './command.ts';
import { check } from './commands/check.ts';
import { generate } from './commands/generate.ts';
import { init } from './commands/init.ts';
import { stack } from './commands/stack.ts';
import { UsageError } from './load-config.ts';

export const COMMANDS: readonly Command[] = [init, generate, check, stack] as readonly Command[];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `Usage: observability-kit <command> [options]

Observability for your Node services from one typed config: alert and recording rules,
Alertmanager routing, runbooks, Grafana dashboards, compose and Kubernetes bundles.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`observability-kit <command> --help\` for a command's options.
`;
}

/** Runs the CLI on `argv` (without node and the script); returns the exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`observability-kit: unknown command "${name}"\n\n${overview()}`);
    return 2;
  }
  try {
    const { values, positionals } = parseFor(command, rest);
    if (values.help === true) {
      io.out(helpText(command));
      return 0;
    }
    return await command.run(values, positionals, io);
  } catch (err) {
    if (err instanceof ProjectConfigError || err instanceof UsageError || err instanceof StackConfigError) {
      io.err(`observability-kit ${name}: ${err.message}`);
      return 2;
    }
    if (err instanceof ToolUnavailableError) {
      io.err(`observability-kit ${name}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  const io: Io = { cwd: process.cwd(), env: process.env, out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };
  process.exitCode = await main(process.argv.slice(2), io);
}
