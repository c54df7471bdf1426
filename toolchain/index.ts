// Obtains the real Go binaries the kit's checks and tests run (prometheus,
// promtool, alertmanager, amtool, kustomize): per tool its env var, PATH, the
// project cache, and finally a download of Debian sid's package into the
// cache. Node built-ins only, so it works before (and without) any extra npm
// install. `node toolchain/cli.ts [names...]` prints where each one is.
export { type AptSource, type DebianMirror, parseAptSources, pickDebianMirror } from './apt-sources.ts';
export { ToolUnavailableError } from './errors.ts';
export { type LockOptions, withLock } from './lock.ts';
export { ensureTools, type ResolveOptions, resolveTool } from './resolve.ts';
export { TOOL_ENV, TOOL_NAMES, type ToolName, type Version } from './specs.ts';
export { type ToolRun, runTool, toolProblems } from './run-tool.ts';
export { toolVersion } from './version.ts';
