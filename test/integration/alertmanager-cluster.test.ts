// Two real Alertmanagers as a cluster, the way the production overlay runs
// three: each listens for the gossip mesh on a loopback port and names the
// other with --cluster.peer. Prometheus sends every alert to every replica;
// the cluster shares its notification log, so the receiver hears of the
// alert once. Two Alertmanagers without the mesh notify twice: the check
// below can fail.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { alertmanagerCommand } from '../../stack/alertmanager.ts';
import { httpOk, type ManagedProcess, startReady } from '../../stack/processes.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { freePort, waitFor } from '../support/net.ts';
import { startWebhook, type WebhookServer } from '../support/webhook.ts';

interface Replica {
  readonly url: string;
  readonly proc: ManagedProcess;
}

const running: ManagedProcess[] = [];
let webhook: WebhookServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.stop(5_000)));
  await webhook?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = (url: string) =>
  ['route:', '  receiver: team', '  group_by: [alertname]', '  group_wait: 1s', '  group_interval: 1s', '  repeat_interval: 1h', 'receivers:', '  - name: team', '    webhook_configs:', `      - url: ${url}`, ''].join('\n');

/** One Alertmanager on loopback; `mesh` is its gossip port and its peers' (none: no cluster, as the one-replica overlays run). */
async function replica(name: string, mesh?: { listen: number; peers: readonly number[] }): Promise<Replica> {
  const home = join(dir!, name);
  await mkdir(join(home, 'data'), { recursive: true });
  await writeFile(join(home, 'alertmanager.yml'), config(webhook!.url));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const cluster = mesh
    ? [
        `--cluster.listen-address=127.0.0.1:${mesh.listen}`,
        `--cluster.advertise-address=127.0.0.1:${mesh.listen}`,
        ...mesh.peers.map((p) => `--cluster.peer=127.0.0.1:${p}`),
        // Each replica waits its position × this before notifying, for the first to share its log (default 15s).
        '--cluster.peer-timeout=3s',
      ]
    : ['--cluster.listen-address='];
  const [command, args] = alertmanagerCommand(await resolveTool('alertmanager'), [
    `--config.file=${join(home, 'alertmanager.yml')}`,
    `--storage.path=${join(home, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    ...cluster,
  ]);
  const proc = await startReady({ name, command, args }, () => httpOk(`${url}/-/ready`), 'ready');
  running.push(proc);
  return { url, proc };
}

const peersOf = async (r: Replica): Promise<number> => ((await (await fetch(`${r.url}/api/v2/status`)).json()) as { cluster: { peers?: unknown[] } }).cluster.peers?.length ?? 0;

/** The same alert POSTed to each replica, as Prometheus does; resolves with the notifications the receiver got within `settleMs`. */
async function notifyOnceEach(replicas: readonly Replica[], settleMs: number): Promise<number> {
  const alert = [{ labels: { alertname: 'ClusterCheck', severity: 'critical' }, annotations: { summary: 'One alert, two Alertmanagers.' } }];
  for (const r of replicas) {
    const res = await fetch(`${r.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alert) });
    expect(res.ok).toBe(true);
  }
  await webhook!.waitFor((n) => n.alerts.some((a) => a.labels.alertname === 'ClusterCheck'), 30_000, 'no notification');
  await new Promise((r) => setTimeout(r, settleMs));
  return webhook!.received.filter((n) => n.body.alerts.some((a) => a.labels.alertname === 'ClusterCheck')).length;
}

describe('two Alertmanagers', () => {
  it('in a cluster (--cluster.listen-address, --cluster.peer) notify once of an alert both received', async () => {
    dir = await mkdtemp(join(tmpdir(), 'am-cluster-'));
    webhook = await startWebhook();
    const [a, b] = [await freePort(), await freePort()];
    const first = await replica('am-0', { listen: a, peers: [b] });
    const second = await replica('am-1', { listen: b, peers: [a] });
    await waitFor(async () => (await peersOf(first)) === 2 && (await peersOf(second)) === 2, 20_000, 'the two Alertmanagers did not join one cluster');

    // The second replica would send after its 3 s peer timeout: 10 s is past that, with margin for a loaded machine.
    expect(await notifyOnceEach([first, second], 10_000)).toBe(1);
  }, 90_000);

  it('without the mesh notify twice (what the cluster prevents)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'am-cluster-'));
    webhook = await startWebhook();
    const first = await replica('am-0');
    const second = await replica('am-1');

    expect(await notifyOnceEach([first, second], 5_000)).toBe(2);
  }, 60_000);
});
