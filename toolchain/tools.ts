// Obtains the real Go binaries the tests run (prometheus, promtool,
// alertmanager, amtool, kustomize). Order per tool: env var, PATH, project cache, and
// finally a download of Debian sid's packages into the cache. Node built-ins
// only, so it works before (and without) any extra npm install.
//
//   node toolchain/tools.ts [names...]   -> prints name<TAB>path<TAB>version

import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

const run = promisify(execFile);

export type ToolName = 'prometheus' | 'promtool' | 'alertmanager' | 'amtool' | 'kustomize';

export const TOOL_NAMES: readonly ToolName[] = ['prometheus', 'promtool', 'alertmanager', 'amtool', 'kustomize'];

interface ToolSpec {
  readonly env: string;
  /** Names to look for on PATH; Debian calls alertmanager `prometheus-alertmanager`. */
  readonly pathNames: readonly string[];
  /** Debian package and the binary it ships under usr/bin. */
  readonly pkg: string;
  readonly debBin: string;
  /** Human form of the accepted versions, used in notes and hints. */
  readonly wanted: string;
  readonly accepts: (v: Version) => boolean;
  readonly hint: string;
  /** How to ask the binary for its version; default `--version` (kingpin's "name, version X.Y.Z"). */
  readonly versionArgs?: readonly string[];
}

interface Version {
  readonly major: number;
  readonly minor: number;
  readonly text: string;
}

const DOWNLOAD_PAGE = 'https://prometheus.io/download/';
// Prometheus 3 changed rule/flag semantics the tests rely on; promtool must match it.
const prom3 = (v: Version): boolean => v.major === 3;
// Alertmanager is still 0.x; the config format the tests use is stable across 0.2x-0.3x.
const am0 = (v: Version): boolean => v.major === 0 && v.minor >= 20 && v.minor < 40;
// kustomize 5 is the release line `kubectl kustomize` embeds; the overlays use its components and labels syntax.
const kustomize5 = (v: Version): boolean => v.major === 5;

const SPECS: Record<ToolName, ToolSpec> = {
  prometheus: {
    env: 'PROMETHEUS_BIN',
    pathNames: ['prometheus'],
    pkg: 'prometheus',
    debBin: 'prometheus',
    wanted: '3.x',
    accepts: prom3,
    hint: `set PROMETHEUS_BIN=/path/to/prometheus, or put prometheus 3.x on PATH (Homebrew: brew install prometheus; release tarballs: ${DOWNLOAD_PAGE})`,
  },
  promtool: {
    env: 'PROMTOOL_BIN',
    pathNames: ['promtool'],
    pkg: 'promtool',
    debBin: 'promtool',
    wanted: '3.x',
    accepts: prom3,
    hint: `set PROMTOOL_BIN=/path/to/promtool, or put promtool 3.x on PATH (it ships with Prometheus; Homebrew: brew install prometheus; release tarballs: ${DOWNLOAD_PAGE})`,
  },
  alertmanager: {
    env: 'ALERTMANAGER_BIN',
    pathNames: ['alertmanager', 'prometheus-alertmanager'],
    pkg: 'prometheus-alertmanager',
    debBin: 'prometheus-alertmanager',
    wanted: '0.2x/0.3x',
    accepts: am0,
    hint: `set ALERTMANAGER_BIN=/path/to/alertmanager, or put alertmanager 0.2x/0.3x on PATH (Homebrew: brew install alertmanager; release tarballs: ${DOWNLOAD_PAGE}#alertmanager)`,
  },
  amtool: {
    env: 'AMTOOL_BIN',
    pathNames: ['amtool'],
    pkg: 'prometheus-alertmanager',
    debBin: 'amtool',
    wanted: '0.2x/0.3x',
    accepts: am0,
    hint: `set AMTOOL_BIN=/path/to/amtool, or put amtool 0.2x/0.3x on PATH (it ships with Alertmanager; Homebrew: brew install alertmanager; release tarballs: ${DOWNLOAD_PAGE}#alertmanager)`,
  },
  kustomize: {
    env: 'KUSTOMIZE_BIN',
    pathNames: ['kustomize'],
    pkg: 'kustomize',
    debBin: 'kustomize',
    wanted: '5.x',
    accepts: kustomize5,
    hint: 'set KUSTOMIZE_BIN=/path/to/kustomize, or put kustomize 5.x on PATH (Homebrew: brew install kustomize; release binaries: https://github.com/kubernetes-sigs/kustomize/releases)',
    versionArgs: ['version'],
  },
};

/** The env var that overrides each tool; global-setup also uses it to hand resolved paths to tests. */
export const TOOL_ENV: Readonly<Record<ToolName, string>> = {
  prometheus: SPECS.prometheus.env,
  promtool: SPECS.promtool.env,
  alertmanager: SPECS.alertmanager.env,
  amtool: SPECS.amtool.env,
  kustomize: SPECS.kustomize.env,
};

const DEFAULT_KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Thrown when a tool cannot be found or installed; the message says what was tried and how to fix it. */
export class ToolUnavailableError extends Error {
  override name = 'ToolUnavailableError';
  readonly tool: ToolName;
  readonly tried: readonly string[];

  constructor(tool: ToolName, tried: readonly string[], hint: string) {
    const lines = tried.map((t) => `  - ${t}`).join('\n');
    super(`${tool} is not available.\nTried:\n${lines}\nTo install it by hand: ${hint}.`);
    this.tool = tool;
    this.tried = tried;
  }
}

export interface ResolveOptions {
  /** Download from Debian into the cache when nothing else works (default true). */
  readonly install?: boolean;
  /** Cache folder; defaults to $TOOLS_CACHE_DIR, else <repo>/.cache/tools. */
  readonly cacheDir?: string;
}

// ---------------------------------------------------------------------------
// Resolution

export async function resolveTool(name: ToolName, opts: ResolveOptions = {}): Promise<string> {
  const cacheDir = cacheDirOf(opts);
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
  const cacheDir = cacheDirOf(opts);
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

/**
 * Runs `<bin> --version` and parses "name, version X.Y.Z"; with other
 * `args` (kustomize: `version`), a bare "vX.Y.Z" / "X.Y.Z" line is read too.
 */
export async function toolVersion(bin: string, args: readonly string[] = ['--version']): Promise<Version> {
  // Go's kingpin prints the version on stdout in current releases, stderr in old ones.
  const { stdout, stderr } = await run(bin, [...args], { timeout: 30_000 });
  const text = `${stdout}\n${stderr}`;
  const m = /version v?(\d+)\.(\d+)\.(\d+)\S*/.exec(text) ?? /^\s*v?(\d+)\.(\d+)\.(\d+)\S*/m.exec(text);
  const devel = !m && /\(devel\)/.test(text) ? await debianPackageVersion(bin) : undefined;
  if (devel) return devel;
  if (!m) throw new Error(`could not read a version from \`${[bin, ...args].join(' ')}\`: ${firstLine(text)}`);
  return { major: Number(m[1]), minor: Number(m[2]), text: m[0].trim().replace(/^version /, '') };
}

/**
 * Debian builds Go tools from source without stamping a version, so e.g.
 * `kustomize version` prints "(devel)". The package's changelog beside the
 * binary (<prefix>/share/doc/<name>/changelog.Debian.gz, first line
 * "kustomize (5.8.1+ds-1) unstable; ...") still says which release it is.
 */
async function debianPackageVersion(bin: string): Promise<Version | undefined> {
  const real = await realpath(bin).catch(() => bin);
  const changelog = path.join(path.dirname(real), '..', 'share', 'doc', path.basename(real), 'changelog.Debian.gz');
  const text = await readFile(changelog).then((b) => gunzipSync(b).toString('utf8'), () => '');
  const m = /^\S+ \(((\d+)\.(\d+)\.\d+[^)]*)\)/.exec(text);
  return m ? { major: Number(m[2]), minor: Number(m[3]), text: m[1]! } : undefined;
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

/** Every executable match on PATH, in PATH order (a wrong version may be shadowed by a right one later). */
async function pathCandidates(names: readonly string[]): Promise<string[]> {
  // Empty or relative PATH entries would mean "the cwd": skip them, we want absolute paths.
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => path.isAbsolute(d));
  const out: string[] = [];
  for (const dir of dirs) {
    for (const n of names) {
      const p = path.join(dir, n);
      if (!out.includes(p) && (await isExecutableFile(p))) out.push(p);
    }
  }
  return out;
}

/** undefined when the binary runs and has an accepted version, else a short note why not. */
async function versionProblem(spec: ToolSpec, bin: string): Promise<string | undefined> {
  try {
    const v = await toolVersion(bin, spec.versionArgs);
    return spec.accepts(v) ? undefined : `is version ${v.text}, need ${spec.wanted}`;
  } catch (err) {
    return `does not run: ${errorText(err)}`;
  }
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

// ---------------------------------------------------------------------------
// Download from Debian sid into the cache

/**
 * Downloads and unpacks the given Debian packages into <cacheDir>/<pkg>/.
 * Serialised by a lock across processes; each package is unpacked in a temp
 * dir and renamed into place, so lock-free readers never see half a tree.
 */
async function installPackages(pkgs: readonly string[], cacheDir: string): Promise<void> {
  await requireCommands(['apt-get', 'dpkg']);
  await mkdir(cacheDir, { recursive: true });
  await withLock(path.join(cacheDir, '.lock'), async () => {
    // Another process may have finished the job while we waited for the lock.
    const todo: string[] = [];
    for (const p of pkgs) if (!(await packageComplete(p, cacheDir))) todo.push(p);
    if (todo.length === 0) return;

    const work = await mkdtemp(path.join(cacheDir, '.work-'));
    try {
      const debs = await aptDownload(todo, work);
      for (const p of todo) await unpackInto(debs.get(p)!, p, cacheDir, work);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });
}

/** A package counts as installed when every binary the tools need from it is there. */
async function packageComplete(pkg: string, cacheDir: string): Promise<boolean> {
  for (const spec of Object.values(SPECS)) {
    if (spec.pkg !== pkg) continue;
    const bin = cachePath(spec, cacheDir);
    if (!(await isExecutableFile(bin)) || (await versionProblem(spec, bin)) !== undefined) return false;
  }
  return true;
}

/** apt-get with private state and a one-line sid source, so the system's apt state is untouched. */
async function aptDownload(pkgs: readonly string[], work: string): Promise<Map<string, string>> {
  const mirror = pickDebianMirror(await readAptSourceFiles());
  if (!mirror) throw new Error('no Debian main archive (a `deb` source whose URI ends in /debian) found in /etc/apt/sources.list or /etc/apt/sources.list.d');

  const list = path.join(work, 'sid.list');
  await writeFile(list, `deb [signed-by=${mirror.signedBy}] ${mirror.uri} sid main\n`);
  for (const d of ['lists/partial', 'cache/archives/partial', 'debs']) await mkdir(path.join(work, d), { recursive: true });
  const aptOpts = [
    ['Dir::Etc::SourceList', list],
    ['Dir::Etc::SourceParts', '/dev/null'],
    // Local pinning (e.g. a negative priority for sid) must not hide the packages.
    ['Dir::Etc::Preferences', '/dev/null'],
    ['Dir::Etc::PreferencesParts', '/dev/null'],
    ['Dir::State::Lists', path.join(work, 'lists')],
    ['Dir::Cache', path.join(work, 'cache')],
  ].flatMap(([k, v]) => ['-o', `${k}=${v}`]);
  const debsDir = path.join(work, 'debs');

  await runQuiet('apt-get', [...aptOpts, 'update'], work);
  await runQuiet('apt-get', [...aptOpts, 'download', ...pkgs], debsDir);

  const files = await readdir(debsDir);
  const debs = new Map<string, string>();
  for (const p of pkgs) {
    // `<pkg>_<version>_<arch>.deb`; the underscore keeps `prometheus_` from matching `prometheus-alertmanager_`.
    const f = files.find((x) => x.startsWith(`${p}_`) && x.endsWith('.deb'));
    if (!f) throw new Error(`apt-get download produced no ${p}_*.deb (got: ${files.join(', ') || 'nothing'})`);
    debs.set(p, path.join(debsDir, f));
  }
  return debs;
}

/** dpkg -x into a temp dir, then an atomic rename to <cacheDir>/<pkg>. */
async function unpackInto(deb: string, pkg: string, cacheDir: string, work: string): Promise<void> {
  const tmp = await mkdtemp(path.join(cacheDir, `.tmp-${pkg}-`));
  try {
    await runQuiet('dpkg', ['-x', deb, tmp], work);
    const dest = path.join(cacheDir, pkg);
    // An old or broken copy (wrong version, partial) is moved aside first: rename can't replace a non-empty dir.
    await rename(dest, path.join(work, `old-${pkg}`)).catch(ignoreCode('ENOENT'));
    // ENOTEMPTY: a process that broke a stale lock got there first with a complete copy.
    await rename(tmp, dest).catch(ignoreCode('ENOTEMPTY', 'EEXIST'));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function runQuiet(cmd: string, args: readonly string[], cwd: string): Promise<void> {
  try {
    await run(cmd, args, { cwd, timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const shown = args.filter((a) => a !== '-o' && !a.includes('::')); // the -o noise is ours, not the user's
    throw new Error(`\`${[cmd, ...shown].join(' ')}\` failed: ${errorText(err)}`);
  }
}

/** apt-get and dpkg only exist on Debian-like systems (not macOS): say so instead of an ENOENT. */
async function requireCommands(cmds: readonly string[]): Promise<void> {
  for (const cmd of cmds) {
    if ((await pathCandidates([cmd])).length === 0) throw new Error(`${cmd} is not on PATH (automatic download needs a Debian/Ubuntu system with apt-get and dpkg)`);
  }
}

// ---------------------------------------------------------------------------
// Mirror discovery: the machine's own apt sources, never a hard-coded host

export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  /** Keyring path(s) or fingerprint(s); undefined when absent or an inline key block. */
  readonly signedBy?: string;
}

export interface DebianMirror {
  readonly uri: string;
  readonly signedBy: string;
}

/**
 * Parses the `deb` (binary) entries of one apt sources file. Pure: takes the
 * file text. `deb822` is the `.sources` format, `one-line` the classic
 * `sources.list` / `.list` format.
 */
export function parseAptSources(text: string, format: 'deb822' | 'one-line'): AptSource[] {
  return format === 'deb822' ? parseDeb822(text) : parseOneLine(text);
}

/** The first source that is the Debian main archive (path ends in /debian, so not -security or ports). */
export function pickDebianMirror(sources: readonly AptSource[]): DebianMirror | undefined {
  for (const s of sources) {
    if (isMainArchive(s.uri)) return { uri: s.uri.replace(/\/+$/, ''), signedBy: s.signedBy ?? DEFAULT_KEYRING };
  }
  return undefined;
}

function isMainArchive(uri: string): boolean {
  try {
    return new URL(uri).pathname.replace(/\/+$/, '').endsWith('/debian');
  } catch {
    return false;
  }
}

function parseDeb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const fields of deb822Stanzas(text)) {
    const types = words(fields.get('types'));
    if (!types.includes('deb') || fields.get('enabled')?.trim().toLowerCase() === 'no') continue;
    const signedBy = keyringOption(fields.get('signed-by'));
    // One entry per URI keeps "first URI of the stanza" ordering for pickDebianMirror.
    for (const uri of words(fields.get('uris'))) {
      out.push({ uri, suites: words(fields.get('suites')), components: words(fields.get('components')), ...(signedBy ? { signedBy } : {}) });
    }
  }
  return out;
}

/** Splits deb822 text into stanzas of lower-cased field -> value (continuation lines joined with \n). */
function deb822Stanzas(text: string): Map<string, string>[] {
  const stanzas: Map<string, string>[] = [];
  let cur = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#')) continue; // comments don't end a stanza
    if (line.trim() === '') {
      if (cur.size > 0) stanzas.push(cur);
      cur = new Map();
      last = undefined;
    } else if (/^[ \t]/.test(line)) {
      if (last !== undefined) cur.set(last, `${cur.get(last) ?? ''}\n${line.trim()}`);
    } else {
      const i = line.indexOf(':');
      if (i < 0) continue;
      last = line.slice(0, i).trim().toLowerCase();
      cur.set(last, line.slice(i + 1).trim());
    }
  }
  if (cur.size > 0) stanzas.push(cur);
  return stanzas;
}

function parseOneLine(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(deb|deb-src)\s+(?:\[([^\]]*)\]\s*)?(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line);
    if (!m || m[1] !== 'deb') continue;
    const opts = new Map<string, string>();
    for (const o of words(m[2])) {
      const eq = o.indexOf('=');
      if (eq > 0) opts.set(o.slice(0, eq).toLowerCase(), o.slice(eq + 1));
    }
    const signedBy = keyringOption(opts.get('signed-by'));
    out.push({ uri: m[3]!, suites: [m[4]!], components: words(m[5]), ...(signedBy ? { signedBy } : {}) });
  }
  return out;
}

/** Paths/fingerprints are reusable in our one-line source; an inline PGP block is not. */
function keyringOption(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '' || value.includes('BEGIN PGP')) return undefined;
  return value.split(/[\s,]+/).filter(Boolean).join(',');
}

/** Reads sources in apt's order: sources.list, then sources.list.d/* sorted. */
async function readAptSourceFiles(etcApt = '/etc/apt'): Promise<AptSource[]> {
  const files: [string, 'deb822' | 'one-line'][] = [[path.join(etcApt, 'sources.list'), 'one-line']];
  const dir = path.join(etcApt, 'sources.list.d');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const n of names.sort()) {
    if (n.endsWith('.list')) files.push([path.join(dir, n), 'one-line']);
    else if (n.endsWith('.sources')) files.push([path.join(dir, n), 'deb822']);
  }
  const out: AptSource[] = [];
  for (const [file, format] of files) {
    const text = await readFile(file, 'utf8').catch(() => '');
    out.push(...parseAptSources(text, format));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Cross-process lock: an exclusive mkdir, broken when its owner is dead or it is too old

export interface LockOptions {
  /** A lock older than this is considered abandoned (default 10 min: a slow download). */
  readonly staleMs?: number;
  readonly pollMs?: number;
  /** Give up waiting after this long (default 15 min). */
  readonly timeoutMs?: number;
}

export async function withLock<T>(lockDir: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const { staleMs = 10 * 60_000, pollMs = 200, timeoutMs = 15 * 60_000 } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir); // atomic: exactly one process creates it
      break;
    } catch (err) {
      if (!hasCode(err, 'EEXIST')) throw err;
    }
    if (await lockIsStale(lockDir, staleMs)) {
      // Rename first so two waiters can't both delete and then both "own" it.
      const grave = `${lockDir}.stale-${process.pid}-${Date.now()}`;
      await rename(lockDir, grave).then(() => rm(grave, { recursive: true, force: true }), ignoreCode('ENOENT'));
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockDir}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    await writeFile(path.join(lockDir, 'owner'), `${os.hostname()} ${process.pid}\n`);
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function lockIsStale(lockDir: string, staleMs: number): Promise<boolean> {
  const info = await stat(lockDir).catch(() => undefined);
  if (!info) return false; // just released: retry mkdir
  if (Date.now() - info.mtimeMs > staleMs) return true;
  // Same host and the owning pid is gone: a crashed process, no need to wait for staleMs.
  const owner = await readFile(path.join(lockDir, 'owner'), 'utf8').catch(() => '');
  const [host, pid] = owner.trim().split(' ');
  return host === os.hostname() && pid !== undefined && !pidAlive(Number(pid));
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true; // unknown: let staleMs decide
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !hasCode(err, 'ESRCH');
  }
}

// ---------------------------------------------------------------------------
// Small helpers

function specOf(name: string): ToolSpec {
  if (!Object.hasOwn(SPECS, name)) throw new Error(`unknown tool "${name}" (expected one of: ${TOOL_NAMES.join(', ')})`);
  return SPECS[name as ToolName];
}

function cacheDirOf(opts: ResolveOptions): string {
  const dir = opts.cacheDir ?? (process.env.TOOLS_CACHE_DIR || path.join(REPO_ROOT, '.cache', 'tools'));
  return path.resolve(dir);
}

function cachePath(spec: ToolSpec, cacheDir: string): string {
  return path.join(cacheDir, spec.pkg, 'usr', 'bin', spec.debBin);
}

async function isExecutableFile(p: string): Promise<boolean> {
  try {
    if (!(await stat(p)).isFile()) return false;
    await access(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function words(value: string | undefined): string[] {
  return (value ?? '').split(/\s+/).filter(Boolean);
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

/** execFile errors carry the useful part (apt's "E: ..." lines, a loader error) in stderr. */
function errorText(err: unknown): string {
  const e = (err ?? {}) as { code?: unknown; signal?: unknown; killed?: unknown; stderr?: unknown };
  const stderr = typeof e.stderr === 'string' ? e.stderr.trim().split('\n').filter(Boolean) : [];
  const aptErrors = stderr.filter((l) => /^(E|Err):/.test(l));
  const detail = (aptErrors.length > 0 ? aptErrors : stderr.slice(-3)).join('; ');
  const what =
    typeof e.code === 'number' ? `exit code ${e.code}`
    : e.killed === true || typeof e.signal === 'string' ? `killed (${typeof e.signal === 'string' ? e.signal : 'timeout'})`
    : err instanceof Error ? firstLine(err.message)
    : String(err);
  return detail ? `${what}: ${detail}` : what;
}

function hasCode(err: unknown, code: string): boolean {
  return (err as { code?: unknown } | null)?.code === code;
}

function ignoreCode(...codes: string[]): (err: unknown) => void {
  return (err) => {
    if (!codes.some((c) => hasCode(err, c))) throw err;
  };
}

// ---------------------------------------------------------------------------
// CLI

async function main(args: readonly string[]): Promise<number> {
  const names = args.length > 0 ? args : TOOL_NAMES;
  const unknown = names.filter((n) => !Object.hasOwn(SPECS, n));
  if (unknown.length > 0) {
    console.error(`unknown tool(s): ${unknown.join(', ')} (expected: ${TOOL_NAMES.join(', ')})`);
    return 2;
  }
  try {
    const paths = await ensureTools(names as readonly ToolName[]);
    for (const n of names as readonly ToolName[]) {
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
