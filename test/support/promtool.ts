// Runs `promtool check metrics` on an exposition and returns its findings.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolveTool } from '../../toolchain/index.ts';

/** prom-client's gauges named like counters: the only lint findings the project accepts. */
export const KNOWN_LINT_EXCEPTIONS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** promtool's exit code and every line it printed. */
export async function checkMetrics(exposition: string): Promise<{ code: number | null; lines: string[] }> {
  const promtool = await resolveTool('promtool');
  const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdin.end(exposition);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, lines: output.split('\n').filter((l) => l.trim() !== '') };
}

/** Lint findings without the known prom-client exceptions. */
export async function lintMetrics(exposition: string): Promise<string[]> {
  const { lines } = await checkMetrics(exposition);
  return lines.filter((l) => !KNOWN_LINT_EXCEPTIONS.some((name) => l.startsWith(`${name} `)));
}
