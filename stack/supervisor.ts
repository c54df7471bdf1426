// Keeps the stack's processes together: once everything runs, the first one
// to exit unexpectedly brings the others down (its last lines reported), and
// a stop request stops every live process and in-process server exactly once.
import { describeExit, type Exit, type ManagedProcess, ProcessGroup } from './processes.ts';

export class Supervisor {
  /** Every process of this stack joins it as it is spawned (ProcessSpec.group). */
  readonly group = new ProcessGroup();
  #stopping = false;
  readonly #requested = Promise.withResolvers<void>();
  readonly #closers: (() => Promise<void>)[] = [];
  #closed: Promise<void> | undefined;

  /** True from the first stop request on. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Resolves at the first stop request (a signal, a crash, a failed start). */
  get stopRequested(): Promise<void> {
    return this.#requested.promise;
  }

  /** An in-process server (the pager) to close with the rest. */
  onStop(close: () => Promise<void>): void {
    this.#closers.push(close);
  }

  /**
   * Calls `onCrash` once, for the first process started so far that exits
   * while the stack is not stopping (at once if one already has).
   */
  watch(onCrash: (proc: ManagedProcess, exit: Exit) => void): void {
    let reported = false;
    for (const proc of this.group.all()) {
      void proc.exited.then((exit) => {
        if (this.#stopping || reported) return;
        reported = true;
        onCrash(proc, exit);
      });
    }
  }

  /**
   * Stops every process live now (SIGTERM, then SIGKILL after `graceMs`);
   * the servers are closed once. Call it again after a start-up that a stop
   * request interrupted: what started meanwhile is stopped then.
   */
  async stopAll(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    this.#requested.resolve();
    await Promise.all(this.group.live().map((p) => p.stop(graceMs)));
    if (this.group.live().length === 0) this.group.release();
    this.#closed ??= Promise.all(this.#closers.map((close) => close())).then(() => undefined);
    await this.#closed;
  }

  /** Last resort when this process exits anyway: SIGKILL to every child still running. */
  killAllNow(): void {
    for (const proc of this.group.live()) proc.child.kill('SIGKILL');
  }
}

/** The report shown when one process brings the stack down. */
export function crashReport(proc: ManagedProcess, exit: Exit): string {
  const lines = proc.lastLines(20);
  return [
    `${proc.name} (pid ${proc.pid}) ${describeExit(exit)}; stopping the rest of the stack.`,
    ...(lines.length > 0 ? [`Its last ${lines.length} lines${proc.logFile !== undefined ? ` (all of them in ${proc.logFile})` : ''}:`, ...lines.map((l) => `  | ${l}`)] : ['It printed nothing.']),
  ].join('\n');
}
