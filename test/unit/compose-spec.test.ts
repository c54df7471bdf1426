// compose/compose.yaml against the Compose Specification's JSON schema (the
// copy dclint ships) and against the bundle's policies: pinned images,
// healthchecks, memory limits, loopback-only ports, non-root users, no
// secrets in the file, and agreement with compose/services.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, test } from 'vitest';
import { COMPOSE_DIR } from '../../compose/build.ts';
import { type ComposeFile, type ComposeService, composeText, environmentOf, loadCompose, parseCompose, parsePort, declaredPorts, referencedVariables } from '../../compose/model.ts';
import { SERVICES, type StackService } from '../../compose/services.ts';

const require = createRequire(import.meta.url);
const SCHEMA_FILE = join(dirname(require.resolve('dclint/package.json')), 'schemas', 'compose.schema.json');

function composeValidator() {
  const { $schema, ...schema } = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
  // Ajv's default dialect is draft-07; the file names it by an https URI Ajv does not know.
  if (!String($schema).includes('draft-07')) throw new Error(`compose schema dialect changed: ${String($schema)}`);
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

const compose = loadCompose();
const services = Object.entries(compose.services);
const described = new Map((SERVICES as readonly StackService[]).map((s) => [s.name, s]));
const oneShot = (s: ComposeService) => s.restart === 'no';

/** Services without a healthcheck of their own, and why. */
const NO_HEALTHCHECK: Record<string, string> = {
  'logstash-exporter': 'the image is FROM scratch: no shell or HTTP client to probe with; up{job="logstash"} and TargetDown watch it',
};

/** Services that run as the image's root-less default only when told a uid; all do here. Exceptions would be listed with a reason. */
const ROOT_ALLOWED: Record<string, string> = {};

describe('the compose file follows the Compose Specification', () => {
  test('it validates against the compose-spec JSON schema', () => {
    const validate = composeValidator();
    const ok = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  test('the schema check rejects a misspelt key and a wrong type (it is not a no-op)', () => {
    const validate = composeValidator();
    const broken = parseCompose(composeText()) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.prometheus!.mem_limits = '1g';
    expect(validate(broken)).toBe(false);
    const wrongType = parseCompose(composeText()) as unknown as { services: Record<string, Record<string, unknown>> };
    wrongType.services.grafana!.depends_on = 'prometheus';
    expect(validate(wrongType)).toBe(false);
  });
});

describe('every service follows the bundle policies', () => {
  test.each(services)('%s uses an image pinned to an exact version', (_name, service) => {
    expect(service.image, 'every service names its image (built ones get a versioned local name)').toBeDefined();
    const image = service.image!;
    const tag = /^(?:[^/]+\/)*[^/:@]+:([^:@/]+)$/.exec(image)?.[1];
    expect(tag, `${image} has no tag`).toBeDefined();
    expect(tag).not.toBe('latest');
    expect(tag, `${image}: a full version, not a floating major/minor tag`).toMatch(/^v?\d+\.\d+\.\d+/);
    expect(image).not.toContain('${');
  });

  test('services built from the same image use the same tag, and the Elastic stack shares one version', () => {
    const elastic = services.map(([, s]) => s.image!).filter((i) => i.startsWith('docker.elastic.co/'));
    expect(new Set(elastic.map((i) => i.split(':')[1])).size).toBe(1);
    expect(elastic.length).toBeGreaterThanOrEqual(3);
  });

  test.each(services)('%s has a healthcheck unless it is a one-shot job or a listed exception', (name, service) => {
    if (oneShot(service)) {
      expect(service.healthcheck).toBeUndefined();
      return;
    }
    if (name in NO_HEALTHCHECK) {
      expect(service.healthcheck?.disable).toBe(true);
      return;
    }
    expect(service.healthcheck?.test, `${name} needs a healthcheck`).toBeDefined();
    expect(service.healthcheck?.disable).not.toBe(true);
  });

  test.each(services)('%s has a memory limit', (_name, service) => {
    const limit = service.mem_limit ?? service.deploy?.resources?.limits?.memory;
    expect(limit).toBeDefined();
    expect(String(limit)).toMatch(/^\d+(\.\d+)?[kmg]b?$/i);
  });

  test.each(services)('%s rotates its logs', (_name, service) => {
    expect(service.logging?.driver).toBe('json-file');
    expect(service.logging?.options?.['max-size']).toBeDefined();
    expect(service.logging?.options?.['max-file']).toBeDefined();
  });

  test.each(services)('%s publishes ports only on ${BIND_ADDRESS:-127.0.0.1}', (_name, service) => {
    for (const port of service.ports ?? []) {
      expect(parsePort(port).hostIp, `${JSON.stringify(port)} would listen on every interface`).toBe('${BIND_ADDRESS:-127.0.0.1}');
    }
  });

  test.each(services)('%s runs as a non-root user', (name, service) => {
    if (name in ROOT_ALLOWED) return;
    expect(service.user, `${name}: set user: (uid:gid)`).toBeDefined();
    expect(service.user!.split(':')[0]).not.toMatch(/^(0|root)$/);
  });

  test.each(services)('%s keeps secrets out of the file (password-like values are ${VAR} references)', (_name, service) => {
    for (const [key, value] of environmentOf(service)) {
      if (!/PASSWORD|SECRET|TOKEN|KEY|API_URL/i.test(key)) continue;
      expect(value, `${key} must come from .env`).toMatch(/^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/);
    }
  });

  test('required secrets have no default: every ${VAR} of a password-like name is ${VAR:?...}', () => {
    const text = composeText();
    for (const m of text.matchAll(/(?<!\$)\$\{([A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|KEY)[A-Z0-9_]*)([^}]*)\}/g)) {
      expect(m[2], `\${${m[1]}} must be required, without a default`).toMatch(/^:\?/);
    }
  });

  test.each(services)('%s depends only on services that exist, with a condition that fits them', (_name, service) => {
    const deps = service.depends_on ?? {};
    const entries = Array.isArray(deps) ? deps.map((d) => [d, {}] as const) : Object.entries(deps);
    for (const [target, spec] of entries) {
      const dep = compose.services[target];
      expect(dep, `depends on ${target}`).toBeDefined();
      const condition = (spec as { condition?: string }).condition;
      if (oneShot(dep!)) expect(condition).toBe('service_completed_successfully');
      else if (dep!.healthcheck?.test !== undefined) expect(condition).toBe('service_healthy');
      // A service depending on one of a profile must share the profile, or Compose refuses to start.
      for (const profile of dep!.profiles ?? []) expect(service.profiles ?? []).toContain(profile);
    }
  });

  test('Prometheus, Alertmanager, Grafana and Elasticsearch keep their data in named volumes', () => {
    const dataDirs: Record<string, string> = { prometheus: '/prometheus', alertmanager: '/alertmanager', grafana: '/var/lib/grafana', elasticsearch: '/usr/share/elasticsearch/data' };
    for (const [name, dir] of Object.entries(dataDirs)) {
      const mount = (compose.services[name]?.volumes ?? []).find((v) => typeof v === 'string' && v.endsWith(`:${dir}`)) as string | undefined;
      expect(mount, `${name} mounts ${dir}`).toBeDefined();
      expect(Object.keys(compose.volumes ?? {})).toContain(mount!.split(':')[0]);
    }
  });

  test('JVM heaps are about half the memory limit', () => {
    const bytes = (s: string) => Number(/^(\d+)/.exec(s)![1]) * { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[s.replace(/^\d+/, '').slice(0, 1).toLowerCase() as 'k' | 'm' | 'g'];
    for (const [name, variable] of [['elasticsearch', 'ES_JAVA_OPTS'], ['logstash', 'LS_JAVA_OPTS']] as const) {
      const service = compose.services[name]!;
      const opts = environmentOf(service).get(variable) ?? '';
      const xmx = /-Xmx(\d+[kmg])/i.exec(opts)?.[1];
      const xms = /-Xms(\d+[kmg])/i.exec(opts)?.[1];
      expect(xmx, `${name} ${variable}`).toBeDefined();
      expect(xms).toBe(xmx);
      const ratio = bytes(xmx!) / bytes(String(service.mem_limit));
      expect(ratio).toBeGreaterThanOrEqual(0.4);
      expect(ratio).toBeLessThanOrEqual(0.6);
    }
  });
});

describe('the compose file matches compose/services.ts', () => {
  test('the same services, in the same profiles', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...described.keys()].sort());
    for (const [name, service] of services) expect(service.profiles ?? [], name).toEqual(described.get(name)!.profile === undefined ? [] : [described.get(name)!.profile]);
  });

  test.each(services)('%s declares (expose/ports) every port it listens on', (name, service) => {
    expect([...declaredPorts(service)].sort()).toEqual([...described.get(name)!.listens].sort());
  });

  test('the published ports are the UIs plus the OTLP and log intake, nothing else', () => {
    const intake = new Map([['jaeger', [4317, 4318]], ['logstash', [5000]]]);
    for (const [name, service] of services) {
      const expected = [described.get(name)!.ui?.port, ...(intake.get(name) ?? [])].filter((p) => p !== undefined).sort();
      expect((service.ports ?? []).map((p) => parsePort(p).target).sort(), name).toEqual(expected);
    }
  });

  test('one-shot services are exactly those described as one-shot', () => {
    expect(services.filter(([, s]) => oneShot(s)).map(([n]) => n)).toEqual((SERVICES as readonly StackService[]).filter((s) => s.oneShot).map((s) => s.name));
  });
});

describe('.env.example', () => {
  const example = readFileSync(join(COMPOSE_DIR, '.env.example'), 'utf8');
  const entries = new Map(
    example
      .split('\n')
      .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );

  test('lists every variable the compose file refers to (and the secrets Compose reads from the environment)', () => {
    const secretVars = Object.values(compose.secrets ?? {}).flatMap((s) => (s.environment === undefined ? [] : [s.environment]));
    const used = [...referencedVariables(composeText()), ...secretVars];
    expect(used.filter((v) => !entries.has(v))).toEqual([]);
    expect([...entries.keys()].filter((v) => !used.includes(v) && v !== 'COMPOSE_PROFILES'), 'variables nothing uses').toEqual([]);
  });

  test('gives no usable default to any secret', () => {
    for (const [name, value] of entries) {
      if (/PASSWORD|SECRET|TOKEN|KEY|API_URL|HEARTBEAT_URL/.test(name)) expect(value, name).toBe('');
    }
  });

  test('binds to loopback unless changed', () => {
    expect(entries.get('BIND_ADDRESS')).toBe('127.0.0.1');
  });
});
