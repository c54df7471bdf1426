// The local stack's settings, read from the environment once at start. Every
// problem is reported at once, naming the variable that fixes it; nothing
// falls back silently.
import { createServer } from 'node:net';
import { ENVIRONMENTS, type Environment } from '../signals/alert-settings.ts';

export const RULES_MODES = ['quick', 'generated'] as const;
export type RulesMode = (typeof RULES_MODES)[number];

export type Component = 'service' | 'prometheus' | 'alertmanager' | 'pager';

/** Each component's port: the variable that sets it, its default, and what listens there. */
export const PORTS: Readonly<Record<Component, { readonly variable: string; readonly default: number; readonly what: string }>> = {
  service: { variable: 'STACK_SERVICE_PORT', default: 8080, what: 'the demo service' },
  prometheus: { variable: 'STACK_PROMETHEUS_PORT', default: 9090, what: 'Prometheus' },
  alertmanager: { variable: 'STACK_ALERTMANAGER_PORT', default: 9093, what: 'Alertmanager' },
  pager: { variable: 'STACK_PAGER_PORT', default: 9095, what: 'the local pager' },
};

/** Everything listens on loopback only: nothing of the stack is reachable from the network. */
export const HOST = '127.0.0.1';

export interface StackConfig {
  readonly ports: Readonly<Record<Component, number>>;
  /** quick: the demo rules (default); generated: alerts/generated/<env>/rules.yml unchanged. */
  readonly rules: RulesMode;
  /** Environment whose rules and Alertmanager routing are loaded. */
  readonly env: Environment;
  /** The demo's built-in traffic generator, requests per second. */
  readonly trafficRps: number;
  /** Where data and logs go; undefined: a fresh temp folder. */
  readonly dataDir: string | undefined;
}

/** Settings that cannot work; the message lists every problem, each with its fix. */
export class StackConfigError extends Error {
  override name = 'StackConfigError';
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`npm run stack cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const DEFAULT_TRAFFIC_RPS = 20;

export function parseStackConfig(env: NodeJS.ProcessEnv): StackConfig {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = value(name) ?? fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    problems.push(`${name}="${v}": must be one of ${allowed.join(', ')}`);
    return fallback;
  };

  const ports = {} as Record<Component, number>;
  for (const [component, spec] of Object.entries(PORTS) as [Component, (typeof PORTS)[Component]][]) {
    const raw = value(spec.variable);
    const port = raw === undefined ? spec.default : Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) problems.push(`${spec.variable}="${raw}": must be a port number from 1 to 65535`);
    ports[component] = port;
  }
  const byPort = Map.groupBy(Object.keys(PORTS) as Component[], (c) => ports[c]);
  for (const [port, sharing] of byPort) {
    if (sharing.length > 1) problems.push(`${sharing.map((c) => PORTS[c].variable).join(' and ')} ${sharing.length === 2 ? 'are both' : 'are all'} ${port}: each component needs a port of its own`);
  }

  const rawRps = value('STACK_TRAFFIC_RPS');
  const trafficRps = rawRps === undefined ? DEFAULT_TRAFFIC_RPS : Number(rawRps);
  if (!(trafficRps >= 0 && trafficRps <= 1000)) problems.push(`STACK_TRAFFIC_RPS="${rawRps}": must be a number from 0 to 1000 (requests per second; 0 = no generated traffic)`);

  const config: StackConfig = {
    ports,
    rules: oneOf('STACK_RULES', RULES_MODES, 'quick'),
    env: oneOf('STACK_ENV', ENVIRONMENTS, 'production'),
    trafficRps,
    dataDir: value('STACK_DATA_DIR'),
  };
  if (problems.length > 0) throw new StackConfigError(problems);
  return config;
}

/** undefined when `port` can be listened on at `host`, else the error code (EADDRINUSE, EACCES). */
function listenProblem(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

/** Fails with one line per taken port, naming the port, what wanted it, and the variable that moves it. */
export async function checkPortsFree(config: StackConfig): Promise<void> {
  const problems: string[] = [];
  for (const [component, spec] of Object.entries(PORTS) as [Component, (typeof PORTS)[Component]][]) {
    const port = config.ports[component];
    const problem = await listenProblem(port, HOST);
    if (problem === undefined) continue;
    const why = problem === 'EADDRINUSE' ? 'is already in use' : problem === 'EACCES' ? 'needs privileges this user lacks' : `cannot be listened on (${problem})`;
    problems.push(`port ${port} on ${HOST}, wanted by ${spec.what}, ${why}: set ${spec.variable} to a free port, e.g. ${spec.variable}=${port <= 55535 ? port + 10000 : port - 10000} npm run stack`);
  }
  if (problems.length > 0) throw new StackConfigError(problems);
}
