// The demo's configuration: defaults, every variable's rule, and one error
// that lists every bad variable with its value and what is allowed.
import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../../examples/demo-shop/demo-settings.ts';

const TOKEN = 'abcdefghijklmnop0123';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

test('an empty environment gives the documented defaults, frozen', () => {
  const config = parseConfig({});
  expect(config).toEqual({
    port: 8080,
    host: '0.0.0.0',
    metricsPort: undefined,
    metricsHost: '0.0.0.0',
    metricsAuth: undefined,
    serviceName: 'demo-shop',
    trafficRps: 5,
    fault: { errorRatio: 0, latencyMs: 0 },
    adminToken: undefined,
    clusterWorkers: 0,
    httpBodySizes: false,
    httpMaxSeries: 2000,
    shutdownTimeoutMs: 10_000,
    serviceVersion: '0.1.0',
    environment: 'development',
    logLevel: 'info',
    requestLogs: true,
    logstash: undefined,
  });
  expect(Object.isFrozen(config)).toBe(true);
  expect(Object.isFrozen(config.fault)).toBe(true);
});

test('every variable is read into the config', () => {
  const config = parseConfig({
    PORT: '3000',
    HOST: '127.0.0.1',
    METRICS_PORT: '9464',
    SERVICE_NAME: 'checkout-api',
    METRICS_USERNAME: 'prometheus',
    METRICS_PASSWORD: 'correct horse',
    TRAFFIC_RPS: '0.5',
    FAULT_ERROR_RATIO: '0.25',
    FAULT_LATENCY_MS: '150',
    ADMIN_TOKEN: TOKEN,
    CLUSTER_WORKERS: '4',
    HTTP_BODY_SIZES: 'true',
    HTTP_MAX_SERIES: '500',
    SHUTDOWN_TIMEOUT_MS: '0',
    SERVICE_VERSION: '2.3.1+build.7',
    DEPLOYMENT_ENVIRONMENT: 'production',
    LOG_LEVEL: 'warn',
    REQUEST_LOGS: 'false',
    LOGSTASH_HOST: 'logstash',
    LOGSTASH_PORT: '5000',
  });
  expect(config).toMatchObject({
    serviceVersion: '2.3.1+build.7',
    environment: 'production',
    logLevel: 'warn',
    requestLogs: false,
    logstash: { host: 'logstash', port: 5000 },
    port: 3000,
    host: '127.0.0.1',
    metricsPort: 9464,
    metricsHost: '127.0.0.1', // follows HOST
    metricsAuth: { username: 'prometheus', password: 'correct horse' },
    serviceName: 'checkout-api',
    trafficRps: 0.5,
    fault: { errorRatio: 0.25, latencyMs: 150 },
    adminToken: TOKEN,
    clusterWorkers: 4,
    httpBodySizes: true,
    httpMaxSeries: 500,
    shutdownTimeoutMs: 0,
  });
  expect(parseConfig({ METRICS_TOKEN: TOKEN, METRICS_HOST: '::1' })).toMatchObject({ metricsAuth: { bearerToken: TOKEN }, metricsHost: '::1' });
});

describe('each bad value is reported with the variable, the value and what is allowed', () => {
  const cases: [name: string, value: string, allowed: string][] = [
    ['PORT', '80a', 'must be an integer from 0 to 65535'],
    ['PORT', '65536', 'must be an integer from 0 to 65535'],
    ['PORT', '-1', 'must be an integer from 0 to 65535'],
    ['PORT', '0x50', 'must be an integer from 0 to 65535'],
    ['PORT', ' 80', 'must be an integer from 0 to 65535'],
    ['PORT', '', 'must be an integer from 0 to 65535 (unset the variable to use the default)'],
    ['HOST', 'local host', 'must be an IPv4 or IPv6 address or a host name'],
    ['HOST', 'http://example.com', 'must be an IPv4 or IPv6 address or a host name'],
    ['METRICS_PORT', 'nine', 'must be an integer from 0 to 65535'],
    ['METRICS_HOST', '-bad-', 'must be an IPv4 or IPv6 address or a host name'],
    ['SERVICE_NAME', 'demo shop', 'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit'],
    ['SERVICE_NAME', '-demo', 'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit'],
    ['SERVICE_NAME', 'x'.repeat(64), 'must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit'],
    ['TRAFFIC_RPS', 'fast', 'must be a number from 0 to 1000 (digits and an optional decimal point)'],
    ['TRAFFIC_RPS', '1001', 'must be a number from 0 to 1000 (digits and an optional decimal point)'],
    ['TRAFFIC_RPS', '1e2', 'must be a number from 0 to 1000 (digits and an optional decimal point)'],
    ['FAULT_ERROR_RATIO', '1.5', 'must be a number from 0 to 1 (digits and an optional decimal point)'],
    ['FAULT_ERROR_RATIO', '50%', 'must be a number from 0 to 1 (digits and an optional decimal point)'],
    ['FAULT_LATENCY_MS', '60001', 'must be an integer from 0 to 60000'],
    ['FAULT_LATENCY_MS', '2.5', 'must be an integer from 0 to 60000'],
    ['CLUSTER_WORKERS', '65', 'must be an integer from 0 to 64'],
    ['CLUSTER_WORKERS', 'auto', 'must be an integer from 0 to 64'],
    ['HTTP_BODY_SIZES', 'yes', 'must be one of true, false, 1, 0'],
    ['HTTP_BODY_SIZES', 'TRUE', 'must be one of true, false, 1, 0'],
    ['HTTP_BODY_SIZES', 'on', 'must be one of true, false, 1, 0'],
    ['HTTP_MAX_SERIES', '0', 'must be an integer from 1 to 1000000'],
    ['HTTP_MAX_SERIES', '2k', 'must be an integer from 1 to 1000000'],
    ['SHUTDOWN_TIMEOUT_MS', '10s', 'must be an integer from 0 to 600000'],
    ['METRICS_USERNAME', 'a:b', 'must not contain ":" or control characters (basic auth splits user and password at the first ":")'],
  ];
  test.each(cases)('%s=%j', (name, value, allowed) => {
    // Basic auth needs both halves; give the other one so only this variable is wrong.
    const env = name === 'METRICS_USERNAME' ? { [name]: value, METRICS_PASSWORD: 'long enough' } : { [name]: value };
    expect(problemsOf(env)).toEqual([`${name}=${JSON.stringify(value)}: ${allowed}`]);
  });
});

test('secrets are named but never echoed in the error', () => {
  const problems = problemsOf({ METRICS_TOKEN: 'short', ADMIN_TOKEN: 'has spaces in it, bad', METRICS_USERNAME: 'me', METRICS_PASSWORD: 'pw' });
  expect(problems).toContain('METRICS_TOKEN=<hidden, 5 characters>: must be at least 16 characters of letters, digits and - . _ ~ + / (optionally ending in =)');
  expect(problems).toContain('ADMIN_TOKEN=<hidden, 21 characters>: must be at least 16 characters of letters, digits and - . _ ~ + / (optionally ending in =)');
  expect(problems).toContain('METRICS_PASSWORD=<hidden, 2 characters>: must be at least 8 characters');
  expect(problems.join('\n')).not.toMatch(/short|has spaces|"pw"/);
});

test('basic auth takes both user and password or neither', () => {
  expect(problemsOf({ METRICS_USERNAME: 'prometheus' })).toEqual(['METRICS_USERNAME="prometheus": needs METRICS_PASSWORD as well (basic auth takes both or neither)']);
  expect(problemsOf({ METRICS_PASSWORD: 'long enough' })).toEqual(['METRICS_PASSWORD=<hidden, 11 characters>: needs METRICS_USERNAME as well (basic auth takes both or neither)']);
});

test('bearer token and basic auth are exclusive', () => {
  expect(problemsOf({ METRICS_TOKEN: TOKEN, METRICS_USERNAME: 'prometheus', METRICS_PASSWORD: 'long enough' })).toEqual([
    'METRICS_TOKEN=<hidden, 20 characters>: cannot be combined with METRICS_USERNAME/METRICS_PASSWORD: choose bearer or basic auth',
  ]);
});

test('cluster mode requires METRICS_PORT, where the primary serves the merged metrics', () => {
  expect(problemsOf({ CLUSTER_WORKERS: '2' })).toEqual([
    'METRICS_PORT is unset: required when CLUSTER_WORKERS is above 0 (the primary process serves the aggregated /metrics there)',
  ]);
  expect(parseConfig({ CLUSTER_WORKERS: '2', METRICS_PORT: '9464' }).clusterWorkers).toBe(2);
});

test('METRICS_PORT must differ from PORT', () => {
  expect(problemsOf({ PORT: '8080', METRICS_PORT: '8080' })).toEqual(['METRICS_PORT="8080": must differ from PORT (or be unset to serve /metrics on the app port)']);
  expect(parseConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0); // both picked by the OS
});

test('several bad variables are all reported in one error, in a readable message', () => {
  let error: unknown;
  try {
    parseConfig({ PORT: '80a', FAULT_ERROR_RATIO: '2', HTTP_BODY_SIZES: 'yes', SERVICE_NAME: 'a b', CLUSTER_WORKERS: '1' });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const { problems, message } = error as ConfigError;
  expect(problems).toEqual([
    'PORT="80a": must be an integer from 0 to 65535',
    'SERVICE_NAME="a b": must be 1 to 63 letters, digits, ".", "_" or "-", starting with a letter or digit',
    'FAULT_ERROR_RATIO="2": must be a number from 0 to 1 (digits and an optional decimal point)',
    'HTTP_BODY_SIZES="yes": must be one of true, false, 1, 0',
    'METRICS_PORT is unset: required when CLUSTER_WORKERS is above 0 (the primary process serves the aggregated /metrics there)',
  ]);
  expect(message).toBe(`invalid configuration (5 problems):\n${problems.map((p) => `  ${p}`).join('\n')}`);
});

test('boolean variables accept exactly true, false, 1 and 0', () => {
  expect(parseConfig({ HTTP_BODY_SIZES: 'true' }).httpBodySizes).toBe(true);
  expect(parseConfig({ HTTP_BODY_SIZES: '1' }).httpBodySizes).toBe(true);
  expect(parseConfig({ HTTP_BODY_SIZES: 'false' }).httpBodySizes).toBe(false);
  expect(parseConfig({ HTTP_BODY_SIZES: '0' }).httpBodySizes).toBe(false);
});

test('METRICS_LEGACY_NAMES is refused, whatever its value, with what to do: the legacy names turned every HTTP and SLO alert off', () => {
  for (const value of ['true', 'false', '1']) {
    expect(() => parseConfig({ METRICS_LEGACY_NAMES: value })).toThrow(/METRICS_LEGACY_NAMES was removed: .*every HTTP and SLO alert off; unset it/);
  }
});

test('logging variables are checked: level names, and Logstash host and port only together', () => {
  expect(() => parseConfig({ LOG_LEVEL: 'verbose' })).toThrow(/LOG_LEVEL="verbose": must be one of trace, debug, info, warn, error, fatal, silent/);
  expect(() => parseConfig({ LOGSTASH_HOST: 'logstash' })).toThrow(/LOGSTASH_HOST="logstash": needs LOGSTASH_PORT as well/);
  expect(() => parseConfig({ LOGSTASH_PORT: '5000' })).toThrow(/LOGSTASH_PORT="5000": needs LOGSTASH_HOST as well/);
  expect(() => parseConfig({ LOGSTASH_HOST: 'logstash', LOGSTASH_PORT: '70000' })).toThrow(/LOGSTASH_PORT="70000": must be an integer from 1 to 65535/);
  expect(() => parseConfig({ REQUEST_LOGS: 'yes' })).toThrow(/REQUEST_LOGS="yes": must be one of true, false, 1, 0/);
});
