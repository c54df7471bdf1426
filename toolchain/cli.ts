// Resolves (and, when needed, downloads) the tools and prints where each is.
//
//   node toolchain/cli.ts [names...]   -> prints name<TAB>path<TAB>version
import { ensureTools } from './resolve.ts';
import { isToolName, SPECS, TOOL_NAMES } from './specs.ts';
import { toolVersion } from './version.ts';

async function main(args: readonly string[]): Promise<number> {
  const names = args.length > 0 ? args : TOOL_NAMES;
  const unknown = names.filter((n) => !isToolName(n));
  if (unknown.length > 0) {
    console.error(`unknown tool(s): ${unknown.join(', ')} (expected: ${TOOL_NAMES.join(', ')})`);
    return 2;
  }
  const tools = names.filter(isToolName);
  try {
    const paths = await ensureTools(tools);
    for (const n of tools) {
      const p = paths[n];
      console.log(`${n}\t${p}\t${(await toolVersion(p, SPECS[n].versionArgs)).text}`);
    }
    return 0;
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    return 1;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
