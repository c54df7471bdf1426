// Starts a real Alertmanager on loopback, with any config or with the kit's
// routing and inhibition (the test profile of alerts/alertmanager: every
// receiver a webhook to a test server, short timings), and wraps its v2 API.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { alertmanagerConfig, alertmanagerYaml, notificationTemplates, type Timings } from '../../alerts/alertmanager/index.ts';
import type { Environment } from '../../alerts/config.ts';
import { resolveTool } from '../../scripts/tools.ts';
import { freePort, waitFor } from './net.ts';

export interface AlertmanagerOptions {
  /** The alertmanager.yml text, or a function of the folder it is written to (for absolute paths of files beside it). */
  readonly config: string | ((dir: string) => string);
  /** Files to write beside it (templates, secrets), by path relative to that folder. */
  readonly files?: Readonly<Record<string, string>>;
  readonly extraFlags?: readonly string[];
}

export interface KitAlertmanagerOptions {
  /** Every receiver posts here (the URL is written to a file, as a real secret would be). */
  readonly webhookUrl: string;
  /** Environment whose routing tree and inhibition rules are used; default production. */
  readonly env?: Environment;
  /** Default: group_wait 1s, group_interval 1s, repeat_interval 1h (a repeat shows up as a duplicate). */
  readonly timings?: Partial<Timings>;
  readonly extraFlags?: readonly string[];
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

export interface RunningAlertmanager {
  readonly url: string;
  /** host:port, as Prometheus's alerting config wants it. */
  readonly address: string;
  readonly dir: string;
  readonly configFile: string;
  /** GET /api/v2/alerts (active, silenced and inhibited alike). */
  alerts(): Promise<GettableAlert[]>;
  postAlerts(alerts: readonly PostableAlert[]): Promise<void>;
  /** Stops the process (SIGTERM: it snapshots its notification log) and starts it again on the same port and storage path. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  stderr(): string;
}

/**
 * Debian's Alertmanager does not embed its default notification templates: it
 * reads /usr/share/prometheus/alertmanager/default.tmpl and refuses any config
 * without it ("failed to parse templates"). The copy unpacked into the tools
 * cache (scripts/tools.ts) has the file beside the binary, under ../share. When
 * the system has no such file, the binary runs in a private mount namespace
 * where an overlay puts the package's share/ on top of /usr/share (root: a
 * mount namespace; others: a user namespace mapped to root). Binaries from
 * release tarballs or Homebrew embed the templates and run as they are.
 */
export function alertmanagerCommand(bin: string, args: readonly string[]): [string, string[]] {
  const systemTemplates = '/usr/share/prometheus/alertmanager/default.tmpl';
  const packageShare = resolve(dirname(bin), '..', 'share');
  if (existsSync(systemTemplates) || !existsSync(join(packageShare, 'prometheus', 'alertmanager', 'default.tmpl'))) return [bin, [...args]];
  const namespaces = process.getuid?.() === 0 ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
  const script = 'mount -t overlay overlay -o "lowerdir=$1:/usr/share" /usr/share && shift && exec "$@"';
  return ['unshare', [...namespaces, 'sh', '-c', script, 'sh', packageShare, bin, ...args]];
}

const TEST_TIMINGS: Timings = { groupWait: '1s', groupInterval: '1s', repeatInterval: '1h' };

/** The kit's routing and inhibition for `env`, every receiver a webhook to `webhookUrl`, short timings. */
export function startKitAlertmanager(options: KitAlertmanagerOptions): Promise<RunningAlertmanager> {
  const timings = { ...TEST_TIMINGS, ...options.timings };
  const urlFile = 'secrets/webhook-url';
  return startAlertmanager({
    config: (dir) => alertmanagerYaml(alertmanagerConfig(options.env ?? 'production', { webhookUrlFile: join(dir, urlFile), timings, heartbeat: timings })),
    files: { [urlFile]: options.webhookUrl, ...Object.fromEntries(notificationTemplates()) },
    ...(options.extraFlags && { extraFlags: options.extraFlags }),
  });
}

export async function startAlertmanager(options: AlertmanagerOptions): Promise<RunningAlertmanager> {
  const bin = await resolveTool('alertmanager');
  const dir = await mkdtemp(join(tmpdir(), 'am-test-'));
  const configFile = join(dir, 'alertmanager.yml');
  await writeFile(configFile, typeof options.config === 'string' ? options.config : options.config(dir));
  for (const [name, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }

  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const url = `http://${address}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=${address}`,
    `--web.external-url=${url}`,
    // Empty: no gossip listener (HA mode off), so parallel tests don't fight over :9094.
    '--cluster.listen-address=',
    ...(options.extraFlags ?? []),
  ];

  let child: ChildProcess;
  let exited: Promise<void>;
  let stderr = '';
  const start = async () => {
    // unshare and sh exec in place: the child's pid is Alertmanager's, so SIGTERM reaches it.
    const [command, argv] = alertmanagerCommand(bin, args);
    child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-16000);
    });
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const proc = child;
    await waitFor(async () => {
      if (proc.exitCode !== null) throw new Error(`alertmanager exited with ${proc.exitCode}:\n${stderr}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
    }, 30_000, `alertmanager did not become ready:\n${stderr}`, 100);
  };
  const halt = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await start();
  } catch (err) {
    child!.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    url,
    address,
    dir,
    configFile,
    async alerts() {
      const res = await fetch(`${url}/api/v2/alerts`);
      if (!res.ok) throw new Error(`GET /api/v2/alerts: ${res.status} ${await res.text()}`);
      return (await res.json()) as GettableAlert[];
    },
    async postAlerts(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      if (!res.ok) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
    },
    async restart() {
      await halt();
      await start();
    },
    async stop() {
      await halt();
      await rm(dir, { recursive: true, force: true });
    },
    stderr: () => stderr,
  };
}
