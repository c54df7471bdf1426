// `npm run stack`: the whole alert path on one machine, without Docker. The
// demo service with its traffic generator, a real Prometheus with the kit's
// rules scraping it (and itself, and Alertmanager), a real Alertmanager with
// the kit's routing whose every receiver is the local pager, which prints
// each notification here. Ports, mode and data folder come from STACK_*
// variables (stack/stack-settings.ts). Ctrl-C stops everything; when one process
// dies, the rest are stopped and its last lines shown.
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ensureTools, ToolUnavailableError } from '../toolchain/tools.ts';
import { AlertmanagerTemplatesError, startAlertmanager, webhookProfile } from './alertmanager.ts';
import { banner } from './banner.ts';
import { checkPortsFree, HOST, parseStackConfig, type StackConfig, StackConfigError } from './stack-settings.ts';
import { startDemo } from './demo.ts';
import { startPager } from './pager.ts';
import { ProcessFailure } from './processes.ts';
import { startPrometheus } from './prometheus.ts';
import { stackRules } from './rules.ts';
import { silenceJobsNotRunHere } from './silences.ts';
import { crashReport, Supervisor } from './supervisor.ts';

const say = (text: string) => process.stdout.write(`${text}\n`);
const complain = (text: string) => process.stderr.write(`${text}\n`);

/** Errors whose message is the whole story for the reader: no stack trace. */
const EXPLAINED = [StackConfigError, ToolUnavailableError, AlertmanagerTemplatesError, ProcessFailure];

async function readConfig(): Promise<StackConfig> {
  const config = parseStackConfig(process.env);
  await checkPortsFree(config);
  return config;
}

async function dataDirs(config: StackConfig) {
  const root = config.dataDir !== undefined ? resolve(config.dataDir) : await mkdtemp(join(tmpdir(), 'node-observability-kit-stack-'));
  const dirs = { root, logs: join(root, 'logs'), prometheus: join(root, 'prometheus'), alertmanager: join(root, 'alertmanager') };
  await Promise.all([dirs.logs, dirs.prometheus, dirs.alertmanager].map((d) => mkdir(d, { recursive: true })));
  const log = (name: string) => join(dirs.logs, name);
  return { ...dirs, log };
}

async function main(): Promise<number> {
  let config: StackConfig;
  try {
    config = await readConfig();
  } catch (err) {
    if (!(err instanceof StackConfigError)) throw err;
    complain(err.message);
    return 2;
  }
  const rules = stackRules(config.rules, config.env);
  const dirs = await dataDirs(config);
  const supervisor = new Supervisor();
  // Whatever ends this process, no child outlives it.
  process.on('exit', () => supervisor.killAllNow());

  let exitCode: number | undefined;
  const stop = (code: number) => {
    exitCode ??= code;
    return supervisor.stopAll();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (supervisor.stopping) return; // npm forwards the terminal's Ctrl-C: one stop is enough
      say(`\n${signal}: stopping the demo, Prometheus and Alertmanager...`);
      void stop(0);
    });
  }
  try {
    await startStack(config, rules, dirs, supervisor);
    supervisor.watch((proc, exit) => {
      complain(`\n${crashReport(proc, exit)}`);
      void stop(1);
    });
    await supervisor.stopRequested;
  } catch (err) {
    // A stop request during start-up makes the half-started pieces fail: that is no error.
    if (!supervisor.stopping) complain(EXPLAINED.some((E) => err instanceof E) ? (err as Error).message : String(err instanceof Error ? err.stack : err));
    exitCode ??= 1;
  }
  // Also stops what a start-up interrupted by a stop request started meanwhile.
  await stop(exitCode ?? 0);
  say(`Stopped. Logs and data are kept in ${dirs.root}`);
  return exitCode ?? 0;
}

async function startStack(config: StackConfig, rules: ReturnType<typeof stackRules>, dirs: Awaited<ReturnType<typeof dataDirs>>, supervisor: Supervisor): Promise<void> {
  say(`Starting the local stack (${rules.mode === 'quick' ? 'quick demo' : 'generated'} rules of ${rules.env}) in ${dirs.root}`);
  // Between steps: a stop request ends the start-up there, before anything more is started.
  const checkpoint = () => {
    if (supervisor.stopping) throw new Error('stop requested during start-up');
  };
  say('Looking for Prometheus and Alertmanager (the first run downloads them into .cache/tools)...');
  await ensureTools(['prometheus', 'alertmanager']);
  checkpoint();

  const { ports } = config;
  const pager = await startPager({ host: HOST, port: ports.pager, logFile: dirs.log('pager.log'), jsonFile: dirs.log('notifications.jsonl'), print: (lines) => say(lines.join('\n')) });
  supervisor.onStop(() => pager.close());
  checkpoint();

  const [am, demo] = await Promise.all([
    startAlertmanager({
      // No --dispatch.start-delay: it matters when Alertmanager restarts, which this stack never does, and
      // Alertmanager 0.33 does not exit on SIGTERM before that delay is over.
      ...webhookProfile({ env: rules.env, url: pager.url, ...(rules.timings && { timings: rules.timings }) }),
      dir: dirs.alertmanager,
      port: ports.alertmanager,
      logFile: dirs.log('alertmanager.log'),
      detached: true,
    }),
    startDemo({ host: HOST, port: ports.service, trafficRps: config.trafficRps, logFile: dirs.log('demo.log'), detached: true }),
  ]);
  checkpoint();
  const silenced = await silenceJobsNotRunHere(am, rules.config);

  const jobs = rules.config.stack.jobs;
  const metrics = new URL(demo.metricsUrl);
  const prometheus = await startPrometheus({
    jobs: [
      { job: demo.service, targets: [metrics.host], metricsPath: metrics.pathname, ...(process.env.METRICS_TOKEN && { bearerToken: process.env.METRICS_TOKEN }) },
      { job: jobs.prometheus, targets: [`${HOST}:${ports.prometheus}`] },
      { job: jobs.alertmanager, targets: [am.address] },
    ],
    scrapeInterval: rules.scrapeInterval,
    ...('path' in rules.ruleFile ? { ruleFiles: [rules.ruleFile.path] } : { rules: [rules.ruleFile.text] }),
    alertmanagers: [am.address],
    extraFlags: [`--rules.alert.resend-delay=${rules.resendDelay}`],
    dir: dirs.prometheus,
    port: ports.prometheus,
    logFile: dirs.log('prometheus.log'),
    detached: true,
  });
  checkpoint();

  say(
    banner({
      serviceUrl: demo.url,
      metricsUrl: demo.metricsUrl,
      service: demo.service,
      trafficRps: config.trafficRps,
      prometheusUrl: prometheus.url,
      alertmanagerUrl: am.url,
      pagerUrl: pager.url,
      rules,
      stackJobs: [jobs.prometheus, jobs.alertmanager],
      silencedJobs: silenced,
      adminToken: process.env.ADMIN_TOKEN !== undefined && process.env.ADMIN_TOKEN !== '',
      dataDir: dirs.root,
      logFiles: ['logs/demo.log', 'logs/prometheus.log', 'logs/alertmanager.log', 'logs/pager.log'],
    }),
  );
}

process.exitCode = await main();
// Everything is stopped; should a stray handle keep the event loop alive, don't hang the terminal for it.
setTimeout(() => process.exit(), 2000).unref();
