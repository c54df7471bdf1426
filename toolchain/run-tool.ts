// Runs one of the tools and keeps what it said: the one way the kit's
// checks and tests call promtool, amtool and the rest, so a failure
// always reaches the reader as the tool's own output.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveTool } from './resolve.ts';
import type { ToolName } from './specs.ts';

const run = promisify(execFile);

export interface ToolRun {
  readonly ok: boolean;
  readonly stdout: string;
  /** stdout and stderr together, or the error's message when the tool printed nothing. */
  readonly output: string;
}

/** Runs `tool` (a name the toolchain resolves, or a binary's path) with `args`; never throws for a non-zero exit. */
export async function runTool(tool: ToolName | { readonly path: string }, args: readonly string[], cwd?: string): Promise<ToolRun> {
  const bin = typeof tool === 'string' ? await resolveTool(tool) : tool.path;
  try {
    const { stdout, stderr } = await run(bin, [...args], { cwd, maxBuffer: 64 * 1024 * 1024 });
    return { ok: true, stdout, output: `${stdout}${stderr}` };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, stdout: e.stdout ?? '', output: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message };
  }
}

/** The problems of a check done by a tool: none when it passes, else its output, after `prefix`. */
export async function toolProblems(tool: ToolName | { readonly path: string }, args: readonly string[], cwd?: string, prefix = ''): Promise<string[]> {
  const r = await runTool(tool, args, cwd);
  return r.ok ? [] : [`${prefix}${r.output.trim()}`];
}
