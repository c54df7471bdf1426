// Downloads Debian sid's packages of the tools into the cache: apt-get with
// private state and a one-line sid source (the machine's apt state is left
// untouched), then dpkg -x. Needs a Debian-like system; no root.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { pickDebianMirror, readAptSourceFiles } from './apt-sources.ts';
import { cachePath } from './cache.ts';
import { errorText, ignoreCode } from './errors.ts';
import { isExecutableFile, pathCandidates } from './executables.ts';
import { withLock } from './lock.ts';
import { SPECS } from './specs.ts';
import { versionProblem } from './version.ts';

const run = promisify(execFile);

/**
 * Downloads and unpacks the given Debian packages into <cacheDir>/<pkg>/.
 * Serialised by a lock across processes; each package is unpacked in a temp
 * dir and renamed into place, so lock-free readers never see half a tree.
 */
export async function installPackages(pkgs: readonly string[], cacheDir: string): Promise<void> {
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
