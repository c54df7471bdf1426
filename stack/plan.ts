// What a local stack will run, decided and checked before anything starts:
// the environment and rules mode, each service started or scraped, every
// port (free, and no two alike), the data folder. Every problem is reported
// at once, each with its fix.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Environment, environmentsOf } from '../signals/alert-settings.ts';
import type { ProjectConfig } from '../signals/project/config.ts';
import { generatedRuleFile } from './rules.ts';
import { planServices, type ServicePlan, type ServiceSources, servicePortClaim } from './services.ts';
import { checkPortsFree, DEFAULT_TRAFFIC_RPS, type PortClaim, PORTS, portClashes, type RulesMode, type StackComponent, StackConfigError } from './stack-settings.ts';

export interface StackOptions extends ServiceSources {
  /** The output folder of `generate`: the generated rules mode loads `<outDir>/prometheus/<env>/rules.yml`. */
  readonly outDir?: string;
  /** Whose rules and routing are loaded (default: the project's first environment). */
  readonly env?: Environment;
  /** quick (default): the rules with short `for` and windows; generated: the rule file of `generate`, unchanged. */
  readonly rules?: RulesMode;
  /** Ports of the stack's own components (default 9090, 9093, 9095). */
  readonly ports?: Partial<Record<StackComponent, number>>;
  /** Where data and logs go (default: a fresh temp folder). */
  readonly dataDir?: string;
  /** The demo's traffic generator and fault switch (examples/demo-shop), for the project's first service. */
  readonly demoExtras?: { readonly trafficRps?: number };
  /** The environment services inherit; also METRICS_TOKEN, ADMIN_TOKEN and OTEL_* (default: this process's). */
  readonly vars?: NodeJS.ProcessEnv;
  /** Where the stack prints (default: stdout and stderr). */
  readonly print?: StackPrinter;
}

export interface StackPrinter {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/** What the options resolve to, before any port is probed or folder made. */
export interface ResolvedStack {
  readonly project: ProjectConfig;
  readonly env: Environment;
  readonly rules: RulesMode;
  readonly outDir: string | undefined;
  readonly ports: Readonly<Record<StackComponent, number>>;
  readonly services: readonly ServicePlan[];
  /** Every port the stack and its started services will listen on. */
  readonly claims: readonly PortClaim[];
  /** Where data and logs go; undefined: a fresh temp folder. */
  readonly dataDir: string | undefined;
  readonly demoExtras: { readonly trafficRps: number } | undefined;
  readonly vars: NodeJS.ProcessEnv;
  readonly print: StackPrinter;
}

export interface StackPlan extends ResolvedStack {
  /** Created; holds logs/, prometheus/, alertmanager/. */
  readonly dataDir: string;
}

/** Lines to stdout and stderr. */
export const STANDARD_PRINTER: StackPrinter = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) };

/** Applies the defaults to `options` and checks them; throws StackConfigError listing every problem. */
export function resolveStack(options: StackOptions): ResolvedStack {
  const { project } = options;
  const problems: string[] = [];
  const environments = environmentsOf(project);
  const env = options.env ?? environments[0]!;
  if (!environments.includes(env)) problems.push(`environment "${env}": the project has ${environments.join(', ')}: choose one of them (STACK_ENV)`);
  const rules = options.rules ?? 'quick';
  if (rules === 'generated') {
    if (options.outDir === undefined) problems.push('the generated rules mode loads the rule file of `generate`: give the output folder it wrote');
    else if (!existsSync(generatedRuleFile(options.outDir, env))) {
      problems.push(`the generated rules mode loads ${generatedRuleFile(options.outDir, env)}, which does not exist: run \`observability-kit generate\` first, or use the quick rules mode`);
    }
  }
  const { services, problems: serviceProblems } = planServices(options);
  problems.push(...serviceProblems);

  const ports = Object.fromEntries((Object.keys(PORTS) as StackComponent[]).map((c) => [c, options.ports?.[c] ?? PORTS[c].default])) as Record<StackComponent, number>;
  const claims: PortClaim[] = [
    ...(Object.keys(PORTS) as StackComponent[]).map((c) => ({ port: ports[c], what: PORTS[c].what, fix: `set ${PORTS[c].variable} to a free port, e.g. ${PORTS[c].variable}=${ports[c] <= 55535 ? ports[c] + 10000 : ports[c] - 10000}` })),
    ...services.flatMap((s) => (s.kind === 'started' ? [servicePortClaim(s, project)] : [])),
  ];
  problems.push(...portClashes(claims));
  if (problems.length > 0) throw new StackConfigError(problems);
  return {
    project,
    env,
    rules,
    outDir: options.outDir,
    ports,
    services,
    claims,
    dataDir: options.dataDir,
    demoExtras: options.demoExtras && { trafficRps: options.demoExtras.trafficRps ?? DEFAULT_TRAFFIC_RPS },
    vars: options.vars ?? process.env,
    print: options.print ?? STANDARD_PRINTER,
  };
}

/** Resolves `options`, checks that every port is free, then creates the data folder; throws StackConfigError listing every problem. */
export async function planStack(options: StackOptions): Promise<StackPlan> {
  const resolved = resolveStack(options);
  await checkPortsFree(resolved.claims);
  const dataDir = resolved.dataDir !== undefined ? resolve(resolved.dataDir) : await mkdtemp(join(tmpdir(), 'observability-kit-stack-'));
  await Promise.all(['logs', 'prometheus', 'alertmanager'].map((d) => mkdir(join(dataDir, d), { recursive: true })));
  return { ...resolved, dataDir };
}
