// The demo's compose.yaml, freshly generated, against the Compose
// Specification's JSON schema (the copy dclint ships) and the bundle's
// policies (compose/policy.ts: pinned images, healthchecks, memory limits,
// loopback-only ports, non-root users, no secrets in the file), each policy
// shown to fail on a copy broken on purpose; and against the bundle's model
// (compose/services.ts) and its .env.example.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { composeSchemaErrors, composeProblems } from '../../compose/check.ts';
import { type ComposeFile, type ComposeService, declaredPorts, parseCompose, parsePort } from '../../compose/model.ts';
import { composeViolations, isOneShot } from '../../compose/policy.ts';
import { bundleServices } from '../../compose/services.ts';
import { demoProject, generateInto, type WrittenOutput } from '../support/bundle.ts';

const project = demoProject();
let out: WrittenOutput;
let text: string;
let compose: ComposeFile;
beforeAll(async () => {
  out = await generateInto(project, 'compose-spec-');
  text = out.files.get('compose/compose.yaml')!;
  compose = parseCompose(text);
});
afterAll(() => out?.remove());

/** A copy of the generated compose file with one service changed. */
function broken(service: string, change: (s: Record<string, any>) => void): ComposeFile {
  const copy = structuredClone(compose) as unknown as { services: Record<string, Record<string, any>> };
  change(copy.services[service]!);
  return copy as unknown as ComposeFile;
}

describe('the compose file follows the Compose Specification', () => {
  test('it validates against the compose-spec JSON schema', () => {
    expect(composeSchemaErrors(compose)).toEqual([]);
  });

  test('the schema check rejects a misspelt key and a wrong type (it is not a no-op)', () => {
    expect(composeSchemaErrors(broken('prometheus', (s) => void (s.mem_limits = '1g'))).join('\n')).toContain('mem_limits');
    expect(composeSchemaErrors(broken('grafana', (s) => void (s.depends_on = 'prometheus')))).not.toEqual([]);
  });
});

describe('the bundle policies', () => {
  test('the generated compose file breaks none of them, and checkComposeBundle finds nothing to report without binaries', () => {
    expect(composeViolations(compose, text)).toEqual([]);
    expect(composeProblems(out.compose)).toEqual([]);
  });

  const breaks: [string, string, (s: Record<string, any>) => void, string][] = [
    ['a floating tag', 'grafana', (s) => void (s.image = 'grafana/grafana:13'), 'is not pinned to an exact version'],
    ['a tag from a variable', 'demo-shop', (s) => void (s.image = 'ghcr.io/example/shop:${TAG}'), 'depends on a variable'],
    ['no healthcheck', 'demo-shop', (s) => void delete s.healthcheck, 'service demo-shop has no healthcheck'],
    ['no memory limit', 'jaeger', (s) => void delete s.mem_limit, 'service jaeger has no memory limit'],
    ['no log rotation', 'alertmanager', (s) => void delete s.logging, 'service alertmanager does not rotate its logs'],
    ['a port on every interface', 'prometheus', (s) => void (s.ports = ['9090:9090']), 'service prometheus publishes "9090:9090"'],
    ['root', 'demo-shop', (s) => void (s.user = '0:0'), 'service demo-shop does not run as a non-root user'],
    ['capabilities kept (no hardening anchor, as Elasticsearch had)', 'elasticsearch', (s) => void delete s.cap_drop, 'service elasticsearch does not drop every capability'],
    ['privileges that may be gained', 'kibana', (s) => void delete s.security_opt, 'service kibana may gain privileges'],
    ['a password in the file', 'grafana', (s) => void (s.environment.GF_SECURITY_ADMIN_PASSWORD = 'admin'), 'sets GF_SECURITY_ADMIN_PASSWORD in the file'],
    ['a dependency that does not exist', 'grafana', (s) => void (s.depends_on = { loki: { condition: 'service_healthy' } }), 'depends on loki, which is not a service'],
    ['a dependency not waited for', 'grafana', (s) => void (s.depends_on = { prometheus: { condition: 'service_started' } }), 'not service_healthy'],
    ['a dependency on another profile', 'demo-shop', (s) => void (s.depends_on = { logstash: { condition: 'service_healthy' } }), 'of profile logs without being in it'],
    ['data in the container', 'prometheus', (s) => void (s.volumes = s.volumes.filter((v: string) => !v.startsWith('prometheus-data'))), 'does not keep /prometheus in a named volume'],
  ];
  test.each(breaks)('composeViolations reports %s', (_what, service, change, message) => {
    const violations = composeViolations(broken(service, change), text);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toContain(message);
  });

  test('a secret variable with a default is reported, and so are Elastic images of two versions', () => {
    expect(composeViolations(compose, text.replace('${ELASTIC_PASSWORD:?set ELASTIC_PASSWORD in compose/.env}', '${ELASTIC_PASSWORD:-changeme}'))).toEqual([
      expect.stringContaining('${ELASTIC_PASSWORD:-changeme} is a secret with a default'),
    ]);
    expect(composeViolations(broken('kibana', (s) => void (s.image = 'docker.elastic.co/kibana/kibana:9.1.0')), text)).toEqual([expect.stringContaining('the Elastic images differ in version')]);
  });

  test('JVM heaps are about half the memory limit', () => {
    const bytes = (s: string) => Number(/^(\d+)/.exec(s)![1]) * { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[s.replace(/^\d+/, '').slice(0, 1).toLowerCase() as 'k' | 'm' | 'g'];
    for (const [name, variable] of [['elasticsearch', 'ES_JAVA_OPTS'], ['logstash', 'LS_JAVA_OPTS']] as const) {
      const service = compose.services[name]!;
      const opts = String((service.environment as Record<string, string>)[variable]);
      const xmx = /-Xmx(\d+[kmg])/i.exec(opts)?.[1];
      expect(xmx, `${name} ${variable}`).toBeDefined();
      expect(/-Xms(\d+[kmg])/i.exec(opts)?.[1]).toBe(xmx);
      const ratio = bytes(xmx!) / bytes(String(service.mem_limit));
      expect(ratio).toBeGreaterThanOrEqual(0.4);
      expect(ratio).toBeLessThanOrEqual(0.6);
    }
  });
});

describe('the compose file matches compose/services.ts', () => {
  const described = () => new Map(bundleServices(project).map((s) => [s.name, s]));
  const services = (): [string, ComposeService][] => Object.entries(compose.services);

  test('the project’s service first, then the stack, in the same profiles', () => {
    expect(Object.keys(compose.services)).toEqual([...described().keys()]);
    expect(Object.keys(compose.services)[0]).toBe('demo-shop');
    for (const [name, service] of services()) expect(service.profiles ?? [], name).toEqual(described().get(name)!.profile === undefined ? [] : [described().get(name)!.profile]);
  });

  test('every service declares (expose/ports) every port it listens on', () => {
    for (const [name, service] of services()) expect([...declaredPorts(service)].sort(), name).toEqual([...described().get(name)!.listens].sort());
  });

  test('the published ports are the UIs plus the OTLP and log intake, nothing else', () => {
    for (const [name, service] of services()) {
      const s = described().get(name)!;
      const expected = [s.ui?.port, ...(s.intake ?? [])].filter((p) => p !== undefined).sort();
      expect((service.ports ?? []).map((p) => parsePort(p).target).sort(), name).toEqual(expected);
    }
  });

  test('one-shot services are exactly those described as one-shot', () => {
    expect(services().filter(([, s]) => isOneShot(s)).map(([n]) => n)).toEqual(bundleServices(project).filter((s) => s.oneShot).map((s) => s.name));
  });
});

describe('.env.example', () => {
  const entries = () =>
    new Map(
      out.files
        .get('compose/.env.example')!
        .split('\n')
        .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
    );

  test('names one variable per receiver secret file of the config, each empty', () => {
    const receivers = [...entries()].filter(([name]) => name.startsWith('ALERTMANAGER_'));
    expect(receivers).toEqual([
      ['ALERTMANAGER_PAGERDUTY_ROUTING_KEY', ''],
      ['ALERTMANAGER_SLACK_API_URL', ''],
      ['ALERTMANAGER_SMTP_PASSWORD', ''],
      ['ALERTMANAGER_HEARTBEAT_URL', ''],
    ]);
  });

  test('binds to loopback unless changed, and runs the logs profile the config asks for', () => {
    expect(entries().get('BIND_ADDRESS')).toBe('127.0.0.1');
    expect(entries().get('COMPOSE_PROFILES')).toBe('logs');
  });
});
