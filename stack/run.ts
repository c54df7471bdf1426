// The local stack: the whole alert path on one machine, without Docker. The
// project's services (started with their command, or scraped where they
// run), a real Prometheus with the project's rules scraping them (and
// itself, and Alertmanager), a real Alertmanager with the project's routing
// whose every receiver is the local pager, which prints each notification.
// `observability-kit stack` calls runStack; `npm run stack` runs it on the
// demo. When one process dies, the rest are stopped and its last lines shown.
import { join } from 'node:path';
import { ensureTools, ToolUnavailableError } from '../toolchain/index.ts';
import { WEBHOOK_URL_FILE, webhookProfile, webhookReceivers } from '../alerts/alertmanager/index.ts';
import type { AlertConfig } from '../signals/alert-settings.ts';
import { AlertmanagerTemplatesError, type RunningAlertmanager, startAlertmanager } from './alertmanager.ts';
import { banner, type BannerService } from './banner.ts';
import { startNodeExporter } from './node-exporter.ts';
import { startPager } from './pager.ts';
import { planStack, STANDARD_PRINTER, type StackOptions, type StackPlan } from './plan.ts';
import { type ManagedProcess, ProcessFailure } from './processes.ts';
import { type RunningPrometheus, startPrometheus } from './prometheus.ts';
import { type StackRules, stackRules } from './rules.ts';
import { scrapeJob, ServiceMetricsError, type ServicePlan, startService } from './services.ts';
import { ServiceCommandError } from './service-process.ts';
import { silenceJobsNotRunHere } from './silences.ts';
import { HOST, StackConfigError } from './stack-settings.ts';
import { crashReport, Supervisor } from './supervisor.ts';

export interface RunningStack {
  readonly plan: StackPlan;
  readonly rules: StackRules;
  readonly prometheus: RunningPrometheus;
  readonly alertmanager: RunningAlertmanager;
  readonly pagerUrl: string;
  /** The banner as printed. */
  readonly banner: string;
  /** Every process the stack started (services, Alertmanager, Prometheus). */
  processes(): ManagedProcess[];
  /** Resolves with the exit status once everything has stopped: 0 after a stop request, 1 after a crash. */
  readonly stopped: Promise<number>;
  /** Stops everything; resolves like `stopped`. */
  stop(): Promise<number>;
}

/** A stop request came while the stack was starting: what had started is stopped again. */
export class StartInterrupted extends Error {
  override name = 'StartInterrupted';
}

/** Errors whose message is the whole story for the reader: no stack trace. */
const EXPLAINED = [StackConfigError, ToolUnavailableError, AlertmanagerTemplatesError, ProcessFailure, ServiceCommandError, ServiceMetricsError];

/**
 * The stack's Alertmanager always has the heartbeat receiver (to the pager,
 * as every receiver): the Watchdog then proves Prometheus -> Alertmanager ->
 * pager within a minute, also for a project without a heartbeat service.
 */
function withHeartbeat(config: AlertConfig): AlertConfig {
  return config.alerting.heartbeatUrlFile !== undefined ? config : { ...config, alerting: { ...config.alerting, heartbeatUrlFile: WEBHOOK_URL_FILE } };
}

/** Promise.all that waits for every promise to settle before it throws the first failure: each spawn has happened (and joined the stack's group) by then. */
async function allSettledOrThrow<const T extends readonly unknown[]>(promises: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

const origin = (url: URL) => `${url.protocol}//${url.host}`;
const logFileOf = (service: ServicePlan) => `logs/${service.name}.log`;

/** Starts everything `plan` says; `signal` stops it (during start-up too). */
export async function startStack(plan: StackPlan, signal?: AbortSignal): Promise<RunningStack> {
  const { print, project } = plan;
  const rules = stackRules({ project, env: plan.env, mode: plan.rules, outDir: plan.outDir });
  const supervisor = new Supervisor();
  const dir = (name: string) => join(plan.dataDir, name);
  // Whatever ends this process, no child outlives it.
  const killAll = () => supervisor.killAllNow();
  process.once('exit', killAll);
  let stopping: Promise<number> | undefined;
  const done = Promise.withResolvers<number>();
  const stop = (code: number) => {
    stopping ??= supervisor.stopAll().then(() => {
      process.removeListener('exit', killAll);
      return code;
    });
    void stopping.then(done.resolve);
    return stopping;
  };
  const onAbort = () => void stop(0);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  void done.promise.then(() => signal?.removeEventListener('abort', onAbort));
  // Between steps: a stop request ends the start-up there, before anything more is started.
  const checkpoint = () => {
    if (supervisor.stopping) throw new StartInterrupted('stop requested during start-up');
  };

  try {
    checkpoint();
    print.out(`Starting the local stack of ${project.name} (${plan.rules} rules of ${plan.env}) in ${plan.dataDir}`);
    // The host metrics of this machine, where the project's stack runs node-exporter.
    const hostMetrics = rules.config.stack.nodeExporter;
    print.out(`Looking for Prometheus, Alertmanager${hostMetrics ? ' and node-exporter' : ''} (the first run downloads them into the tools cache)...`);
    await ensureTools(['prometheus', 'alertmanager', ...(hostMetrics ? (['node-exporter'] as const) : [])]);
    checkpoint();

    const pager = await startPager({ host: HOST, port: plan.ports.pager, logFile: dir('logs/pager.log'), jsonFile: dir('logs/notifications.jsonl'), print: (lines) => print.out(lines.join('\n')) });
    supervisor.onStop(() => pager.close());
    checkpoint();

    const bearerToken = plan.vars.METRICS_TOKEN || undefined;
    const routing = withHeartbeat(rules.config);
    const profile = webhookProfile(routing, { url: pager.url, ...(rules.timings && { timings: rules.timings }) });
    const demoService = plan.demoExtras && plan.services[0];
    const [am] = await allSettledOrThrow([
      startAlertmanager({
        // No --dispatch.start-delay: it matters when Alertmanager restarts, which this stack never does, and
        // Alertmanager 0.33 does not exit on SIGTERM before that delay is over.
        ...profile,
        dir: dir('alertmanager'),
        port: plan.ports.alertmanager,
        logFile: dir('logs/alertmanager.log'),
        detached: true,
        group: supervisor.group,
      }),
      ...plan.services.map((service) =>
        service.kind === 'started'
          ? startService(service, {
              vars: plan.vars,
              extraEnv: service === demoService ? { TRAFFIC_RPS: String(plan.demoExtras!.trafficRps) } : {},
              bearerToken,
              logFile: dir(logFileOf(service)),
              group: supervisor.group,
            })
          : Promise.resolve(undefined),
      ),
    ]);
    checkpoint();
    const jobs = rules.config.stack.jobs;
    const nodeExporter = hostMetrics ? await startNodeExporter({ logFile: dir('logs/node-exporter.log'), detached: true, group: supervisor.group }) : undefined;
    checkpoint();
    const silenced = await silenceJobsNotRunHere(am, rules.config, nodeExporter ? [jobs.nodeExporter] : []);
    await warnAboutSilentScrapes(plan, bearerToken);
    checkpoint();

    const prometheus = await startPrometheus({
      jobs: [
        ...plan.services.map((s) => scrapeJob(s, bearerToken)),
        { job: jobs.prometheus, targets: [`${HOST}:${plan.ports.prometheus}`] },
        { job: jobs.alertmanager, targets: [am.address] },
        ...(nodeExporter ? [{ job: jobs.nodeExporter, targets: [nodeExporter.address] }] : []),
      ],
      scrapeInterval: rules.scrapeInterval,
      ...('path' in rules.ruleFile ? { ruleFiles: [rules.ruleFile.path] } : { rules: [rules.ruleFile.text] }),
      alertmanagers: [am.address],
      extraFlags: [`--rules.alert.resend-delay=${rules.resendDelay}`],
      dir: dir('prometheus'),
      port: plan.ports.prometheus,
      logFile: dir('logs/prometheus.log'),
      detached: true,
      group: supervisor.group,
    });
    checkpoint();

    const text = banner({
      project: project.name,
      services: plan.services.map((s): BannerService => ({
        name: s.name,
        url: origin(s.metricsUrl),
        metricsUrl: s.metricsUrl.href,
        how: s.kind === 'started' ? `started: \`${s.command.join(' ')}\`` : 'scraped where it runs',
      })),
      prometheusUrl: prometheus.url,
      alertmanagerUrl: am.url,
      pagerUrl: pager.url,
      rules,
      stackJobs: [jobs.prometheus, jobs.alertmanager, ...(nodeExporter ? [jobs.nodeExporter] : [])],
      silencedJobs: silenced,
      receivers: webhookReceivers(routing.alerting, '')
        .filter((r) => r.webhook_configs !== undefined)
        .map((r) => r.name),
      ...(demoService && {
        demo: {
          serviceUrl: origin(demoService.metricsUrl),
          trafficRps: plan.demoExtras!.trafficRps,
          adminToken: (plan.vars.ADMIN_TOKEN ?? '') !== '',
          availabilityObjective: project.services[0]!.slos?.find((s) => s.kind === 'availability')?.objective,
        },
      }),
      dataDir: plan.dataDir,
      logFiles: [...plan.services.filter((s) => s.kind === 'started').map(logFileOf), 'logs/prometheus.log', 'logs/alertmanager.log', ...(nodeExporter ? ['logs/node-exporter.log'] : []), 'logs/pager.log'],
    });
    print.out(text);
    supervisor.watch((proc, exit) => {
      print.err(`\n${crashReport(proc, exit)}`);
      void stop(1);
    });
    return {
      plan,
      rules,
      prometheus,
      alertmanager: am,
      pagerUrl: pager.url,
      banner: text,
      processes: () => supervisor.group.all(),
      stopped: done.promise,
      stop: () => stop(0),
    };
  } catch (err) {
    // A stop request during start-up makes the half-started pieces fail: that is no error.
    const interrupted = supervisor.stopping;
    await stop(interrupted ? 0 : 1);
    throw interrupted ? new StartInterrupted('stop requested during start-up') : err;
  }
}

/** A service to scrape that does not answer now is worth a line: Prometheus will show it down. */
async function warnAboutSilentScrapes(plan: StackPlan, bearerToken: string | undefined): Promise<void> {
  for (const service of plan.services.filter((s) => s.kind === 'scraped')) {
    const headers: Record<string, string> = bearerToken === undefined ? {} : { authorization: `Bearer ${bearerToken}` };
    const res = await fetch(service.metricsUrl, { headers, signal: AbortSignal.timeout(2000) }).catch((err: Error) => err);
    if (res instanceof Response) await res.body?.cancel();
    const problem = res instanceof Response ? (res.ok ? undefined : `answers ${res.status}`) : `does not answer (${(res.cause as Error | undefined)?.message ?? res.message})`;
    if (problem !== undefined) plan.print.err(`Note: ${service.name} at ${service.metricsUrl.href} ${problem} now; Prometheus keeps scraping it (see its targets page).`);
  }
}

/**
 * The stack as a command: checks the options, starts everything, prints the
 * banner, and runs until SIGINT, SIGTERM or SIGHUP (or a crash). Resolves
 * with the exit status: 0 stopped on request, 1 a start failure or a crash,
 * 2 options that cannot work (printed with their fixes).
 */
export async function runStack(options: StackOptions): Promise<number> {
  let plan: StackPlan;
  const print = options.print ?? STANDARD_PRINTER;
  try {
    plan = await planStack({ ...options, print });
  } catch (err) {
    if (!(err instanceof StackConfigError)) throw err;
    print.err(err.message);
    return 2;
  }
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return; // npm forwards the terminal's Ctrl-C too: one stop is enough
    print.out(`\n${signal}: stopping the services, Prometheus and Alertmanager...`);
    controller.abort();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSignal);
  let code: number;
  try {
    const stack = await startStack(plan, controller.signal);
    code = await stack.stopped;
  } catch (err) {
    if (err instanceof StartInterrupted) code = 0;
    else {
      print.err(EXPLAINED.some((E) => err instanceof E) ? (err as Error).message : String(err instanceof Error ? err.stack : err));
      code = 1;
    }
  } finally {
    for (const s of signals) process.removeListener(s, onSignal);
  }
  print.out(`Stopped. Logs and data are kept in ${plan.dataDir}`);
  return code;
}
