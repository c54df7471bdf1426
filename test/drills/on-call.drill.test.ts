// On-call drills on the running demo stack (`npm run stack`, quick rules), as
// an on-call person lives them. Long: run by `npm run test:drills`, not `npm test`.
//
// 1. Soak: the demo at steady traffic for DRILL_SOAK_MINUTES (default 10) on a
//    host kept busy by CPU burners (nice 19, one per CPU): nothing reaches the
//    local pager but the Watchdog's heartbeat.
// 2. Fault: 50% of the demo's requests fail for 60 seconds: exactly one page
//    notification (and its resolve) reaches the pager, and a warning of another
//    service raised during the incident is still delivered (inhibition stays
//    within the paged service).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, test } from 'vitest';
import { catalog } from '../../catalog/index.ts';
import type { Notification } from '../../stack/pager.ts';
import { PORTS, SERVICE_PORT_VARIABLE } from '../../stack/stack-settings.ts';
import { freePort, waitFor } from '../support/net.ts';

const CONFIG = fileURLToPath(new URL('../../examples/demo-shop/observability.config.ts', import.meta.url));
const CLI = fileURLToPath(new URL('../../cli/main.ts', import.meta.url));
const SOAK_MINUTES = Number(process.env.DRILL_SOAK_MINUTES ?? 10);
const BURNERS = Number(process.env.DRILL_CPU_BURNERS ?? availableParallelism());
const FAULT_SECONDS = 60;
/** The fast-burn page's 5-minute window forgets the fault about 4.5 minutes after it ends; then group_interval. */
const RESOLVE_WITHIN_MS = 9 * 60_000;

const children: ChildProcess[] = [];
let dataDir = '';
afterAll(async () => {
  for (const c of children.reverse()) if (c.exitCode === null) c.kill('SIGINT');
  await new Promise((r) => setTimeout(r, 3000));
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
});

const log = (msg: string) => console.log(`[drill ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function notifications(): Promise<Notification[]> {
  const text = await readFile(join(dataDir, 'logs', 'notifications.jsonl'), 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Notification);
}

const isWatchdog = (n: Notification) => n.alerts.every((a) => a.labels.alertname === 'Watchdog');
const summarize = (n: Notification) => `${n.status} -> ${n.receiver}: ${n.alerts.map((a) => `${a.labels.alertname}{${Object.entries(a.labels).filter(([k]) => k !== 'alertname').map(([k, v]) => `${k}=${v}`).join(',')}} ${a.status}`).join('; ')}`;

test(
  `on-call drills: a ${SOAK_MINUTES}-minute soak on a busy host pages nobody; a ${FAULT_SECONDS}-second fault pages once and resolves, and another service's warning still arrives`,
  { timeout: (SOAK_MINUTES + 20) * 60_000 },
  async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'drill-'));
    const ports = { service: await freePort(), prometheus: await freePort(), alertmanager: await freePort(), pager: await freePort() };
    const env = {
      ...process.env,
      [SERVICE_PORT_VARIABLE]: String(ports.service),
      [PORTS.prometheus.variable]: String(ports.prometheus),
      [PORTS.alertmanager.variable]: String(ports.alertmanager),
      [PORTS.pager.variable]: String(ports.pager),
      STACK_DATA_DIR: dataDir,
      NO_COLOR: '1',
    };
    const stack = spawn(process.execPath, [CLI, 'stack', '--config', CONFIG, '--demo'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(stack);
    let out = '';
    stack.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    stack.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor(() => out.includes('Ctrl-C stops everything.'), 120_000, `the stack did not start:\n${out}`, 500);
    await waitFor(() => out.includes('heartbeat Watchdog reached receiver heartbeat'), 60_000, `no heartbeat:\n${out}`, 500);
    log('stack up, heartbeat on the pager');

    // The busy host: burners at the lowest priority, so the demo and the stack still get the CPU they ask for.
    for (let i = 0; i < BURNERS; i++) children.push(spawn('nice', ['-n', '19', process.execPath, '-e', 'for (;;) {}'], { stdio: 'ignore' }));
    log(`${BURNERS} CPU burner(s) on; soaking ${SOAK_MINUTES} minutes at steady traffic`);
    await sleep(SOAK_MINUTES * 60_000);
    const prometheus = `http://127.0.0.1:${ports.prometheus}`;
    const query = async (q: string) => ((await (await fetch(`${prometheus}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } }).data.result;
    const cpu = catalog.system;
    const hostBusy = await query(`1 - max by (instance) (rate(${cpu.cpuTime.name}{state="idle"}[5m])) / max by (instance) (${cpu.cpuLogicalCount.name})`);
    const firingInPrometheus = (await query('ALERTS{alertstate="firing"}')).map((r) => `${r.metric.alertname}/${r.metric.severity}`);
    const soak = (await notifications()).filter((n) => !isWatchdog(n));
    log(`soak over: host CPU busy ${hostBusy.map((r) => Number(r.value[1]).toFixed(2)).join(', ')}; firing in Prometheus: ${firingInPrometheus.join(', ')}`);
    log(`soak notifications but the Watchdog's: ${soak.length}${soak.map((n) => `\n  ${summarize(n)}`).join('')}`);
    for (const c of children.splice(1)) c.kill('SIGKILL');
    expect(soak.map(summarize)).toEqual([]);

    // The fault: 60 seconds of 50% errors.
    const service = `http://127.0.0.1:${ports.service}`;
    const before = (await notifications()).length;
    const faultOn = Date.now();
    expect((await fetch(`${service}/admin/fault`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"error_ratio":0.5}' })).status).toBe(200);
    log('fault on');
    // Meanwhile another service, of the platform team, raises a warning of the kind the page inhibits for its own service.
    await sleep(30_000);
    const other = { labels: { alertname: 'HttpLatencyP95High', severity: 'warning', job: 'billing' }, annotations: { summary: 'A service answers slowly: its 95th percentile latency is high.' } };
    const raise = () => fetch(`http://127.0.0.1:${ports.alertmanager}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([other]) });
    expect((await raise()).status).toBe(200);
    await sleep(FAULT_SECONDS * 1000 - (Date.now() - faultOn));
    expect((await fetch(`${service}/admin/fault`, { method: 'DELETE' })).status).toBe(200);
    const faultOff = Date.now();
    log('fault off');

    const since = async () => (await notifications()).slice(before).filter((n) => !isWatchdog(n));
    const pages = (ns: Notification[], status: 'firing' | 'resolved') => ns.filter((n) => n.receiver === 'pager' && n.status === status);
    await waitFor(async () => pages(await since(), 'resolved').length > 0, RESOLVE_WITHIN_MS, 'the page did not resolve', 5000).catch(() => undefined);
    // Keep the other service's warning alive (Alertmanager resolves an alert not re-sent) until we have looked.
    await raise();
    const drill = await since();
    log(`fault drill: ${drill.length} notifications (fault ${FAULT_SECONDS} s; resolved ${((Date.now() - faultOff) / 1000).toFixed(0)} s after it ended)${drill.map((n) => `\n  ${summarize(n)}`).join('')}`);
    const firstPage = pages(drill, 'firing')[0];
    if (firstPage) log(`fault -> page: ${((Date.parse(firstPage.alerts[0]!.startsAt) - faultOn) / 1000).toFixed(0)} s (alert start)`);

    expect(pages(drill, 'firing').map(summarize)).toHaveLength(1);
    expect(pages(drill, 'resolved').map(summarize)).toHaveLength(1);
    // One incident, one notification per state for the shop's team: nothing else about its service (no threshold warning to chat or ticket).
    expect(drill.filter((n) => n.alerts.some((a) => a.labels.job !== 'billing')).map((n) => `${n.receiver}:${n.status}`)).toEqual(['pager:firing', 'pager:resolved']);
    // The other service's warning reached its team's (the platform team's) warning receivers: not hidden by the page.
    expect(drill.filter((n) => n.alerts.some((a) => a.labels.job === 'billing' && a.status === 'firing')).map((n) => n.receiver).sort()).toEqual(['chat', 'ticket']);
  },
);
