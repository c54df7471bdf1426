// The project's services in the local stack: each one is either started
// here with its `command` (in the config file's folder, with PORT and HOST),
// or scraped where it already runs (a URL given for it). A service with
// neither cannot be in the stack, and says so.
import { dirname } from 'node:path';
import { DEFAULT_METRICS_PATH } from '../signals/alert-settings.ts';
import type { ProjectConfig, ServiceConfig } from '../signals/project/config.ts';
import type { ManagedProcess, ProcessGroup } from './processes.ts';
import type { ScrapeJob } from './prometheus.ts';
import { startServiceProcess } from './service-process.ts';
import { HOST, type PortClaim, SERVICE_PORT_VARIABLE } from './stack-settings.ts';

interface PlannedService {
  readonly name: string;
  /** Where Prometheus scrapes it. */
  readonly metricsUrl: URL;
}

/** Started here: `command` in `cwd`, told its port by PORT. */
export interface StartedService extends PlannedService {
  readonly kind: 'started';
  readonly command: readonly string[];
  readonly cwd: string;
  readonly port: number;
}

/** Already running elsewhere: only scraped. */
export interface ScrapedService extends PlannedService {
  readonly kind: 'scraped';
}

export type ServicePlan = StartedService | ScrapedService;

export interface ServiceSources {
  readonly project: ProjectConfig;
  /** The config file: commands run in its folder. */
  readonly configFile: string;
  /** Ports instead of the config's, by service name. */
  readonly servicePorts?: Readonly<Record<string, number>>;
  /** Services already running, by name: the URL of their metrics (a bare origin means the service's `metricsPath` there). */
  readonly scrape?: Readonly<Record<string, string>>;
}

const metricsPathOf = (service: ServiceConfig) => service.metricsPath ?? DEFAULT_METRICS_PATH;

/** The URL Prometheus scrapes for `given`: its path, or the service's metricsPath when it names none. */
function scrapeUrl(given: string, service: ServiceConfig): URL | string {
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials (set METRICS_TOKEN for a bearer token)';
  if (url.pathname === '/') url.pathname = metricsPathOf(service);
  return url;
}

/** How each service of the project takes part; throws nothing, returns every problem. */
export function planServices(sources: ServiceSources): { services: ServicePlan[]; problems: string[] } {
  const { project } = sources;
  const problems: string[] = [];
  const names = project.services.map((s) => s.name);
  for (const name of Object.keys(sources.scrape ?? {})) {
    if (!names.includes(name)) problems.push(`scrape ${name}=${sources.scrape![name]}: the project has no service "${name}" (it has ${names.join(', ')})`);
  }
  for (const name of Object.keys(sources.servicePorts ?? {})) {
    if (!names.includes(name)) problems.push(`port of ${name}: the project has no service "${name}" (it has ${names.join(', ')})`);
  }
  const services: ServicePlan[] = [];
  project.services.forEach((service, i) => {
    const given = sources.scrape?.[service.name];
    if (given !== undefined) {
      const url = scrapeUrl(given, service);
      if (typeof url === 'string') problems.push(`scrape ${service.name}=${given}: ${url}, e.g. ${service.name}=http://127.0.0.1:${service.port}${metricsPathOf(service)}`);
      else services.push({ kind: 'scraped', name: service.name, metricsUrl: url });
      return;
    }
    if (service.command === undefined) {
      problems.push(
        `services[${i}] (${service.name}) has no \`command\` to start it, and no URL to scrape it was given: ` +
          `add command: ["node", "server.js"] (run in the config file's folder, with PORT) to its config, or scrape it where it runs (--scrape ${service.name}=http://127.0.0.1:${service.port})`,
      );
      return;
    }
    const port = sources.servicePorts?.[service.name] ?? service.port;
    services.push({ kind: 'started', name: service.name, command: service.command, cwd: dirname(sources.configFile), port, metricsUrl: new URL(`http://${HOST}:${port}${metricsPathOf(service)}`) });
  });
  return { services, problems };
}

/** The port a started service listens on, and how to move it. */
export function servicePortClaim(service: StartedService, project: ProjectConfig): PortClaim {
  const i = project.services.findIndex((s) => s.name === service.name);
  const moveIt = project.services.length === 1 ? `set ${SERVICE_PORT_VARIABLE} or services[${i}].port` : `set services[${i}].port`;
  return { port: service.port, what: service.name, fix: `${moveIt} to a free port, or scrape the ${service.name} already running there (--scrape ${service.name}=http://${HOST}:${service.port})` };
}

/** The scrape job of a service: its name is the job, as in the generated bundles. */
export function scrapeJob(service: ServicePlan, bearerToken: string | undefined): ScrapeJob {
  const url = service.metricsUrl;
  return {
    job: service.name,
    targets: [url.host],
    metricsPath: url.pathname + url.search,
    scheme: url.protocol === 'https:' ? 'https' : 'http',
    ...(bearerToken !== undefined && { bearerToken }),
  };
}

/** A started service that listens, but not with metrics where the config says. */
export class ServiceMetricsError extends Error {
  override name = 'ServiceMetricsError';
}

export interface ServiceLaunch {
  /** The environment the service inherits (PATH, the user's variables). */
  readonly vars: NodeJS.ProcessEnv;
  /** Variables only for this service (the demo's TRAFFIC_RPS). */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /** Sent as a bearer token to /metrics, as Prometheus will. */
  readonly bearerToken?: string;
  readonly logFile: string;
  readonly group: ProcessGroup;
}

/**
 * The stack runs no trace collector: spans are not exported (a failing export
 * would fill the log and delay every stop) unless the user points them
 * somewhere with the standard OpenTelemetry variables.
 */
function tracesExporter(vars: NodeJS.ProcessEnv): string {
  const pointed = vars.OTEL_EXPORTER_OTLP_ENDPOINT || vars.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  return vars.OTEL_TRACES_EXPORTER || (pointed ? 'otlp' : 'none');
}

/** Starts the service and resolves once its metrics answer 2xx where the config says. */
export async function startService(service: StartedService, launch: ServiceLaunch): Promise<ManagedProcess> {
  const headers: Record<string, string> = launch.bearerToken === undefined ? {} : { authorization: `Bearer ${launch.bearerToken}` };
  const proc = await startServiceProcess({
    name: service.name,
    command: service.command,
    cwd: service.cwd,
    env: { ...launch.vars, PORT: String(service.port), HOST, OTEL_TRACES_EXPORTER: tracesExporter(launch.vars), ...launch.extraEnv },
    ready: { url: service.metricsUrl.href, headers },
    logFile: launch.logFile,
    detached: true,
    group: launch.group,
  });
  const res = await fetch(service.metricsUrl, { headers, signal: AbortSignal.timeout(5000) });
  await res.body?.cancel();
  if (!res.ok) {
    const fix =
      res.status === 401 || res.status === 403
        ? 'its metrics endpoint wants credentials: set METRICS_TOKEN to its bearer token (Prometheus sends it too)'
        : `set \`metricsPath\` of ${service.name} in the config to where the app mounts the exporter's metrics handler`;
    await proc.stop();
    throw new ServiceMetricsError(`${service.name} (\`${service.command.join(' ')}\`) listens on port ${service.port}, but GET ${service.metricsUrl.pathname} answers ${res.status}: ${fix}`);
  }
  return proc;
}
