// toolchain/ against the real binaries that test/global-setup.ts
// resolved (and downloaded, on a fresh machine) before the suite.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ensureTools,
  parseAptSources,
  pickDebianMirror,
  resolveTool,
  TOOL_ENV,
  TOOL_NAMES,
  toolVersion,
  ToolUnavailableError,
  withLock,
  type ToolName,
} from '../../toolchain/index.ts';

const run = promisify(execFile);

/** The absolute path global-setup handed over; every test below builds on real binaries. */
function setupPath(name: ToolName): string {
  const p = process.env[TOOL_ENV[name]];
  if (!p) throw new Error(`${TOOL_ENV[name]} was not set by test/global-setup.ts`);
  return p;
}

/** Nothing on PATH, no override variables: only the cache (and the download) can answer. */
function isolate(cacheDir: string): void {
  vi.stubEnv('PATH', '');
  vi.stubEnv('TOOLS_CACHE_DIR', cacheDir);
  for (const name of TOOL_NAMES) vi.stubEnv(TOOL_ENV[name], undefined);
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'tools-test-'));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await rm(tmp, { recursive: true, force: true });
});

describe('resolving a tool', () => {
  it('returns the path in PROMTOOL_BIN when it points at an executable, ahead of PATH and the cache', async () => {
    const link = path.join(tmp, 'my-promtool');
    await symlink(setupPath('promtool'), link);
    vi.stubEnv('PROMTOOL_BIN', link);

    const resolved = await resolveTool('promtool', { install: false });

    expect(resolved).toBe(link);
    const { stdout } = await run(resolved, ['--version']);
    expect(stdout).toMatch(/^promtool, version 3\./);
  });

  it.each([
    ['a file without execute permission', async (p: string) => writeFile(p, '#!/bin/sh\n', { mode: 0o644 })],
    ['a directory', async (p: string) => mkdir(p)],
    ['a missing path', async () => {}],
  ])('rejects with an error naming PROMETHEUS_BIN and its value when it points at %s', async (_what, make) => {
    const bogus = path.join(tmp, 'prometheus');
    await make(bogus);
    vi.stubEnv('PROMETHEUS_BIN', bogus);

    const err = await resolveTool('prometheus', { install: false }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ToolUnavailableError);
    expect((err as Error).message).toContain(`PROMETHEUS_BIN is set to "${bogus}"`);
    expect((err as Error).message).toContain('not an executable file');
    // An explicit setting is never silently replaced by PATH or the cache.
    expect((err as Error).message).not.toContain('PATH:');
  });

  it('finds a tool in the cache folder when neither the variable nor PATH has it', async () => {
    const cached = path.join(tmp, 'promtool', 'usr', 'bin', 'promtool');
    await mkdir(path.dirname(cached), { recursive: true });
    await symlink(setupPath('promtool'), cached);
    isolate(tmp);

    await expect(resolveTool('promtool', { install: false })).resolves.toBe(cached);
  });

  it('skips a PATH binary of the wrong major version and notes it in the error', async () => {
    isolate(path.join(tmp, 'empty-cache'));
    const bin = path.join(tmp, 'bin');
    await mkdir(bin);
    await writeFile(path.join(bin, 'prometheus'), '#!/bin/sh\necho "prometheus, version 2.45.0 (branch: HEAD)"\n');
    await chmod(path.join(bin, 'prometheus'), 0o755);
    vi.stubEnv('PATH', bin);

    const err = await resolveTool('prometheus', { install: false }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ToolUnavailableError);
    expect((err as Error).message).toContain(`${path.join(bin, 'prometheus')} is version 2.45.0, need 3.x (skipped)`);
  });

  it('rejects a PROMETHEUS_BIN binary of the wrong major version instead of falling back', async () => {
    const old = path.join(tmp, 'prometheus-2');
    await writeFile(old, '#!/bin/sh\necho "prometheus, version 2.53.1 (branch: HEAD)"\n', { mode: 0o755 });
    vi.stubEnv('PROMETHEUS_BIN', old);

    await expect(resolveTool('prometheus', { install: false })).rejects.toThrow(
      `PROMETHEUS_BIN is set to "${old}", which is version 2.53.1, need 3.x`,
    );
  });

  it.each([
    ['prometheus', 'PROMETHEUS_BIN=/path/to/prometheus', 'brew install prometheus'],
    ['promtool', 'PROMTOOL_BIN=/path/to/promtool', 'brew install prometheus'],
    ['alertmanager', 'ALERTMANAGER_BIN=/path/to/alertmanager', 'brew install alertmanager'],
    ['amtool', 'AMTOOL_BIN=/path/to/amtool', 'brew install alertmanager'],
  ] as const)(
    'rejects %s with ToolUnavailableError and an install hint when nothing is found and install is disabled',
    async (name, envHint, brewHint) => {
      const emptyCache = path.join(tmp, 'cache');
      await mkdir(emptyCache);
      isolate(emptyCache);

      const err = await resolveTool(name, { install: false }).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(ToolUnavailableError);
      const e = err as ToolUnavailableError;
      expect(e.tool).toBe(name);
      expect(e.message).toContain(`${name} is not available`);
      expect(e.message).toContain('download: disabled');
      expect(e.message).toContain(envHint);
      expect(e.message).toContain(brewHint);
      expect(e.message).toContain('https://prometheus.io/download/');
      // Nothing was downloaded behind the caller's back.
      expect(await readdir(emptyCache)).toEqual([]);
    },
  );
});

describe('the resolved binaries', () => {
  it.each([
    ['prometheus', /^prometheus, version 3\.\d+\.\d+/],
    ['promtool', /^promtool, version 3\.\d+\.\d+/],
    ['alertmanager', /^alertmanager, version 0\.[23]\d\.\d+/],
    ['amtool', /^amtool, version 0\.[23]\d\.\d+/],
  ] as const)('%s really runs and reports the expected major version', async (name, expected) => {
    const bin = await resolveTool(name);

    expect(path.isAbsolute(bin)).toBe(true);
    expect(bin).toBe(setupPath(name));
    const { stdout, stderr } = await run(bin, ['--version']);
    expect(`${stdout}${stderr}`).toMatch(expected);
  });

  it('are all returned by ensureTools, keyed by tool name', async () => {
    const tools = await ensureTools(['prometheus', 'amtool']);

    expect(tools).toEqual({ prometheus: setupPath('prometheus'), amtool: setupPath('amtool') });
  });
});

describe('kustomize', () => {
  it('resolves to a kustomize 5 that renders a kustomization', async () => {
    const bin = await resolveTool('kustomize');

    expect(bin).toBe(setupPath('kustomize'));
    await writeFile(path.join(tmp, 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nconfigMapGenerator:\n  - name: probe\n    literals: [a=b]\n');
    const { stdout } = await run(bin, ['build', tmp]);
    expect(stdout).toMatch(/name: probe-[a-z0-9]{10}/);
    expect((await toolVersion(bin, ['version'])).major).toBe(5);
  });

  it('reads the version of a Debian build that prints "(devel)" from its package changelog', async () => {
    const prefix = path.join(tmp, 'usr');
    const bin = path.join(prefix, 'bin', 'kustomize');
    await mkdir(path.dirname(bin), { recursive: true });
    await writeFile(bin, '#!/bin/sh\necho "(devel)"\n', { mode: 0o755 });
    const doc = path.join(prefix, 'share', 'doc', 'kustomize');
    await mkdir(doc, { recursive: true });
    await writeFile(path.join(doc, 'changelog.Debian.gz'), gzipSync('kustomize (5.8.1+ds-1) unstable; urgency=medium\n\n  * New upstream version\n'));

    expect(await toolVersion(bin, ['version'])).toEqual({ major: 5, minor: 8, text: '5.8.1+ds-1' });
    vi.stubEnv('KUSTOMIZE_BIN', bin);
    await expect(resolveTool('kustomize', { install: false })).resolves.toBe(bin);
  });

  it('rejects a "(devel)" build without a changelog: its version is unknown', async () => {
    const bin = path.join(tmp, 'kustomize');
    await writeFile(bin, '#!/bin/sh\necho "(devel)"\n', { mode: 0o755 });
    vi.stubEnv('KUSTOMIZE_BIN', bin);

    await expect(resolveTool('kustomize', { install: false })).rejects.toThrow(`KUSTOMIZE_BIN is set to "${bin}", which does not run: could not read a version`);
  });

  it('names KUSTOMIZE_BIN and the upstream releases when nothing is found and install is disabled', async () => {
    const emptyCache = path.join(tmp, 'cache');
    await mkdir(emptyCache);
    isolate(emptyCache);

    const err = await resolveTool('kustomize', { install: false }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ToolUnavailableError);
    expect((err as Error).message).toContain('KUSTOMIZE_BIN=/path/to/kustomize');
    expect((err as Error).message).toContain('brew install kustomize');
    expect((err as Error).message).toContain('https://github.com/kubernetes-sigs/kustomize/releases');
  });
});

describe('finding the Debian mirror in apt sources', () => {
  it('takes the first deb822 stanza of type deb whose URI is the main archive, with its keyring', () => {
    const text = [
      '# written by the installer',
      'Types: deb-src',
      'URIs: http://src.example.test/debian',
      'Suites: bookworm',
      'Components: main',
      '',
      'Types: deb',
      '# http://snapshot.example.test/archive/debian-security/20250520T000000Z',
      'URIs: http://apt.example.test/debian-security',
      'Suites: bookworm-security',
      'Components: main',
      'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      '',
      'Types: deb',
      'URIs: http://disabled.example.test/debian',
      'Suites: bookworm',
      'Components: main',
      'Enabled: no',
      '',
      'types: deb deb-src',
      'uris: http://apt.example.test/debian/ http://second.example.test/debian',
      'suites: bookworm bookworm-updates',
      'components: main contrib',
      'signed-by: /etc/apt/keyrings/custom.gpg',
      '',
    ].join('\n');

    const sources = parseAptSources(text, 'deb822');

    expect(sources.map((s) => s.uri)).toEqual([
      'http://apt.example.test/debian-security',
      'http://apt.example.test/debian/',
      'http://second.example.test/debian',
    ]);
    expect(sources[1]?.suites).toEqual(['bookworm', 'bookworm-updates']);
    expect(pickDebianMirror(sources)).toEqual({ uri: 'http://apt.example.test/debian', signedBy: '/etc/apt/keyrings/custom.gpg' });
  });

  it('falls back to the Debian archive keyring when Signed-By is missing or an inline key block', () => {
    const text = [
      'Types: deb',
      'URIs: https://apt.example.test/debian',
      'Suites: trixie',
      'Components: main',
      'Signed-By:',
      ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
      ' .',
      ' mQINBFxZ...',
      ' -----END PGP PUBLIC KEY BLOCK-----',
    ].join('\r\n');

    expect(pickDebianMirror(parseAptSources(text, 'deb822'))).toEqual({
      uri: 'https://apt.example.test/debian',
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
    });
  });

  it('reads classic one-line deb entries, skipping comments, deb-src and the security archive', () => {
    const text = [
      '# deb http://commented.example.test/debian bookworm main',
      'deb-src http://src.example.test/debian bookworm main',
      'deb http://apt.example.test/debian-security bookworm-security main',
      'deb [ arch=amd64 signed-by=/usr/share/keyrings/custom.gpg ] http://apt.example.test/debian bookworm main contrib # local',
      'deb http://later.example.test/debian bookworm main',
    ].join('\n');

    const sources = parseAptSources(text, 'one-line');

    expect(sources).toHaveLength(3);
    expect(sources[1]).toEqual({
      uri: 'http://apt.example.test/debian',
      suites: ['bookworm'],
      components: ['main', 'contrib'],
      signedBy: '/usr/share/keyrings/custom.gpg',
    });
    expect(pickDebianMirror(sources)).toEqual({ uri: 'http://apt.example.test/debian', signedBy: '/usr/share/keyrings/custom.gpg' });
    expect(pickDebianMirror(parseAptSources('deb http://plain.example.test/debian sid main\n', 'one-line'))).toEqual({
      uri: 'http://plain.example.test/debian',
      signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg',
    });
  });

  it('finds nothing when no source is a Debian main archive', () => {
    const text = 'deb http://archive.example.test/ubuntu noble main\ndeb http://apt.example.test/debian-security bookworm-security main\n';

    expect(pickDebianMirror(parseAptSources(text, 'one-line'))).toBeUndefined();
  });
});

describe('the install lock', () => {
  it('lets only one caller at a time run its critical section', async () => {
    const lock = path.join(tmp, '.lock');
    let inside = 0;
    let maxInside = 0;
    const order: number[] = [];

    await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        withLock(lock, async () => {
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 20));
          order.push(i);
          inside--;
        }, { pollMs: 5 }),
      ),
    );

    expect(maxInside).toBe(1);
    expect(order.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(await readdir(tmp)).toEqual([]); // released, nothing left behind
  });

  it('breaks a lock left by a process that has exited', async () => {
    const lock = path.join(tmp, '.lock');
    const child = execFile(process.execPath, ['-e', '']);
    await new Promise((r) => child.on('exit', r));
    await mkdir(lock);
    await writeFile(path.join(lock, 'owner'), `${os.hostname()} ${child.pid}\n`);

    await expect(withLock(lock, async () => 'acquired', { timeoutMs: 2_000, pollMs: 5 })).resolves.toBe('acquired');
  });

  it('breaks a lock older than the stale timeout and waits for a fresh one', async () => {
    const lock = path.join(tmp, '.lock');
    await mkdir(lock);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);

    await expect(withLock(lock, async () => 'acquired', { staleMs: 30_000, pollMs: 5 })).resolves.toBe('acquired');

    await mkdir(lock); // fresh and owned by a live process (us): must time out, not be broken
    await writeFile(path.join(lock, 'owner'), `${os.hostname()} ${process.pid}\n`);
    await expect(withLock(lock, async () => 'acquired', { staleMs: 30_000, pollMs: 5, timeoutMs: 100 })).rejects.toThrow(/timed out/);
  });
});
