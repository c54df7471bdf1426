// The local stack end to end. `npm run stack` (`observability-kit stack --demo` on the
// demo's project config) runs as a child process on free ports, as a user
// would run it, and the test reads what the user reads (the banner, the
// pager's lines) and asks the real Prometheus and Alertmanager what they
// loaded: the fault switch makes the availability SLO's page reach the local pager and
// resolve; Ctrl-C leaves no process behind; a taken port is reported plainly.
// Then the stack runs for a project that is not the demo: a small Express app
// of its own, one service started with its `command`, one scraped where it
// runs, with the rules `generate` wrote; a dead Prometheus takes that stack down.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { afterAll, describe, expect, test } from 'vitest';
import demoConfig from '../../examples/demo-shop/observability.config.ts';
import type { AlertmanagerConfigFile, Route } from '../../alerts/alertmanager/schema.ts';
import { WEBHOOK_URL_FILE } from '../../alerts/alertmanager/index.ts';
import { buildAlerts } from '../../alerts/build.ts';
import { configFor } from '../../signals/alert-settings.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { recordingRules } from '../../signals/recording-rules.ts';
import { runbookUrl } from '../../alerts/lib/compile.ts';
import { validateProject } from '../../signals/project/validate.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { isAlert, type RuleGroup } from '../../signals/rule-types.ts';
import { withShorterWindows } from '../../alerts/lib/windows.ts';
import { formatNotification } from '../../stack/pager.ts';
import { planStack, resolveStack } from '../../stack/plan.ts';
import { QUICK, generatedRuleFile, stackRules } from '../../stack/rules.ts';
import { type RunningStack, startStack } from '../../stack/run.ts';
import { startServiceProcess } from '../../stack/service-process.ts';
import { PORTS, SERVICE_PORT_VARIABLE, settingsFromEnv, StackConfigError } from '../../stack/stack-settings.ts';
import { freePort, waitFor } from '../support/net.ts';

/** `npm run stack`. */
const STACK_COMMAND = [process.execPath, fileURLToPath(new URL('../../cli/main.ts', import.meta.url)), 'stack', '--config', fileURLToPath(new URL('../../examples/demo-shop/observability.config.ts', import.meta.url)), '--demo'];
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DEMO_DIR = join(REPO, 'examples', 'demo-shop');
const ALERT = 'HttpErrorRatioHigh';
/** The page a 5xx fault brings: the availability SLO's fast burn (HttpErrorRatioHigh, a warning, stands down behind it). */
const PAGE = 'ErrorBudgetBurn';
const PAGE_LABELS = 'job=demo-shop long_window=1h short_window=5m slo=demo-shop-availability';
const demo = validateProject(demoConfig);
const DEMO_FILE = join(DEMO_DIR, 'observability.config.ts');

// ---------------------------------------------------------------------------
// Running the stack as a user does

interface Stack {
  readonly child: ChildProcess;
  readonly dataDir: string;
  readonly ports: Record<keyof typeof PORTS | 'service', number>;
  stdout(): string;
  stderr(): string;
  /** Resolves with the match of `pattern` in stdout (already there or later). */
  waitForOutput(pattern: RegExp, timeoutMs: number, what: string): Promise<RegExpExecArray>;
  readonly exited: Promise<number | null>;
}

const stacks: Stack[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const s of stacks) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const pid of stacks.flatMap((s) => (s.child.pid === undefined ? [] : descendants(s.child.pid)))) process.kill(pid, 'SIGKILL');
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function startDemoStack(env: Record<string, string> = {}): Promise<Stack> {
  const dataDir = await tempDir('stack-test-');
  const ports = { service: await freePort(), prometheus: await freePort(), alertmanager: await freePort(), pager: await freePort() };
  const portEnv = {
    [SERVICE_PORT_VARIABLE]: String(ports.service),
    ...Object.fromEntries((Object.keys(PORTS) as (keyof typeof PORTS)[]).map((c) => [PORTS[c].variable, String(ports[c])])),
  };
  const child = spawn(STACK_COMMAND[0]!, STACK_COMMAND.slice(1), {
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
    waitForOutput: (pattern, timeoutMs, what) => waitForText(() => out, pattern, timeoutMs, what, () => (child.exitCode !== null ? `the stack exited with ${child.exitCode}:\n${out}\n${err}` : undefined)),
  };
  stacks.push(stack);
  return stack;
}

async function waitForText(text: () => string, pattern: RegExp, timeoutMs: number, what: string, gone: () => string | undefined = () => undefined): Promise<RegExpExecArray> {
  let m: RegExpExecArray | null = null;
  await waitFor(
    () => {
      const why = gone();
      if (why !== undefined) throw new Error(`${why} (exited with no ${what})`);
      return (m = pattern.exec(text())) !== null;
    },
    timeoutMs,
    `no ${what} in the stack's output after ${timeoutMs / 1000} s:\n${text()}`,
    100,
  );
  return m!;
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
type Targets = { activeTargets: { labels: Record<string, string>; scrapeUrl: string; health: string; lastError: string }[] };

/** Waits until Prometheus has `count` targets, all up. */
async function targetsUp(prometheusUrl: string, count: number): Promise<Targets['activeTargets']> {
  let targets: Targets['activeTargets'] = [];
  await waitFor(
    async () => (targets = (await getJson<{ data: Targets }>(`${prometheusUrl}/api/v1/targets`)).data.activeTargets).length === count && targets.every((t) => t.health === 'up'),
    30_000,
    'targets not all up',
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(targets)}`);
  });
  return targets;
}

/** Waits until every rule Prometheus loaded has been evaluated without error. */
async function rulesHealthy(prometheusUrl: string): Promise<PromRules['groups']> {
  let groups: PromRules['groups'] = [];
  await waitFor(
    async () => (groups = (await getJson<{ data: PromRules }>(`${prometheusUrl}/api/v1/rules`)).data.groups).length > 0 && groups.flatMap((g) => g.rules).every((r) => r.health === 'ok'),
    30_000,
    'rules not all evaluated ok',
    500,
  ).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok'))}`);
  });
  return groups;
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
  test('defaults: the service on its configured port, started with its command in the config\'s folder; ports 9090 / 9093 / 9095; quick rules of the first environment', () => {
    const resolved = resolveStack({ project: demo, configFile: DEMO_FILE, demoExtras: {} });
    expect(resolved).toMatchObject({ env: 'production', rules: 'quick', ports: { prometheus: 9090, alertmanager: 9093, pager: 9095 }, dataDir: undefined, demoExtras: { trafficRps: 20 } });
    expect(resolved.services).toEqual([
      { kind: 'started', name: 'demo-shop', command: ['node', 'main.ts'], cwd: DEMO_DIR, port: 8080, metricsUrl: new URL('http://127.0.0.1:8080/metrics') },
    ]);
    expect(settingsFromEnv({}, demo)).toEqual({ ports: {}, servicePorts: {}, rules: undefined, env: undefined, trafficRps: undefined, dataDir: undefined });
  });

  test('every bad STACK_* variable is reported at once, each naming its variable; the environments are the project\'s own', () => {
    const bad = { STACK_SERVICE_PORT: '80x', STACK_PAGER_PORT: '0', STACK_RULES: 'fast', STACK_ENV: 'prod', STACK_TRAFFIC_RPS: '-1' };
    expect(() => settingsFromEnv(bad, demo)).toThrow(StackConfigError);
    expect(() => settingsFromEnv(bad, demo)).toThrow(
      expect.objectContaining({
        problems: [
          'STACK_PAGER_PORT="0": must be a port number from 1 to 65535',
          'STACK_SERVICE_PORT="80x": must be a port number from 1 to 65535',
          'STACK_TRAFFIC_RPS="-1": must be a number from 0 to 1000 (requests per second; 0 = no generated traffic)',
          'STACK_RULES="fast": must be one of quick, generated',
          'STACK_ENV="prod": must be one of production, staging, development',
        ],
      }),
    );
    expect(settingsFromEnv({ STACK_SERVICE_PORT: '18080', STACK_ENV: 'staging' }, demo)).toMatchObject({ servicePorts: { 'demo-shop': 18080 }, env: 'staging' });
  });

  test('two components on one port, a service without command or URL, and a URL for no service are reported together, each with its fix', () => {
    const project: ProjectConfig = { ...demo, services: [...demo.services, { name: 'billing', port: 9095, team: 'shop', image: 'example/billing:1.0.0' }] };
    const attempt = () => resolveStack({ project, configFile: DEMO_FILE, ports: { pager: 9090 }, scrape: { payments: 'http://127.0.0.1:3000' } });
    expect(attempt).toThrow(
      expect.objectContaining({
        problems: [
          'scrape payments=http://127.0.0.1:3000: the project has no service "payments" (it has demo-shop, billing)',
          'services[1] (billing) has no `command` to start it, and no URL to scrape it was given: add command: ["node", "server.js"] (run in the config file\'s folder, with PORT) to its config, or scrape it where it runs (--scrape billing=http://127.0.0.1:9095)',
          'Prometheus and the local pager are both on port 9090: each needs a port of its own (set STACK_PROMETHEUS_PORT to a free port, e.g. STACK_PROMETHEUS_PORT=19090; set STACK_PAGER_PORT to a free port, e.g. STACK_PAGER_PORT=19090)',
        ],
      }),
    );
  });

  test('a scraped service is scraped at the URL given, or at its metricsPath when the URL names only a host', () => {
    const project: ProjectConfig = { ...demo, services: [{ ...demo.services[0]!, metricsPath: '/internal/metrics' }] };
    const scraped = (url: string) => resolveStack({ project, configFile: DEMO_FILE, scrape: { 'demo-shop': url } }).services[0];
    expect(scraped('http://10.0.0.5:8080')).toEqual({ kind: 'scraped', name: 'demo-shop', metricsUrl: new URL('http://10.0.0.5:8080/internal/metrics') });
    expect(scraped('https://shop.example.com/custom/metrics')).toEqual({ kind: 'scraped', name: 'demo-shop', metricsUrl: new URL('https://shop.example.com/custom/metrics') });
    expect(() => scraped('localhost:8080')).toThrow('scrape demo-shop=localhost:8080: must be an http:// or https:// URL');
  });

  test('the generated mode refuses to start without the rule file of `generate`, naming it', async () => {
    const outDir = await tempDir('stack-out-');
    expect(() => resolveStack({ project: demo, configFile: DEMO_FILE, rules: 'generated', outDir })).toThrow(
      `the generated rules mode loads ${join(outDir, 'prometheus', 'production', 'rules.yml')}, which does not exist: run \`observability-kit generate\` first, or use the quick rules mode`,
    );
  });

  test('shortening windows changes only the named group\'s range selectors, and refuses to do nothing', () => {
    const groups = allGroups(configFor(demo, 'production'));
    const short = withShorterWindows(groups, recordingRules().name, '5m', '30s');
    const http = short.find((g) => g.name === recordingRules().name)!;
    expect(http.rules.map((r) => r.expr).join('\n')).not.toContain('[5m]');
    expect(http.rules.filter((r) => r.expr.includes('[30s]')).length).toBeGreaterThan(0);
    expect(short.filter((g) => g.name !== recordingRules().name)).toEqual(groups.filter((g) => g.name !== recordingRules().name));
    expect(() => withShorterWindows(groups, 'no-such-group', '5m', '30s')).toThrow('no rule group named no-such-group');
    expect(() => withShorterWindows(groups, recordingRules().name, '7m', '30s')).toThrow('use no [7m] window');
  });

  test('the quick rules are the generated groups, built from the same project config: only `for` of the service alerts, the http-recording windows and the SLO windows differ', () => {
    const quick = stackRules({ project: demo, env: 'production', mode: 'quick' });
    const generated = stackRules({ project: demo, env: 'production', mode: 'generated', outDir: '/out' });
    expect(names(quick.groups)).toEqual(names(generated.groups));
    expect('text' in quick.ruleFile && quick.ruleFile.text).toContain(`[${QUICK.window}]`);
    expect(generated.ruleFile).toEqual({ path: '/out/prometheus/production/rules.yml' });
    const alertsOf = (r: typeof quick) => r.groups.flatMap((g) => g.rules.filter(isAlert));
    const changed = alertsOf(quick).filter((a, i) => a.for !== alertsOf(generated)[i]!.for).map((a) => a.alert);
    // HttpErrorRatioHigh already waits the quick mode's 1m; the SLO windows differ in the expressions, not in `for`.
    expect(new Set(changed)).toEqual(new Set(['HttpLatencyP95High', 'HttpLatencyP99High', 'TargetDown']));
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
// The demo's stack, as `npm run stack` runs it

// The stacks below run side by side: on free ports, each its own processes; the demo's waits for its alerts dominate.
test.concurrent(
  'npm run stack starts everything; the fault switch pages ErrorBudgetBurn on the local pager and clearing it resolves; Ctrl-C leaves no process behind',
  { timeout: 480_000 },
  async () => {
    const started = Date.now();
    const log = (msg: string) => console.log(`[+${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);
    const stack = await startDemoStack();
    await stack.waitForOutput(/Ctrl-C stops everything\./, 60_000, 'banner');
    const banner = stack.stdout();
    log('banner printed');

    // The banner: every URL, the mode, and the demo's fault switch.
    const { service, prometheus, alertmanager, pager } = stack.ports;
    const serviceUrl = bannerUrl(banner, 'demo-shop');
    const prometheusUrl = bannerUrl(banner, 'Prometheus');
    const alertmanagerUrl = bannerUrl(banner, 'Alertmanager');
    expect(serviceUrl).toBe(`http://127.0.0.1:${service}`);
    expect(banner).toMatch(new RegExp(`^ {2}demo-shop +http://127\\.0\\.0\\.1:${service} +started: \`node main\\.ts\`, with 20 generated requests/s$`, 'm'));
    expect(bannerUrl(banner, 'its metrics')).toBe(`http://127.0.0.1:${service}/metrics`);
    expect(prometheusUrl).toBe(`http://127.0.0.1:${prometheus}`);
    expect(bannerUrl(banner, ' {2}rules')).toBe(`http://127.0.0.1:${prometheus}/rules`);
    expect(bannerUrl(banner, ' {2}alerts')).toBe(`http://127.0.0.1:${prometheus}/alerts`);
    expect(alertmanagerUrl).toBe(`http://127.0.0.1:${alertmanager}`);
    expect(bannerUrl(banner, 'local pager')).toBe(`http://127.0.0.1:${pager}/`);
    expect(banner).toContain('QUICK rules of production');
    expect(banner).toContain('every receiver (heartbeat, pager, chat, ticket) -> the local pager');
    expect(banner).toContain(`curl -X PUT ${serviceUrl}/admin/fault -H 'content-type: application/json' -d '{"error_ratio":0.5}'`);
    expect(banner).toContain(`curl -X DELETE ${serviceUrl}/admin/fault`);
    expect(banner).toContain('more than its 99.5% availability objective allows');
    expect(banner).toContain(stack.dataDir);

    // Four children, the stack's own: the demo (its config's command, in the config's folder), Prometheus, Alertmanager, node-exporter;
    // and the orphan reaper, which stops them should the stack be killed with SIGKILL (stack/orphan-reaper.ts).
    const all = descendants(stack.child.pid!);
    expect(all.filter((pid) => commandOf(pid).at(-1)?.endsWith('orphan-reaper.ts'))).toHaveLength(1);
    const children = all.filter((pid) => !commandOf(pid).at(-1)?.endsWith('orphan-reaper.ts'));
    const commands = children.map((pid) => commandOf(pid).join(' '));
    expect(commands).toHaveLength(4);
    expect(commands.filter((c) => /node-exporter --web\.listen-address=127\.0\.0\.1:\d+/.test(c))).toHaveLength(1);
    const demoPid = children.find((pid) => commandOf(pid).at(-1) === 'main.ts')!;
    expect(commandOf(demoPid)).toEqual([process.execPath, 'main.ts']);
    expect(readlinkSync(`/proc/${demoPid}/cwd`)).toBe(DEMO_DIR);
    expect(commands.some((c) => c.includes(`--web.listen-address=127.0.0.1:${prometheus}`))).toBe(true);
    expect(commands.some((c) => c.includes(`--web.listen-address=127.0.0.1:${alertmanager}`))).toBe(true);

    // Prometheus: the service, itself, Alertmanager and this machine's node-exporter up; every rule group of the project loaded and healthy.
    const quick = stackRules({ project: demo, env: 'production', mode: 'quick' });
    const targets = await targetsUp(prometheusUrl, 4);
    expect(targets.map((t) => t.labels.job).sort()).toEqual(['alertmanager', 'demo-shop', 'node-exporter', 'prometheus']);
    // Real host data under the bundles' job name: what the host panels and host alerts read.
    await waitFor(async () => (await getJson<{ data: { result: unknown[] } }>(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent('node_memory_MemAvailable_bytes{job="node-exporter"} > 0')}`)).data.result.length === 1, 10_000, 'no node_memory_MemAvailable_bytes from node-exporter');
    // Its alerts are not silenced as "not run here": they page the local pager like the rest.
    const silences = await getJson<{ matchers: { value: string }[]; status: { state: string } }[]>(`${alertmanagerUrl}/api/v2/silences`);
    expect(silences.filter((s) => s.status.state === 'active').flatMap((s) => s.matchers.map((m) => m.value)).join('|').split('|')).not.toContain('node-exporter');
    const groups = await rulesHealthy(prometheusUrl);
    expect(groups.map((g) => g.name).sort()).toEqual(names(allGroups(configFor(demo, 'production'))));
    expect(groups.flatMap((g) => g.rules)).toHaveLength(quick.groups.flatMap((g) => g.rules).length);
    const errorAlert = groups.flatMap((g) => g.rules).find((r) => r.name === ALERT)!;
    expect(errorAlert.duration).toBe(60);
    log(`Prometheus: 3 targets up, ${groups.length} rule groups ok`);

    // Alertmanager: the generated routing and inhibition, every receiver the local pager.
    const status = await getJson<{ config: { original: string } }>(`${alertmanagerUrl}/api/v2/status`);
    const running = parse(status.config.original) as AlertmanagerConfigFile;
    const generated = parse(buildAlerts(demo).get('alertmanager/production/alertmanager.yml')!) as AlertmanagerConfigFile;
    expect(normalRoute(running.route)).toEqual({ ...normalRoute(generated.route), group_wait: QUICK.timings.groupWait, group_interval: QUICK.timings.groupInterval });
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
    const rule = quick.groups.flatMap((g) => g.rules.filter(isAlert)).find((r) => r.alert === PAGE)!;
    const faultOn = Date.now();
    const on = await fetch(`${serviceUrl}/admin/fault`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"error_ratio":0.5}' });
    expect(on.status).toBe(200);
    const page = await stack.waitForOutput(new RegExp(`^\\d\\d:\\d\\d:\\d\\d FIRING +${PAGE} critical ${PAGE_LABELS} -> pager\\n {9}(.*)\\n {9}(.*)\\n {9}runbook: (\\S+)$`, 'm'), 100_000, `${PAGE} page`);
    const toPage = (Date.now() - faultOn) / 1000;
    log(`fault on -> page in ${toPage.toFixed(1)} s`);
    expect(page[1]).toBe(rule.summary);
    expect(page[2]).toMatch(/^demo-shop is spending the error budget of its demo-shop-availability SLO /);
    expect(page[3]).toBe(runbookUrl(quick.config, PAGE));

    // Fault off: the resolved notice, once the page has kept firing for the slower page's short window.
    const faultOff = Date.now();
    expect((await fetch(`${serviceUrl}/admin/fault`, { method: 'DELETE' })).status).toBe(200);
    await stack.waitForOutput(new RegExp(`^\\d\\d:\\d\\d:\\d\\d RESOLVED ${PAGE} critical ${PAGE_LABELS} -> pager \\(fired for \\d+m?\\d*s\\)$`, 'm'), 300_000, `${PAGE} resolved`);
    const toResolved = (Date.now() - faultOff) / 1000;
    log(`fault off -> resolved in ${toResolved.toFixed(1)} s`);
    const pagerLog = await readFile(join(stack.dataDir, 'logs', 'pager.log'), 'utf8');
    expect(pagerLog).toMatch(new RegExp(`FIRING +${PAGE} critical`));
    expect(pagerLog).toMatch(new RegExp(`RESOLVED ${PAGE} critical`));

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

test.concurrent('a port already in use stops the start with the port and the variable that moves it', { timeout: 20_000 }, async () => {
  const taken: Server = createServer();
  await new Promise<void>((res) => taken.listen(0, '127.0.0.1', res));
  const port = (taken.address() as { port: number }).port;
  try {
    const stack = await startDemoStack({ STACK_PROMETHEUS_PORT: String(port) });
    expect(await stack.exited).toBe(2);
    expect(stack.stderr()).toContain(`port ${port} on 127.0.0.1, wanted by Prometheus, is already in use: set STACK_PROMETHEUS_PORT to a free port`);
    expect(stack.stdout()).toBe('');
  } finally {
    await new Promise((res) => taken.close(res));
  }
});

test.runIf(existsSync(join(dirname(process.env.ALERTMANAGER_BIN ?? '/nonexistent'), '..', 'share', 'prometheus', 'alertmanager', 'default.tmpl')) && !existsSync('/usr/share/prometheus/alertmanager/default.tmpl'))(
  'Debian\'s Alertmanager without its templates and without a way to mount them fails with ALERTMANAGER_BIN as the fix',
  { timeout: 30_000, concurrent: true },
  async () => {
    // No unshare on PATH: the overlay cannot be made, as on a system that forbids it.
    const stack = await startDemoStack({ PATH: '/nonexistent' });
    expect(await stack.exited).toBe(1);
    expect(stack.stderr()).toContain('needs its notification templates at /usr/share/prometheus/alertmanager/default.tmpl');
    expect(stack.stderr()).toContain('Fix: set ALERTMANAGER_BIN=/path/to/alertmanager from an upstream release');
  },
);

// ---------------------------------------------------------------------------
// A project that is not the demo

/** A small Express app of its own, in its own folder, using the kit's exporter; METRICS_PATH moves its metrics. */
async function writeOwnApp(dir: string, ports: { api: number; worker: number }): Promise<void> {
  const kit = (path: string) => pathToFileURL(join(REPO, path)).href;
  await symlink(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'greeter', version: '1.0.0', type: 'module' }));
  await writeFile(
    join(dir, 'metrics.ts'),
    `import { counter } from '${kit('exporter/index.ts')}';
export const greeterMetrics = {
  greetings: counter({ name: 'greeter_greetings_total', help: 'Greetings sent.', unit: '', labels: ['language'], values: { language: ['en', 'fr'] }, source: 'app' }),
};
`,
  );
  await writeFile(
    join(dir, 'server.ts'),
    `import express from 'express';
import { createExporter } from '${kit('exporter/index.ts')}';
import { greeterMetrics } from './metrics.ts';

const exporter = createExporter({ hostMetrics: false });
const metrics = exporter.defineMetrics(greeterMetrics);
const app = express();
app.use(exporter.middleware);
app.get(process.env.METRICS_PATH ?? '/metrics', exporter.metricsHandler);
const hello = express.Router();
hello.get('/:language', (req, res) => {
  const language = req.params.language === 'fr' ? 'fr' : 'en';
  metrics.greetings.inc({ language });
  res.send(language === 'fr' ? 'bonjour' : 'hello');
});
app.use('/hello', hello);
const server = app.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`,
  );
  await writeFile(
    join(dir, 'observability.config.ts'),
    `import { defineConfig } from '${kit('signals/project/index.ts')}';
import { greeterMetrics } from './metrics.ts';

export default defineConfig({
  name: 'greeter',
  services: [
    { name: 'greeter-api', port: ${ports.api}, team: 'greetings', image: 'example/greeter:1.0.0', command: ['node', 'server.ts'], metrics: greeterMetrics, slos: [{ kind: 'availability', objective: 0.999 }] },
    { name: 'greeter-worker', port: ${ports.worker}, metricsPath: '/internal/metrics', team: 'greetings', image: 'example/greeter-worker:1.0.0' },
  ],
  environments: { live: {} },
  alerting: {
    runbookBaseUrl: 'https://example.com/greeter/runbooks',
    urls: { grafana: 'http://localhost:3000', prometheus: 'http://localhost:9090', alertmanager: 'http://localhost:9093' },
    receivers: { oncall: { type: 'webhook', urlFile: '/etc/alertmanager/secrets/oncall-url' } },
    teams: { greetings: { page: 'oncall' }, platform: { page: 'oncall' } },
    platformTeam: 'platform',
  },
  stack: { scrapeInterval: '2s' },
});
`,
  );
}

test.concurrent(
  'the stack runs a project of its own: one service started with its command, one scraped where it runs, the rules `generate` wrote; a dead Prometheus takes down the stack\'s processes and no others',
  { timeout: 60_000 },
  async () => {
    const dir = await tempDir('stack-own-app-');
    const ports = { api: await freePort(), worker: await freePort(), prometheus: await freePort(), alertmanager: await freePort(), pager: await freePort() };
    await writeOwnApp(dir, ports);
    const configFile = join(dir, 'observability.config.ts');
    const project = validateProject(((await import(pathToFileURL(configFile).href)) as { default: unknown }).default, configFile);

    // What `generate` writes, as the generated mode reads it.
    const outDir = join(dir, 'observability');
    const ruleFile = generatedRuleFile(outDir, 'live');
    await mkdir(dirname(ruleFile), { recursive: true });
    await writeFile(ruleFile, buildAlerts(project).get('prometheus/live/rules.yml')!);

    // The worker already runs, started by someone else: the stack only scrapes it.
    const worker = await startServiceProcess({
      name: 'greeter-worker',
      command: ['node', 'server.ts'],
      cwd: dir,
      env: { ...process.env, PORT: String(ports.worker), METRICS_PATH: '/internal/metrics' },
      ready: { url: `http://127.0.0.1:${ports.worker}/internal/metrics` },
    });
    cleanups.push(() => worker.stop());

    let out = '';
    let err = '';
    const plan = await planStack({
      project,
      configFile,
      outDir,
      rules: 'generated',
      ports: { prometheus: ports.prometheus, alertmanager: ports.alertmanager, pager: ports.pager },
      scrape: { 'greeter-worker': `http://127.0.0.1:${ports.worker}` },
      dataDir: await tempDir('stack-own-data-'),
      print: { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) },
    });
    const stack: RunningStack = await startStack(plan);
    cleanups.push(() => stack.stop());

    expect(stack.banner).toContain('Local stack of greeter up: GENERATED rules of live.');
    expect(stack.banner).toMatch(new RegExp(`^ {2}greeter-api +http://127\\.0\\.0\\.1:${ports.api} +started: \`node server\\.ts\`$`, 'm'));
    expect(stack.banner).toMatch(new RegExp(`^ {2}greeter-worker +http://127\\.0\\.0\\.1:${ports.worker} +scraped where it runs$`, 'm'));
    expect(stack.banner).toContain(`http://127.0.0.1:${ports.worker}/internal/metrics`);
    expect(stack.banner).toContain('every receiver (heartbeat, oncall) -> the local pager');
    expect(stack.banner).not.toContain('/admin/fault');
    expect(stack.banner).toContain(`${ruleFile} unchanged`);

    // Both services up under their own job names, with the stack's own jobs.
    const targets = await targetsUp(stack.prometheus.url, 5);
    expect(Object.fromEntries(targets.map((t) => [t.labels.job, t.scrapeUrl]))).toEqual({
      'greeter-api': `http://127.0.0.1:${ports.api}/metrics`,
      'greeter-worker': `http://127.0.0.1:${ports.worker}/internal/metrics`,
      prometheus: `http://127.0.0.1:${ports.prometheus}/metrics`,
      alertmanager: `http://127.0.0.1:${ports.alertmanager}/metrics`,
      // On a free port of its own: nobody browses it.
      'node-exporter': expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/),
    });

    // Its rules: every group of the project, from the generated file, healthy; its SLO among them.
    const groups = await rulesHealthy(stack.prometheus.url);
    expect(groups.map((g) => g.name).sort()).toEqual(names(allGroups(configFor(project, 'live'))));
    expect(groups.map((g) => g.name)).toContain('slo-greeter-api-availability');
    expect(new Set(groups.map((g) => resolve(g.file)))).toEqual(new Set([ruleFile]));
    // The app's own business metric reaches Prometheus through the route of its nested router.
    expect((await fetch(`http://127.0.0.1:${ports.api}/hello/fr`)).status).toBe(200);
    await waitFor(async () => (await stack.prometheus.query('greeter_greetings_total{job="greeter-api",language="fr"}')).length === 1, 10_000, 'no greeter_greetings_total in Prometheus');
    await waitFor(async () => (await stack.prometheus.query('http_server_request_duration_seconds_count{job="greeter-api",http_route="/hello/:language"}')).length > 0, 10_000, 'no request series for /hello/:language');

    // Prometheus dies: the stack reports it and stops its own processes, not the worker it only scrapes.
    const own = stack.processes();
    expect(own.map((p) => p.name).sort()).toEqual(['alertmanager', 'greeter-api', 'node-exporter', 'prometheus']);
    process.kill(stack.prometheus.process.pid, 'SIGKILL');
    expect(await stack.stopped).toBe(1);
    expect(err).toContain(`prometheus (pid ${stack.prometheus.process.pid}) was killed by SIGKILL; stopping the rest of the stack.`);
    expect(err).toMatch(/Its last \d+ lines \(all of them in .*prometheus\.log\):\n {2}\| .*level=INFO/);
    expect(own.filter((p) => p.running()).map((p) => p.name)).toEqual([]);
    expect(worker.running()).toBe(true);
    expect(out).toContain('Starting the local stack of greeter (generated rules of live)');
  },
);
