// The demo service's configuration, read from environment variables once at
// start-up. Every variable is checked and every problem reported in one
// error, so a broken deployment is fixed in one round, not one per restart.
// Nothing falls back silently: a value that is set but not understood is an
// error, never the default.
import { isIP } from 'node:net';
import type { MetricsAuth } from '../../exporter/metrics-endpoint.ts';
import { tracingConfigProblems } from '../../exporter/tracing/otel-env.ts';

export interface DemoConfig {
  readonly port: number;
  readonly host: string;
  /** When set, /metrics, /healthz and /readyz are served on this port and /metrics leaves the app port. */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  readonly metricsAuth: MetricsAuth | undefined;
  /** The service name in logs (and, with tracing, in resource attributes). */
  readonly serviceName: string;
  /** Requests per second of the built-in traffic generator; 0 turns it off. */
  readonly trafficRps: number;
  /** Fault injection at start-up; changed at run time through /admin/fault or signals. */
  readonly fault: { readonly errorRatio: number; readonly latencyMs: number };
  /** Bearer token for /admin/*; without it only loopback clients may use them. */
  readonly adminToken: string | undefined;
  /** Worker processes; 0 runs the app in this process. */
  readonly clusterWorkers: number;
  readonly httpBodySizes: boolean;
  readonly httpMaxSeries: number;
  readonly shutdownTimeoutMs: number;
  /** `service.version` in spans and logs. */
  readonly serviceVersion: string;
  /** `deployment.environment.name` in spans, `service.environment` in logs. */
  readonly environment: string;
  readonly logLevel: LogLevel;
  /** One log line per request. */
  readonly requestLogs: boolean;
  /** Logstash tcp input (codec json_lines) that also receives every log line. */
  readonly logstash: { readonly host: string; readonly port: number } | undefined;
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The demo's version, reported as service.version unless SERVICE_VERSION says otherwise. */
export const DEMO_VERSION = '0.1.0';

export class ConfigError extends Error {
  override name = 'ConfigError';
  /** One line per bad variable: `NAME="value": what is allowed`. */
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    const n = problems.length;
    super(`invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.problems = Object.freeze([...problems]);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Secrets are never echoed: an error log must not leak the token it complains about. */
const SECRETS = new Set(['METRICS_TOKEN', 'METRICS_PASSWORD', 'ADMIN_TOKEN']);

// Label values may be any UTF-8, but a service name also ends up in URLs,
// log fields and dashboard variables: keep it to a DNS-label-like shape.
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// RFC 6750 token68 characters, so the value works in an Authorization header as is.
const TOKEN = /^[A-Za-z0-9\-._~+/]{16,}=*$/;

export function parseConfig(env: Env): DemoConfig {
  const problems: string[] = [];
  const shown = (name: string, raw: string) => (SECRETS.has(name) ? `${name}=<hidden, ${raw.length} characters>` : `${name}=${JSON.stringify(raw)}`);
  const bad = (name: string, raw: string, allowed: string) => problems.push(`${shown(name, raw)}: ${allowed}`);

  /** The raw value, or undefined when unset; an empty value is an error, not "unset". */
  const read = (name: string, allowed: string): string | undefined => {
    const raw = env[name];
    if (raw === '') bad(name, raw, `${allowed} (unset the variable to use the default)`);
    return raw === '' ? undefined : raw;
  };

  const integer = (name: string, min: number, max: number, fallback: number): number => {
    const allowed = `must be an integer from ${min} to ${max}`;
    const raw = read(name, allowed);
    if (raw === undefined) return fallback;
    const n = /^\d{1,16}$/.test(raw) ? Number(raw) : NaN;
    if (n >= min && n <= max) return n;
    bad(name, raw, allowed);
    return fallback;
  };

  const decimal = (name: string, min: number, max: number, fallback: number): number => {
    const allowed = `must be a number from ${min} to ${max} (digits and an optional decimal point)`;
    const raw = read(name, allowed);
    if (raw === undefined) return fallback;
    const n = /^\d{1,16}(\.\d{1,16})?$/.test(raw) ? Number(raw) : NaN;
    if (n >= min && n <= max) return n;
    bad(name, raw, allowed);
    return fallback;
  };

  const boolean = (name: string, fallback = false): boolean => {
    const allowed = 'must be one of true, false, 1, 0';
    const raw = read(name, allowed);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw !== 'false' && raw !== '0') bad(name, raw, allowed);
    return raw === 'false' || raw === '0' ? false : fallback;
  };

  const matching = (name: string, pattern: RegExp, allowed: string, fallback?: string): string | undefined => {
    const raw = read(name, allowed);
    if (raw === undefined) return fallback;
    if (pattern.test(raw)) return raw;
    bad(name, raw, allowed);
    return fallback;
  };

  const address = (name: string, fallback: string): string => {
    const allowed = 'must be an IPv4 or IPv6 address or a host name';
    const raw = read(name, allowed);
    if (raw === undefined) return fallback;
    if (isIP(raw) !== 0 || HOSTNAME.test(raw)) return raw;
    bad(name, raw, allowed);
    return fallback;
  };

  const tokenRule = 'must be at least 16 characters of letters, digits and - . _ ~ + / (optionally ending in =)';
  const port = integer('PORT', 0, 65535, 8080);
  const host = address('HOST', '0.0.0.0');
  const metricsPort = env.METRICS_PORT === undefined ? undefined : integer('METRICS_PORT', 0, 65535, 0);
  const metricsHost = address('METRICS_HOST', host);
  const metricsAuth = parseMetricsAuth(env, read, bad, tokenRule);
  const serviceName = matching('SERVICE_NAME', SERVICE_NAME, 'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit', 'demo-shop')!;
  const trafficRps = decimal('TRAFFIC_RPS', 0, 1000, 5);
  const errorRatio = decimal('FAULT_ERROR_RATIO', 0, 1, 0);
  const latencyMs = integer('FAULT_LATENCY_MS', 0, 60_000, 0);
  const adminToken = matching('ADMIN_TOKEN', TOKEN, tokenRule);
  const clusterWorkers = integer('CLUSTER_WORKERS', 0, 64, 0);
  // Removed (issue 17): the kit's alerts and dashboards read only the OpenTelemetry HTTP names.
  if (env.METRICS_LEGACY_NAMES !== undefined) problems.push('METRICS_LEGACY_NAMES was removed: the kit\'s alerts and dashboards read only the OpenTelemetry HTTP names, so the legacy names turned every HTTP and SLO alert off; unset it');
  const httpBodySizes = boolean('HTTP_BODY_SIZES');
  const httpMaxSeries = integer('HTTP_MAX_SERIES', 1, 1_000_000, 2000);
  const shutdownTimeoutMs = integer('SHUTDOWN_TIMEOUT_MS', 0, 600_000, 10_000);
  const serviceVersion = matching('SERVICE_VERSION', /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/, 'must be 1 to 64 letters, digits, ".", "+", "_" or "-" (e.g. 1.4.2)', DEMO_VERSION)!;
  const environment = matching('DEPLOYMENT_ENVIRONMENT', SERVICE_NAME, 'must be 1 to 63 letters, digits, ".", "_" or "-" (e.g. production)', 'development')!;
  const logLevel = matching('LOG_LEVEL', new RegExp(`^(${LOG_LEVELS.join('|')})$`), `must be one of ${LOG_LEVELS.join(', ')}`, 'info') as LogLevel;
  const requestLogs = boolean('REQUEST_LOGS', true);
  const logstashHost = env.LOGSTASH_HOST === undefined ? undefined : address('LOGSTASH_HOST', '');
  const logstashPort = env.LOGSTASH_PORT === undefined ? undefined : integer('LOGSTASH_PORT', 1, 65535, 0);

  // Rules between variables, reported with the variable that has to change.
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    bad('METRICS_PORT', String(metricsPort), 'must differ from PORT (or be unset to serve /metrics on the app port)');
  }
  if (clusterWorkers > 0 && env.METRICS_PORT === undefined) {
    problems.push(`METRICS_PORT is unset: required when CLUSTER_WORKERS is above 0 (the primary process serves the aggregated /metrics there)`);
  }

  if ((env.LOGSTASH_HOST === undefined) !== (env.LOGSTASH_PORT === undefined)) {
    const [set, unset] = env.LOGSTASH_HOST === undefined ? ['LOGSTASH_PORT', 'LOGSTASH_HOST'] : ['LOGSTASH_HOST', 'LOGSTASH_PORT'];
    bad(set, env[set]!, `needs ${unset} as well (logs go to Logstash only when both are set)`);
  }

  // Tracing's own fatal problems (an exporter the kit does not ship) in the same list; its invalid values are warnings at start (otel-env.ts).
  problems.push(...tracingConfigProblems(env));

  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    port,
    host,
    metricsPort,
    metricsHost,
    metricsAuth: metricsAuth && Object.freeze(metricsAuth),
    serviceName,
    trafficRps,
    fault: Object.freeze({ errorRatio, latencyMs }),
    adminToken,
    clusterWorkers,
    httpBodySizes,
    httpMaxSeries,
    shutdownTimeoutMs,
    serviceVersion,
    environment,
    logLevel,
    requestLogs,
    logstash: logstashHost && logstashPort ? Object.freeze({ host: logstashHost, port: logstashPort }) : undefined,
  });
}

/** Bearer token or basic credentials for /metrics: one scheme, and basic needs both halves. */
function parseMetricsAuth(
  env: Env,
  read: (name: string, allowed: string) => string | undefined,
  bad: (name: string, raw: string, allowed: string) => void,
  tokenRule: string,
): MetricsAuth | undefined {
  const token = read('METRICS_TOKEN', tokenRule);
  const username = read('METRICS_USERNAME', 'must be a user name without ":"');
  const password = read('METRICS_PASSWORD', 'must be a password of at least 8 characters');
  let ok = true;
  if (token !== undefined && !TOKEN.test(token)) {
    bad('METRICS_TOKEN', token, tokenRule);
    ok = false;
  }
  if (username !== undefined && (username.includes(':') || /[\x00-\x1f\x7f]/.test(username))) {
    bad('METRICS_USERNAME', username, 'must not contain ":" or control characters (basic auth splits user and password at the first ":")');
    ok = false;
  }
  if (password !== undefined && password.length < 8) {
    bad('METRICS_PASSWORD', password, 'must be at least 8 characters');
    ok = false;
  }
  if ((username === undefined) !== (password === undefined)) {
    const [set, unset] = username === undefined ? ['METRICS_PASSWORD', 'METRICS_USERNAME'] : ['METRICS_USERNAME', 'METRICS_PASSWORD'];
    bad(set, env[set]!, `needs ${unset} as well (basic auth takes both or neither)`);
    ok = false;
  }
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    bad('METRICS_TOKEN', token, 'cannot be combined with METRICS_USERNAME/METRICS_PASSWORD: choose bearer or basic auth');
    ok = false;
  }
  if (!ok) return undefined;
  if (token !== undefined) return { bearerToken: token };
  if (username !== undefined && password !== undefined) return { username, password };
  return undefined;
}
