// The local stack's settings from STACK_* variables (what `npm run stack`
// and `observability-kit stack` read besides their options), and the check
// that every port is free. Every problem is reported at once, naming the
// variable that fixes it; nothing falls back silently.
import { createServer } from 'node:net';
import { environmentsOf, type Environment } from '../signals/alert-settings.ts';
import type { ProjectConfig } from '../signals/project/config.ts';

export const RULES_MODES = ['quick', 'generated'] as const;
export type RulesMode = (typeof RULES_MODES)[number];

/** The stack's own components that listen on a port. */
export type StackComponent = 'prometheus' | 'alertmanager' | 'pager';

/** Each component's port: the variable that sets it, its default, and what listens there. */
export const PORTS: Readonly<Record<StackComponent, { readonly variable: string; readonly default: number; readonly what: string }>> = {
  prometheus: { variable: 'STACK_PROMETHEUS_PORT', default: 9090, what: 'Prometheus' },
  alertmanager: { variable: 'STACK_ALERTMANAGER_PORT', default: 9093, what: 'Alertmanager' },
  pager: { variable: 'STACK_PAGER_PORT', default: 9095, what: 'the local pager' },
};

/** Moves the port of a project's only service (its `port` in the config otherwise). */
export const SERVICE_PORT_VARIABLE = 'STACK_SERVICE_PORT';

/** Everything the stack runs listens on loopback only (services are asked to, with HOST). */
export const HOST = '127.0.0.1';

export const DEFAULT_TRAFFIC_RPS = 20;

/** What the STACK_* variables set; a field is undefined when its variable is unset. */
export interface StackEnvSettings {
  /** STACK_RULES. */
  readonly rules?: RulesMode;
  /** STACK_ENV: a name of the project's environments. */
  readonly env?: Environment;
  /** STACK_PROMETHEUS_PORT, STACK_ALERTMANAGER_PORT, STACK_PAGER_PORT. */
  readonly ports: Partial<Record<StackComponent, number>>;
  /** STACK_SERVICE_PORT, as the port of the project's only service. */
  readonly servicePorts: Readonly<Record<string, number>>;
  /** STACK_TRAFFIC_RPS: the demo's traffic generator. */
  readonly trafficRps?: number;
  /** STACK_DATA_DIR. */
  readonly dataDir?: string;
}

/** Settings that cannot work; the message lists every problem, each with its fix. */
export class StackConfigError extends Error {
  override name = 'StackConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`The local stack cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const validPort = (port: number) => Number.isInteger(port) && port >= 1 && port <= 65535;

/** Reads the STACK_* variables of `vars` for `project`; throws StackConfigError naming every bad one. */
export function settingsFromEnv(vars: NodeJS.ProcessEnv, project: ProjectConfig): StackEnvSettings {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = vars[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const v = value(name);
    if (v === undefined || (allowed as readonly string[]).includes(v)) return v as T | undefined;
    problems.push(`${name}="${v}": must be one of ${allowed.join(', ')}`);
    return undefined;
  };
  const port = (name: string): number | undefined => {
    const raw = value(name);
    if (raw === undefined) return undefined;
    if (validPort(Number(raw))) return Number(raw);
    problems.push(`${name}="${raw}": must be a port number from 1 to 65535`);
    return undefined;
  };

  const ports: Partial<Record<StackComponent, number>> = {};
  for (const [component, spec] of Object.entries(PORTS) as [StackComponent, (typeof PORTS)[StackComponent]][]) {
    const p = port(spec.variable);
    if (p !== undefined) ports[component] = p;
  }
  const servicePort = port(SERVICE_PORT_VARIABLE);
  if (servicePort !== undefined && project.services.length !== 1) {
    problems.push(`${SERVICE_PORT_VARIABLE}="${servicePort}": the project has ${project.services.length} services (${project.services.map((s) => s.name).join(', ')}): set each one's \`port\` in the config instead`);
  }

  const rawRps = value('STACK_TRAFFIC_RPS');
  const trafficRps = rawRps === undefined ? undefined : Number(rawRps);
  if (trafficRps !== undefined && !(trafficRps >= 0 && trafficRps <= 1000)) {
    problems.push(`STACK_TRAFFIC_RPS="${rawRps}": must be a number from 0 to 1000 (requests per second; 0 = no generated traffic)`);
  }

  const settings: StackEnvSettings = {
    rules: oneOf('STACK_RULES', RULES_MODES),
    env: oneOf('STACK_ENV', environmentsOf(project)),
    ports,
    servicePorts: servicePort !== undefined && project.services.length === 1 ? { [project.services[0]!.name]: servicePort } : {},
    trafficRps,
    dataDir: value('STACK_DATA_DIR'),
  };
  if (problems.length > 0) throw new StackConfigError(problems);
  return settings;
}

/** A port the stack will listen on (or have a service listen on), and how to move it. */
export interface PortClaim {
  readonly port: number;
  /** What listens there: "Prometheus", "demo-shop". */
  readonly what: string;
  /** How to move it: "set STACK_PROMETHEUS_PORT to a free port". */
  readonly fix: string;
}

/** One problem per port claimed twice or out of range. */
export function portClashes(claims: readonly PortClaim[]): string[] {
  const problems = claims.filter((c) => !validPort(c.port)).map((c) => `${c.what}: port ${c.port} must be a port number from 1 to 65535: ${c.fix}`);
  for (const [port, sharing] of Map.groupBy(claims.filter((c) => validPort(c.port)), (c) => c.port)) {
    if (sharing.length < 2) continue;
    const whats = sharing.map((c) => c.what);
    const verb = sharing.length === 2 ? 'are both' : 'are all';
    problems.push(`${whats.slice(0, -1).join(', ')} and ${whats.at(-1)} ${verb} on port ${port}: each needs a port of its own (${sharing.map((c) => c.fix).join('; ')})`);
  }
  return problems;
}

/** undefined when `port` can be listened on at `host`, else the error code (EADDRINUSE, EACCES). */
function listenProblem(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** Fails with one line per taken port, naming the port, what wanted it, and how to move it. */
export async function checkPortsFree(claims: readonly PortClaim[]): Promise<void> {
  const problems: string[] = [];
  for (const claim of claims) {
    const problem = await listenProblem(claim.port, HOST);
    if (problem === undefined) continue;
    const why = problem === 'EADDRINUSE' ? 'is already in use' : problem === 'EACCES' ? 'needs privileges this user lacks' : `cannot be listened on (${problem})`;
    problems.push(`port ${claim.port} on ${HOST}, wanted by ${claim.what}, ${why}: ${claim.fix}`);
  }
  if (problems.length > 0) throw new StackConfigError(problems);
}
