// The command lines the bundles give the stack's Go binaries, and the same
// flags moved onto this machine: only addresses and paths are rewritten
// (listen addresses to free loopback ports, config and data paths to a temp
// folder, host mounts to /), every other flag is passed as the bundle has it.
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { K8sObject } from '../../k8s/render.ts';
import { freePort } from './net.ts';

/** The components whose binaries run here (toolchain/), by the name the bundles give their container. */
export const FLAG_CHECKED = ['prometheus', 'alertmanager', 'node-exporter', 'elasticsearch-exporter'] as const;
export type FlagChecked = (typeof FLAG_CHECKED)[number];

export interface BundleCommand {
  /** "compose" or the rendered target ("overlay production"). */
  readonly bundle: string;
  readonly component: FlagChecked;
  readonly args: readonly string[];
}

/** Compose's interpolation of a command argument: ${VAR:-default} takes its default, $$ is a dollar. */
const interpolate = (arg: string): string => arg.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_, def: string | undefined) => def ?? '').replace(/\$\$/g, '$');

/** The command of each flag-checked service of a generated compose.yaml. */
export function composeCommands(composeText: string): BundleCommand[] {
  const doc = parseDocument(composeText, { merge: true }).toJSON() as { services: Record<string, { command?: string[] }> };
  return FLAG_CHECKED.filter((c) => doc.services[c]?.command !== undefined).map((component) => ({
    bundle: 'compose',
    component,
    args: doc.services[component]!.command!.map(interpolate),
  }));
}

interface Container {
  name: string;
  args?: string[];
  env?: { name: string; value?: string }[];
}

/** Kubernetes's $(VAR) expansion of a container's args, from the container's env (fieldRefs become a placeholder the rewrite replaces). */
function expandK8s(arg: string, env: readonly { name: string; value?: string }[]): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => {
    const found = env.find((e) => e.name === name);
    return found === undefined ? whole : (found.value ?? `k8s-${name.toLowerCase()}`);
  });
}

/** The args of each flag-checked container of a rendered target, by its container name. */
export function k8sCommands(target: string, objects: readonly K8sObject[]): BundleCommand[] {
  const commands: BundleCommand[] = [];
  for (const o of objects) {
    const pod = (o as { spec?: { template?: { spec?: { containers?: Container[] } } } }).spec?.template?.spec;
    for (const c of pod?.containers ?? []) {
      if (!(FLAG_CHECKED as readonly string[]).includes(c.name) || c.args === undefined) continue;
      commands.push({ bundle: target, component: c.name as FlagChecked, args: c.args.map((a) => expandK8s(a, c.env ?? [])) });
    }
  }
  return commands;
}

/** Where the rewritten flags point: a folder of the test's, and the loopback port the binary serves /metrics on. */
export interface LocalPlacement {
  readonly dir: string;
  readonly port: number;
  readonly args: string[];
}

type Rewrite = (value: string, dir: string, ports: () => Promise<number>) => Promise<string> | string;

const loopback: Rewrite = async (value, _dir, ports) => (value === '' ? '' : `127.0.0.1:${await ports()}`);

/** Flags whose value is an address or a path on the machine the bundle runs on; nothing else is touched. */
const REWRITES: Readonly<Record<string, Rewrite>> = {
  'config.file': (_v, dir) => join(dir, 'config.yml'),
  'storage.tsdb.path': (_v, dir) => join(dir, 'data'),
  'storage.path': (_v, dir) => join(dir, 'data'),
  'cluster.listen-address': loopback,
  'cluster.advertise-address': loopback,
  'cluster.peer': loopback,
  'path.rootfs': () => '/',
  'path.procfs': () => '/proc',
  'path.sysfs': () => '/sys',
  'path.udev.data': () => '/run/udev/data',
  'es.uri': async (_v, _d, ports) => `http://127.0.0.1:${await ports()}`,
};

/** The bundle's args with addresses and paths moved here, and its web listener on a free loopback port. */
export async function localArgs(command: BundleCommand, dir: string): Promise<LocalPlacement> {
  const port = await freePort();
  const args: string[] = [];
  for (const arg of command.args) {
    const m = /^--([\w.-]+)=(.*)$/s.exec(arg);
    const rewrite = m ? REWRITES[m[1]!] : undefined;
    if (m?.[1] === 'web.listen-address') continue;
    args.push(m && rewrite ? `--${m[1]}=${await rewrite(m[2]!, dir, freePort)}` : arg);
  }
  args.push(`--web.listen-address=127.0.0.1:${port}`);
  return { dir, port, args };
}

/** The smallest config each binary with a --config.file accepts: the test is about flags, not the config. */
export const MINIMAL_CONFIG: Readonly<Partial<Record<FlagChecked, string>>> = {
  prometheus: 'global:\n  scrape_interval: 15s\n',
  alertmanager: 'route:\n  receiver: none\nreceivers:\n  - name: none\n',
};
