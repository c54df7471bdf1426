// `npm run stack` end to end: its entry (stack/main.ts) runs as a child
// process on free ports, as a user would run it, and the test reads what the
// user reads (the banner, the pager's lines) and asks the real Prometheus and
// Alertmanager what they loaded. The fault switch makes HttpErrorRatioHigh
// reach the local pager and resolve; Ctrl-C leaves no process behind; a taken
// port and a dead child are reported plainly.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import type { AlertmanagerConfigFile, Route } from '../../alerts/alertmanager/schema.ts';
import { GENERATED_DIR } from '../../alerts/build.ts';
import { configFor } from '../../signals/alert-settings.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { recordingRules } from '../../signals/recording-rules.ts';
import { runbookUrl } from '../../alerts/lib/compile.ts';
import { isAlert, type RuleGroup } from '../../signals/rule-types.ts';
import { withShorterWindows } from '../../alerts/lib/windows.ts';
import { WEBHOOK_URL_FILE } from '../../stack/alertmanager.ts';
import { parseStackConfig, PORTS, StackConfigError } from '../../stack/stack-settings.ts';
import { formatNotification } from '../../stack/pager.ts';
import { QUICK, stackRules } from '../../stack/rules.ts';
import { freePort, waitFor } from '../support/net.ts';

const MAIN = fileURLToPath(new URL('../../stack/main.ts', import.meta.url));
const ALERT = 'HttpErrorRatioHigh';

// ---------------------------------------------------------------------------
// Running the stack as a user does

interface Stack {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly ports: Record<keyof typeof PORTS, number>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the index in stdout where `pattern` first matched (already or later). */
  waitForOutput(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray>;
  readonly exited: Promise<number | null>;
}

const stacks: Stack[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  for (const s of stacks) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const pid of stacks.flatMap((s) => (s.child.pid === undefined ? [] : descendants(s.child.pid)))) process.kill(pid, 'SIGKILL');
  await Promise.all(tempDirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const dataDir = await mkdtemp(join(tmpdir(), 'stack-test-'));
  tempDirs.push(dataDir);
  const ports = { service: await freePort(), prometheus: await freePort(), alertmanager: await freePort(), pager: await freePort() };
  const portEnv = Object.fromEntries(Object.entries(ports).map(([c, p]) => [PORTS[c as keyof typeof PORTS].variable, String(p)]));
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...portEnv, STACK_DATA_DIR: dataDir, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const stack: Stack = {
    child,
    dataDir,
    ports,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitForOutput(pattern, timeoutMs, what) {
      let m: RegExpExecArray | null = null;
      await waitFor(
        () => {
          if (child.exitCode !== null) throw new Error(`the stack exited with ${child.exitCode} while waiting for ${what}:\n${out}\n${err}`);
          return (m = pattern.exec(out)) !== null;
        },
        timeoutMs,
        `no ${what} in the stack's output after ${timeoutMs / 1000} s:\n${out}\n${err}`,
        100,
      );
      return m!;
    },
  };
  stacks.push(stack);
  return stack;
}

/** Every process below `pid`, from /proc (children, their children, ...). */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number)) {
    try {
      // The command name may contain spaces and parentheses: the fields after the last ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(entry, ppid);
    } catch {
      // Gone since the listing.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== p || out.includes(child)) continue;
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** Gone, or a zombie waiting for a parent that is gone too: either way not running. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

const commandOf = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);

/** The URL printed on the banner row that starts with `name`. */
function bannerUrl(banner: string, name: string): string {
  const m = new RegExp(`^ {2}${name}\\s+(http://\\S+)`, 'm').exec(banner);
  if (!m) throw new Error(`no ${name} row in the banner:\n${banner}`);
  return m[1]!;
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return (await res.json()) as T;
}

interface PromRules {
  groups: { name: string; file: string; rules: { name: string; query: string; health: string; lastError?: string; duration?: number; type: string }[] }[];
}

/** Drops what Alertmanager adds when it prints a route back (`continue: false`). */
function normalRoute(route: Route): Route {
  const { continue: cont, routes, ...rest } = route;
  return { ...rest, ...(cont === true && { continue: true }), ...(routes && { routes: routes.map(normalRoute) }) };
}

const names = (groups: readonly RuleGroup[]) => groups.map((g) => g.name).sort();

// ---------------------------------------------------------------------------
// Pure parts

describe('the stack\'s settings and pieces', () => {
  test('defaults: ports 8080 / 9090 / 9093 / 9095, quick rules of production, 20 requests/s, a temp data folder', () => {
    expect(parseStackConfig({})).toEqual({ ports: { service: 8080, prometheus: 9090, alertmanager: 9093, pager: 9095 }, rules: 'quick', env: 'production', trafficRps: 20, dataDir: undefined });
  });

  test('every bad setting is reported at once, each naming its variable', () => {
    const bad = { STACK_SERVICE_PORT: '80x', STACK_PAGER_PORT: '9090', STACK_RULES: 'fast', STACK_ENV: 'prod', STACK_TRAFFIC_RPS: '-1' };
    expect(() => parseStackConfig(bad)).toThrow(StackConfigError);
    expect(() => parseStackConfig(bad)).toThrow(
      expect.objectContaining({
        problems: [
          'STACK_SERVICE_PORT="80x": must be a port number from 1 to 65535',
          'STACK_PROMETHEUS_PORT and STACK_PAGER_PORT are both 9090: each component needs a port of its own',
          'STACK_TRAFFIC_RPS="-1": must be a number from 0 to 1000 (requests per second; 0 = no generated traffic)',
          'STACK_RULES="fast": must be one of quick, generated',
          'STACK_ENV="prod": must be one of development, staging, production',
        ],
      }),
    );
  });

  test('shortening windows changes only the named group\'s range selectors, and refuses to do nothing', () => {
    const groups = allGroups(configFor('production'));
    const short = withShorterWindows(groups, recordingRules().name, '5m', '30s');
    const http = short.find((g) => g.name === recordingRules().name)!;
    expect(http.rules.map((r) => r.expr).join('\n')).not.toContain('[5m]');
    expect(http.rules.filter((r) => r.expr.includes('[30s]')).length).toBeGreaterThan(0);
    expect(short.filter((g) => g.name !== recordingRules().name)).toEqual(groups.filter((g) => g.name !== recordingRules().name));
    expect(() => withShorterWindows(groups, 'no-such-group', '5m', '30s')).toThrow('no rule group named no-such-group');
    expect(() => withShorterWindows(groups, recordingRules().name, '7m', '30s')).toThrow('use no [7m] window');
  });

  test('the quick rules are the generated groups, built from the same sources: only `for` of the service alerts and the http-recording windows differ', () => {
    const quick = stackRules('quick', 'production');
    const generated = stackRules('generated', 'production');
    expect(names(quick.groups)).toEqual(names(generated.groups));
    expect('text' in quick.ruleFile && quick.ruleFile.text).toContain(`[${QUICK.window}]`);
    expect(generated.ruleFile).toEqual({ path: join(GENERATED_DIR, 'production', 'rules.yml') });
    const alertsOf = (r: typeof quick) => r.groups.flatMap((g) => g.rules.filter(isAlert));
    const changed = alertsOf(quick).filter((a, i) => a.for !== alertsOf(generated)[i]!.for).map((a) => a.alert);
    expect(new Set(changed)).toEqual(new Set(['HttpErrorRatioHigh', 'HttpLatencyP95High', 'HttpLatencyP99High', 'TargetDown']));
  });

  test('a notification prints as alert, severity, labels and receiver, then summary, description and runbook; a resolved one in one line', () => {
    const alert = {
      labels: { alertname: ALERT, severity: 'critical', job: 'demo-shop' },
      annotations: { summary: 'A service answers too many requests with 5xx errors.', description: 'demo-shop answered 48% ...', runbook_url: 'https://example.com/HttpErrorRatioHigh.md' },
      startsAt: '2026-01-01T10:00:00Z',
      endsAt: '2026-01-01T10:01:09Z',
    };
    const at = new Date(2026, 0, 1, 11, 2, 3);
    expect(formatNotification({ status: 'firing', receiver: 'pager', alerts: [{ ...alert, status: 'firing' }] }, at, false)).toEqual([
      '11:02:03 FIRING   HttpErrorRatioHigh critical job=demo-shop -> pager',
      '         A service answers too many requests with 5xx errors.',
      '         demo-shop answered 48% ...',
      '         runbook: https://example.com/HttpErrorRatioHigh.md',
    ]);
    expect(formatNotification({ status: 'resolved', receiver: 'pager', alerts: [{ ...alert, status: 'resolved' }] }, at, false)).toEqual([
      '11:02:03 RESOLVED HttpErrorRatioHigh critical job=demo-shop -> pager (fired for 1m09s)',
    ]);
  });
});

// ---------------------------------------------------------------------------
// The whole stack

test(
  'npm run stack starts everything; the fault switch pages HttpErrorRatioHigh on the local pager and clearing it resolves; Ctrl-C leaves no process behind',
  { timeout: 170_000 },
  async () => {
    const started = Date.now();
    const log = (msg: string) => console.log(`[+${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
    const stack = await startStack();
    await stack.waitForOutput(/Ctrl-C stops everything\./, 60_000, 'banner');
    const banner = stack.stdout();
    log('banner printed');

    // The banner: every URL, the mode, and the fault switch.
    const { service, prometheus, alertmanager, pager } = stack.ports;
    const serviceUrl = bannerUrl(banner, 'demo service');
    const prometheusUrl = bannerUrl(banner, 'Prometheus');
    const alertmanagerUrl = bannerUrl(banner, 'Alertmanager');
    expect(serviceUrl).toBe(`http://127.0.0.1:${service}`);
    expect(bannerUrl(banner, 'its metrics')).toBe(`http://127.0.0.1:${service}/metrics`);
    expect(prometheusUrl).toBe(`http://127.0.0.1:${prometheus}`);
    expect(bannerUrl(banner, ' {2}rules')).toBe(`http://127.0.0.1:${prometheus}/rules`);
    expect(bannerUrl(banner, ' {2}alerts')).toBe(`http://127.0.0.1:${prometheus}/alerts`);
    expect(alertmanagerUrl).toBe(`http://127.0.0.1:${alertmanager}`);
    expect(bannerUrl(banner, 'local pager')).toBe(`http://127.0.0.1:${pager}/`);
    expect(banner).toContain('QUICK DEMO rules of production');
    expect(banner).toContain(`curl -X PUT ${serviceUrl}/admin/fault -H 'content-type: application/json' -d '{"error_ratio":0.5}'`);
    expect(banner).toContain(`curl -X DELETE ${serviceUrl}/admin/fault`);
    expect(banner).toContain(stack.dataDir);

    // Three children, the stack's own: the demo, Prometheus, Alertmanager.
    const children = descendants(stack.child.pid!);
    const commands = children.map((pid) => commandOf(pid).join(' '));
    expect(commands).toHaveLength(3);
    expect(commands.some((c) => c.includes('examples/demo-shop/main.ts'))).toBe(true);
    expect(commands.some((c) => c.includes(`--web.listen-address=127.0.0.1:${prometheus}`))).toBe(true);
    expect(commands.some((c) => c.includes(`--web.listen-address=127.0.0.1:${alertmanager}`))).toBe(true);

    // Prometheus: the service, itself and Alertmanager up; every rule group loaded and healthy.
    const quick = stackRules('quick', 'production');
    type Targets = { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
    let targets: Targets['activeTargets'] = [];
    await waitFor(
      async () => (targets = (await getJson<{ data: Targets }>(`${prometheusUrl}/api/v1/targets`)).data.activeTargets).length === 3 && targets.every((t) => t.health === 'up'),
      30_000,
      'targets not all up',
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(targets)}`);
    });
    expect(targets.map((t) => t.labels.job).sort()).toEqual(['alertmanager', 'demo-shop', 'prometheus']);
    let groups: PromRules['groups'] = [];
    await waitFor(
      async () => (groups = (await getJson<{ data: PromRules }>(`${prometheusUrl}/api/v1/rules`)).data.groups).flatMap((g) => g.rules).every((r) => r.health === 'ok'),
      30_000,
      'rules not all evaluated ok',
      500,
    ).catch((err: Error) => {
      throw new Error(`${err.message}: ${JSON.stringify(groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok'))}`);
    });
    expect(groups.map((g) => g.name).sort()).toEqual(names(allGroups(configFor('production'))));
    expect(groups.flatMap((g) => g.rules)).toHaveLength(quick.groups.flatMap((g) => g.rules).length);
    const errorAlert = groups.flatMap((g) => g.rules).find((r) => r.name === ALERT)!;
    expect(errorAlert.duration).toBe(30);
    log(`Prometheus: 3 targets up, ${groups.length} rule groups ok`);

    // Alertmanager: the generated routing and inhibition, every receiver the local pager.
    const status = await getJson<{ config: { original: string } }>(`${alertmanagerUrl}/api/v2/status`);
    const running = parse(status.config.original) as AlertmanagerConfigFile;
    const generated = parse(readFileSync(join(GENERATED_DIR, 'production', 'alertmanager.yml'), 'utf8')) as AlertmanagerConfigFile;
    expect(normalRoute(running.route)).toEqual({ ...generated.route, group_wait: QUICK.timings.groupWait, group_interval: QUICK.timings.groupInterval });
    expect(running.inhibit_rules).toEqual(generated.inhibit_rules);
    expect(running.receivers.map((r) => r.name)).toEqual(generated.receivers.map((r) => r.name));
    const urlFile = join(stack.dataDir, 'alertmanager', WEBHOOK_URL_FILE);
    expect(await readFile(urlFile, 'utf8')).toBe(`http://127.0.0.1:${pager}/`);
    for (const r of running.receivers) {
      const integrations = Object.keys(r).filter((k) => k.endsWith('_configs'));
      if (r.name === 'null') expect(integrations).toEqual([]);
      else {
        expect(integrations, r.name).toEqual(['webhook_configs']);
        expect(r.webhook_configs!.map((w) => [w.url_file, w.send_resolved])).toEqual([[urlFile, true]]);
      }
    }

    // The Watchdog's first heartbeat proves Prometheus -> Alertmanager -> pager before any fault.
    await stack.waitForOutput(/heartbeat Watchdog reached receiver heartbeat/, 30_000, 'heartbeat');
    log('heartbeat on the pager');

    // Fault on: the page prints with name, severity, summary and runbook, and is kept in pager.log.
    const rule = quick.groups.flatMap((g) => g.rules.filter(isAlert)).find((r) => r.alert === ALERT)!;
    const faultOn = Date.now();
    const on = await fetch(`${serviceUrl}/admin/fault`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"error_ratio":0.5}' });
    expect(on.status).toBe(200);
    const page = await stack.waitForOutput(new RegExp(`^\\d\\d:\\d\\d:\\d\\d FIRING +${ALERT} critical job=demo-shop -> pager\\n {9}(.*)\\n {9}(.*)\\n {9}runbook: (\\S+)$`, 'm'), 100_000, `${ALERT} page`);
    const toPage = (Date.now() - faultOn) / 1000;
    log(`fault on -> page in ${toPage.toFixed(1)} s`);
    expect(page[1]).toBe(rule.summary);
    expect(page[2]).toMatch(/^demo-shop answered \d+(\.\d+)?% of its requests with 5xx/);
    expect(page[3]).toBe(runbookUrl(quick.config, ALERT));

    // Fault off: the resolved notice.
    const faultOff = Date.now();
    expect((await fetch(`${serviceUrl}/admin/fault`, { method: 'DELETE' })).status).toBe(200);
    await stack.waitForOutput(new RegExp(`^\\d\\d:\\d\\d:\\d\\d RESOLVED ${ALERT} critical job=demo-shop -> pager \\(fired for \\d+m?\\d*s\\)$`, 'm'), 100_000, `${ALERT} resolved`);
    const toResolved = (Date.now() - faultOff) / 1000;
    log(`fault off -> resolved in ${toResolved.toFixed(1)} s`);
    const pagerLog = await readFile(join(stack.dataDir, 'logs', 'pager.log'), 'utf8');
    expect(pagerLog).toMatch(new RegExp(`FIRING +${ALERT} critical`));
    expect(pagerLog).toMatch(new RegExp(`RESOLVED ${ALERT} critical`));

    // Ctrl-C: everything stops, the stack exits 0, and none of its processes is left.
    const stopAt = Date.now();
    stack.child.kill('SIGINT');
    expect(await stack.exited).toBe(0);
    log(`Ctrl-C -> exited in ${((Date.now() - stopAt) / 1000).toFixed(1)} s`);
    expect(children.filter(isRunning)).toEqual([]);
    expect(stack.stdout()).toContain(`Stopped. Logs and data are kept in ${stack.dataDir}`);
    console.log(`fault -> page: ${toPage.toFixed(1)} s; fault off -> resolved: ${toResolved.toFixed(1)} s; whole test ${((Date.now() - started) / 1000).toFixed(1)} s`);
  },
);

test('a port already in use stops the start with the port and the variable that moves it', { timeout: 20_000 }, async () => {
  const taken: Server = createServer();
  await new Promise<void>((res) => taken.listen(0, '127.0.0.1', res));
  const port = (taken.address() as { port: number }).port;
  try {
    const stack = await startStack({ STACK_PROMETHEUS_PORT: String(port) });
    expect(await stack.exited).toBe(2);
    expect(stack.stderr()).toContain(`port ${port} on 127.0.0.1, wanted by Prometheus, is already in use: set STACK_PROMETHEUS_PORT to a free port`);
    expect(stack.stdout()).toBe('');
  } finally {
    await new Promise((res) => taken.close(res));
  }
});

test(
  'STACK_RULES=generated loads the committed rule file unchanged; a process that dies takes the stack down with its last lines shown',
  { timeout: 60_000 },
  async () => {
    const stack = await startStack({ STACK_RULES: 'generated' });
    await stack.waitForOutput(/Ctrl-C stops everything\./, 60_000, 'banner');
    expect(stack.stdout()).toContain('GENERATED rules of production');
    const ruleFile = join(GENERATED_DIR, 'production', 'rules.yml');
    expect(stack.stdout()).toContain(`${ruleFile} unchanged`);
    const prometheusUrl = bannerUrl(stack.stdout(), 'Prometheus');
    const { groups } = (await getJson<{ data: PromRules }>(`${prometheusUrl}/api/v1/rules`)).data;
    expect(groups.map((g) => g.name).sort()).toEqual(names(allGroups(configFor('production'))));
    expect(new Set(groups.map((g) => resolve(g.file)))).toEqual(new Set([ruleFile]));

    const children = descendants(stack.child.pid!);
    const prometheusPid = children.find((pid) => commandOf(pid).some((a) => a.startsWith(`--web.listen-address=127.0.0.1:${stack.ports.prometheus}`)))!;
    process.kill(prometheusPid, 'SIGKILL');
    expect(await stack.exited).toBe(1);
    expect(stack.stderr()).toContain(`prometheus (pid ${prometheusPid}) was killed by SIGKILL; stopping the rest of the stack.`);
    expect(stack.stderr()).toMatch(/Its last \d+ lines \(all of them in .*prometheus\.log\):\n {2}\| .*level=INFO/);
    expect(children.filter(isRunning)).toEqual([]);
  },
);

test.runIf(existsSync(join(dirname(process.env.ALERTMANAGER_BIN ?? '/nonexistent'), '..', 'share', 'prometheus', 'alertmanager', 'default.tmpl')) && !existsSync('/usr/share/prometheus/alertmanager/default.tmpl'))(
  'Debian\'s Alertmanager without its templates and without a way to mount them fails with ALERTMANAGER_BIN as the fix',
  { timeout: 30_000 },
  async () => {
    // No unshare on PATH: the overlay cannot be made, as on a system that forbids it.
    const stack = await startStack({ PATH: '/nonexistent' });
    expect(await stack.exited).toBe(1);
    expect(stack.stderr()).toContain('needs its notification templates at /usr/share/prometheus/alertmanager/default.tmpl');
    expect(stack.stderr()).toContain('Fix: set ALERTMANAGER_BIN=/path/to/alertmanager from an upstream release');
  },
);
