// Runs a real Alertmanager on loopback with a config in a folder of the
// caller's, working around Debian's binary that needs its templates under
// /usr/share, and wraps its v2 API. The local stack (stack/run.ts) and the
// integration tests share this one implementation.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { resolveTool, TOOL_ENV } from '../toolchain/index.ts';
import { httpOk, type ManagedProcess, type ProcessGroup, startReady } from './processes.ts';

export interface AlertmanagerOptions {
  /** The alertmanager.yml text, or a function of the folder it is written to (for absolute paths of files beside it). */
  readonly config: string | ((dir: string) => string);
  /** Files to write beside it (templates, secrets), by path relative to that folder. */
  readonly files?: Readonly<Record<string, string>>;
  readonly extraFlags?: readonly string[];
}

/** Where and how this Alertmanager runs. */
export interface AlertmanagerPlacement {
  /** Holds alertmanager.yml, its files and data/; the caller creates and removes it. */
  readonly dir: string;
  /** Listens on 127.0.0.1:port. */
  readonly port: number;
  /** Its output; kept in memory only when unset. */
  readonly logFile?: string;
  /** See ProcessSpec.detached. */
  readonly detached?: boolean;
  /** See ProcessSpec.group. */
  readonly group?: ProcessGroup;
}

/** An alert as POSTed to /api/v2/alerts (what Prometheus sends). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly startsAt?: string;
  readonly endsAt?: string;
  readonly generatorURL?: string;
}

/** An alert as GET /api/v2/alerts returns it. */
export interface GettableAlert {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly fingerprint: string;
  readonly receivers: { readonly name: string }[];
  readonly status: { readonly state: 'active' | 'suppressed' | 'unprocessed'; readonly inhibitedBy: string[]; readonly silencedBy: string[] };
}

/** A silence as POSTed to /api/v2/silences. */
export interface PostableSilence {
  readonly matchers: readonly { readonly name: string; readonly value: string; readonly isRegex: boolean; readonly isEqual?: boolean }[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
}

export interface RunningAlertmanager {
  readonly url: string;
  /** host:port, as Prometheus's alerting config wants it. */
  readonly address: string;
  readonly dir: string;
  readonly configFile: string;
  /** The current process (a new one after restart()). */
  process(): ManagedProcess;
  /** GET /api/v2/alerts (active, silenced and inhibited alike). */
  alerts(): Promise<GettableAlert[]>;
  postAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  /** Creates a silence; resolves with its id. */
  postSilence(silence: PostableSilence): Promise<string>;
  /** Stops the process (SIGTERM: it snapshots its notification log) and starts it again on the same port and storage path. */
  restart(): Promise<void>;
  /** Stops the process; leaves `dir` to the caller. */
  stop(): Promise<void>;
  /** Its last output lines, for failure messages. */
  stderr(): string;
}

const SYSTEM_TEMPLATES = '/usr/share/prometheus/alertmanager/default.tmpl';
const OVERLAY_SCRIPT = 'mount -t overlay overlay -o "lowerdir=$1:/usr/share" /usr/share && shift && exec "$@"';

/** Debian's Alertmanager cannot find its templates and they cannot be put where it looks. */
export class AlertmanagerTemplatesError extends Error {
  override name = 'AlertmanagerTemplatesError';
}

const overlayWorks = new Map<string, string | undefined>();

/** undefined when `packageShare` can be overlaid on /usr/share in a private mount namespace, else why not. */
function overlayProblem(namespaces: readonly string[], packageShare: string): string | undefined {
  if (!overlayWorks.has(packageShare)) {
    const probe = spawnSync('unshare', [...namespaces, 'sh', '-c', OVERLAY_SCRIPT, 'sh', packageShare, 'test', '-f', SYSTEM_TEMPLATES], { encoding: 'utf8', timeout: 10_000 });
    const problem = probe.error !== undefined ? probe.error.message : probe.status === 0 ? undefined : (probe.stderr.trim() || `exit status ${probe.status}`);
    overlayWorks.set(packageShare, problem);
  }
  return overlayWorks.get(packageShare);
}

/**
 * The command that runs Alertmanager `bin` with `args`. Debian's Alertmanager
 * does not embed its default notification templates: it reads
 * /usr/share/prometheus/alertmanager/default.tmpl and refuses any config
 * without it ("failed to parse templates"). The copy unpacked into the tools
 * cache (toolchain/) has the file beside the binary, under ../share.
 * When the system has no such file, the binary runs in a private mount
 * namespace where an overlay puts the package's share/ on top of /usr/share
 * (root: a mount namespace; others: a user namespace mapped to root); unshare
 * and sh exec in place, so the child's pid is Alertmanager's. Binaries from
 * release tarballs or Homebrew embed the templates and run as they are.
 * Throws AlertmanagerTemplatesError, naming the fix, when the overlay is not
 * possible here (no unshare, user namespaces disabled, a container without
 * the right to mount).
 */
export function alertmanagerCommand(bin: string, args: readonly string[]): [string, string[]] {
  const packageShare = resolve(dirname(bin), '..', 'share');
  if (existsSync(SYSTEM_TEMPLATES) || !existsSync(join(packageShare, 'prometheus', 'alertmanager', 'default.tmpl'))) return [bin, [...args]];
  const namespaces = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
  const problem = overlayProblem(namespaces, packageShare);
  if (problem !== undefined) {
    throw new AlertmanagerTemplatesError(
      `${bin} is Debian's Alertmanager, which needs its notification templates at ${SYSTEM_TEMPLATES}. ` +
        `This system has no such file, and the package's copy (${packageShare}) could not be mounted there in a private namespace ` +
        `(\`unshare ${namespaces.join(' ')}\`: ${problem}). ` +
        `Fix: set ${TOOL_ENV.alertmanager}=/path/to/alertmanager from an upstream release (https://prometheus.io/download/#alertmanager, or brew install alertmanager), ` +
        'which embeds its templates; or install Debian\'s prometheus-alertmanager package system-wide.',
    );
  }
  return ['unshare', [...namespaces, 'sh', '-c', OVERLAY_SCRIPT, 'sh', packageShare, bin, ...args]];
}

export async function startAlertmanager(options: AlertmanagerOptions & AlertmanagerPlacement): Promise<RunningAlertmanager> {
  const bin = await resolveTool('alertmanager');
  const { dir } = options;
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, typeof options.config === 'string' ? options.config : options.config(dir));
  for (const [name, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }

  const address = `127.0.0.1:${options.port}`;
  const url = `http://${address}`;
  const [command, args] = alertmanagerCommand(bin, [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=${address}`,
    `--web.external-url=${url}`,
    // Empty: no gossip listener (HA mode off), so two of them don't fight over :9094.
    '--cluster.listen-address=',
    ...(options.extraFlags ?? []),
  ]);

  const start = () => startReady({ name: 'alertmanager', command, args, logFile: options.logFile, detached: options.detached, group: options.group }, () => httpOk(`${url}/-/ready`), 'ready');
  let proc = await start();

  const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, { method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text === '' ? undefined : JSON.parse(text);
  };

  return {
    url,
    address,
    dir,
    configFile,
    process: () => proc,
    alerts: async () => (await call('GET', '/api/v2/alerts')) as GettableAlert[],
    async postAlerts(alerts) {
      await call('POST', '/api/v2/alerts', alerts);
    },
    postSilence: async (silence) => ((await call('POST', '/api/v2/silences', silence)) as { silenceID: string }).silenceID,
    async restart() {
      await proc.stop();
      proc = await start();
    },
    async stop() {
      await proc.stop();
    },
    stderr: () => proc.lastLines(200).join('\n'),
  };
}
