// The one launcher of a service process, shared by the local stack and the
// tests: spawns the service's command with its environment, waits until it
// listens (a line it prints, or its metrics URL answering), keeps its output
// (log file, last lines, line callbacks) and stops it with SIGTERM (SIGKILL
// after a grace period) through the ManagedProcess it returns.
import { existsSync } from 'node:fs';
import { type ManagedProcess, type ProcessGroup, startReady } from './processes.ts';

/** How to tell that the service listens. */
export type Readiness =
  /** A line it prints on stdout makes this true (the demo's `{"message":"listening",...}`). */
  | { readonly line: (line: string) => boolean }
  /** This URL answers HTTP, whatever the status (the caller judges the status). */
  | { readonly url: string; readonly headers?: Readonly<Record<string, string>> };

export interface ServiceProcessOptions {
  /** Short name used in messages and as the process's name: the service's. */
  readonly name: string;
  /** The command and its arguments; a bare `node` is the Node that runs the kit, whatever PATH holds. */
  readonly command: readonly string[];
  /** Default: this process's working folder. */
  readonly cwd?: string;
  /** Its whole environment. */
  readonly env: NodeJS.ProcessEnv;
  readonly ready: Readiness;
  /** Default 20 s. */
  readonly timeoutMs?: number;
  readonly logFile?: string;
  readonly detached?: boolean;
  readonly group?: ProcessGroup;
  readonly onStdoutLine?: (line: string) => void;
  readonly onStderrLine?: (line: string) => void;
}

/** A service that cannot be started as configured (no such folder, an empty command). */
export class ServiceCommandError extends Error {
  override name = 'ServiceCommandError';
}

/** True when GET `url` gets any HTTP answer: something listens there. */
async function answers(url: string, headers: Readonly<Record<string, string>> = {}): Promise<boolean> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) }).catch(() => undefined);
  await res?.body?.cancel();
  return res !== undefined;
}

/** Starts the service and resolves once it listens; stops it again, and throws with its last lines, when it does not get there. */
export async function startServiceProcess(options: ServiceProcessOptions): Promise<ManagedProcess> {
  const [command, ...args] = options.command;
  if (command === undefined || command === '') throw new ServiceCommandError(`${options.name}: the command is empty: give the program and its arguments, e.g. ["node", "server.ts"]`);
  if (options.cwd !== undefined && !existsSync(options.cwd)) throw new ServiceCommandError(`${options.name}: cannot start \`${options.command.join(' ')}\` in ${options.cwd}: no such folder`);
  const { ready } = options;
  let announced = false;
  const onStdoutLine =
    'line' in ready
      ? (line: string) => {
          announced ||= ready.line(line);
          options.onStdoutLine?.(line);
        }
      : options.onStdoutLine;
  return startReady(
    {
      name: options.name,
      command: command === 'node' ? process.execPath : command,
      args,
      env: options.env,
      cwd: options.cwd,
      logFile: options.logFile,
      onStdoutLine,
      onStderrLine: options.onStderrLine,
      detached: options.detached,
      group: options.group,
    },
    'line' in ready ? async () => announced : () => answers(ready.url, ready.headers),
    'line' in ready ? 'listening' : `answering ${ready.url}`,
    options.timeoutMs ?? 20_000,
  );
}
