// Runs once before the suite. Real tools (Prometheus, promtool, ...) are
// obtained here so a fresh machine needs no manual install step; workers are
// started afterwards and inherit the resolved absolute paths via process.env.
import { ensureTools, TOOL_ENV, type ToolName } from '../toolchain/index.ts';

export default async function setup(): Promise<void> {
  const paths = await ensureTools();
  for (const [name, bin] of Object.entries(paths) as [ToolName, string][]) {
    process.env[TOOL_ENV[name]] = bin;
  }
}
