// Finds each tool, in this order: its env var, PATH, the project cache, and
// finally a download of Debian sid's package into the cache. A binary of a
// version its spec does not accept is skipped (or, named by the env var, an error).
import path from 'node:path';
import { cacheDirOf, cachePath } from './cache.ts';
import { installPackages } from './debian-download.ts';
import { errorText, ToolUnavailableError } from './errors.ts';
import { isExecutableFile, pathCandidates } from './executables.ts';
import { SPECS, specOf, TOOL_NAMES, type ToolName } from './specs.ts';
import { versionProblem } from './version.ts';

export interface ResolveOptions {
  /** Download from Debian into the cache when nothing else works (default true). */
  readonly install?: boolean;
  /** Cache folder; defaults to $TOOLS_CACHE_DIR, else <repo>/.cache/tools. */
  readonly cacheDir?: string;
}

export async function resolveTool(name: ToolName, opts: ResolveOptions = {}): Promise<string> {
  const cacheDir = cacheDirOf(opts.cacheDir);
  specOf(name); // a JS caller may pass any string
  const first = await locate(name, cacheDir);
  if (first.path !== undefined) return first.path;
  const failure = await tryInstall([SPECS[name].pkg], cacheDir, opts.install ?? true);
  return fromFreshCache(name, cacheDir, first.tried, failure);
}

/** Resolves several tools, downloading all missing Debian packages in one apt-get run. */
export async function ensureTools<N extends ToolName = ToolName>(
  names?: readonly N[],
  opts: ResolveOptions = {},
): Promise<Record<N, string>> {
  const wanted = [...new Set(names ?? (TOOL_NAMES as readonly N[]))];
  wanted.forEach(specOf); // fail fast on a typo from the CLI
  const cacheDir = cacheDirOf(opts.cacheDir);
  const found = await Promise.all(wanted.map((n) => locate(n, cacheDir)));
  const missingPkgs = [...new Set(wanted.filter((_, i) => found[i]?.path === undefined).map((n) => SPECS[n].pkg))];
  const failure = missingPkgs.length > 0 ? await tryInstall(missingPkgs, cacheDir, opts.install ?? true) : undefined;

  const out = {} as Record<N, string>;
  for (const [i, n] of wanted.entries()) {
    const r = found[i]!;
    out[n] = r.path ?? (await fromFreshCache(n, cacheDir, r.tried, failure));
  }
  return out;
}

type Located = { path: string; tried?: undefined } | { path?: undefined; tried: string[] };

/** Steps 1-3: env var, PATH, cache. Collects a note per attempt for the error message. */
async function locate(name: ToolName, cacheDir: string): Promise<Located> {
  const spec = SPECS[name];
  const fromEnv = await fromEnvVar(name);
  if (fromEnv !== undefined) return { path: fromEnv };
  const tried = [`${spec.env}: not set`];

  const candidates = await pathCandidates(spec.pathNames);
  if (candidates.length === 0) tried.push(`PATH: no ${spec.pathNames.join(' or ')} found`);
  for (const candidate of candidates) {
    const note = await versionProblem(spec, candidate);
    if (note === undefined) return { path: candidate };
    tried.push(`PATH: ${candidate} ${note} (skipped)`);
  }

  const cached = cachePath(spec, cacheDir);
  const note = (await isExecutableFile(cached)) ? await versionProblem(spec, cached) : 'not present';
  if (note === undefined) return { path: cached };
  tried.push(`cache: ${cached} ${note}`);
  return { tried };
}

/** An explicitly set variable is a user decision: a bad value is an error, not a fallthrough. */
async function fromEnvVar(name: ToolName): Promise<string | undefined> {
  const spec = SPECS[name];
  const value = process.env[spec.env];
  if (value === undefined || value === '') return undefined;
  const abs = path.resolve(value);
  const note = (await isExecutableFile(abs))
    ? await versionProblem(spec, abs)
    : 'is not an executable file (missing, a directory, or no execute permission)';
  if (note === undefined) return abs;
  throw new ToolUnavailableError(name, [`${spec.env} is set to "${value}", which ${note}`], `fix or unset ${spec.env}; otherwise ${spec.hint}`);
}

/** Step 4. Returns a note when the download was not done or failed; never throws. */
async function tryInstall(pkgs: readonly string[], cacheDir: string, install: boolean): Promise<string | undefined> {
  if (!install) return 'download: disabled (install: false)';
  try {
    await installPackages(pkgs, cacheDir);
    return undefined;
  } catch (err) {
    return `download from Debian sid: ${errorText(err)}`;
  }
}

/** After step 4: the cache again, with the version check applied to the download too. */
async function fromFreshCache(name: ToolName, cacheDir: string, tried: readonly string[], failure: string | undefined): Promise<string> {
  const spec = SPECS[name];
  if (failure !== undefined) throw new ToolUnavailableError(name, [...tried, failure], spec.hint);
  const cached = cachePath(spec, cacheDir);
  const note = (await isExecutableFile(cached)) ? await versionProblem(spec, cached) : 'missing after download';
  if (note !== undefined) throw new ToolUnavailableError(name, [...tried, `download from Debian sid: ${cached} ${note}`], spec.hint);
  return cached;
}
