// The compose bundle's rules as pure checks over a parsed compose.yaml: each
// returns one sentence per violation, empty when the file complies, so the
// tests can assert both a generated bundle and a copy broken on purpose, and
// checkComposeBundle reports them to the user.
import { imageProblem } from '../signals/bundles.ts';
import { type ComposeFile, type ComposeService, environmentOf, parsePort } from './model.ts';

/** Services without a healthcheck of their own, and why. */
export const NO_HEALTHCHECK: Readonly<Record<string, string>> = {
  'logstash-exporter': 'the image is FROM scratch: no shell or HTTP client to probe with; up{job="logstash"} and TargetDown watch it',
};

/** Where the stateful components keep their data: a named volume each. */
export const DATA_DIRS: Readonly<Record<string, string>> = {
  prometheus: '/prometheus',
  alertmanager: '/alertmanager',
  grafana: '/var/lib/grafana',
  elasticsearch: '/usr/share/elasticsearch/data',
};

/** The one host address the bundle publishes on, unless the user changes it in .env. */
export const BIND_ADDRESS = '${BIND_ADDRESS:-127.0.0.1}';

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|API_URL/i;

export const isOneShot = (s: ComposeService): boolean => s.restart === 'no';

function serviceProblems(name: string, service: ComposeService, compose: ComposeFile): string[] {
  const out: string[] = [];
  const image = imageProblem(service.image);
  if (image) out.push(image);
  if (isOneShot(service)) {
    if (service.healthcheck !== undefined) out.push('runs once (restart: "no") but has a healthcheck');
  } else if (name in NO_HEALTHCHECK) {
    if (service.healthcheck?.disable !== true) out.push('is a listed exception without a healthcheck but does not disable it');
  } else if (service.healthcheck?.test === undefined || service.healthcheck.disable === true) out.push('has no healthcheck');
  const limit = service.mem_limit ?? service.deploy?.resources?.limits?.memory;
  if (limit === undefined || !/^\d+(\.\d+)?[kmg]b?$/i.test(String(limit))) out.push('has no memory limit');
  if (service.logging?.driver !== 'json-file' || !service.logging.options?.['max-size'] || !service.logging.options['max-file']) out.push('does not rotate its logs (json-file with max-size and max-file)');
  for (const port of service.ports ?? []) if (parsePort(port).hostIp !== BIND_ADDRESS) out.push(`publishes ${JSON.stringify(port)} on an address other than ${BIND_ADDRESS}`);
  if (service.user === undefined || /^(0|root)$/.test(service.user.split(':')[0]!)) out.push('does not run as a non-root user (user: uid:gid)');
  // The hardening anchor (x-hardening) of every service: no capabilities, no privilege gained through setuid.
  if (!(service.cap_drop ?? []).includes('ALL')) out.push('does not drop every capability (cap_drop: [ALL], the x-hardening anchor)');
  if (!(service.security_opt ?? []).includes('no-new-privileges:true')) out.push('may gain privileges (security_opt: [no-new-privileges:true], the x-hardening anchor)');
  for (const [key, value] of environmentOf(service)) {
    if (SECRET_NAME.test(key) && !/^\$\{[A-Z0-9_]+(:\?[^}]*)?\}$/.test(value)) out.push(`sets ${key} in the file instead of from .env (\${VAR:?...})`);
  }
  const deps = service.depends_on ?? {};
  for (const [target, spec] of Array.isArray(deps) ? deps.map((d) => [d, {}] as const) : Object.entries(deps)) {
    const dep = compose.services[target];
    if (dep === undefined) {
      out.push(`depends on ${target}, which is not a service`);
      continue;
    }
    const condition = (spec as { condition?: string }).condition;
    const wanted = isOneShot(dep) ? 'service_completed_successfully' : dep.healthcheck?.test !== undefined ? 'service_healthy' : undefined;
    if (wanted !== undefined && condition !== wanted) out.push(`depends on ${target} with condition ${condition ?? '(none)'}, not ${wanted}`);
    // A service depending on one of a profile must share the profile, or Compose refuses to start.
    for (const profile of dep.profiles ?? []) if (!(service.profiles ?? []).includes(profile)) out.push(`depends on ${target} of profile ${profile} without being in it`);
  }
  return out.map((p) => `service ${name} ${p}`);
}

/** Every rule for every service, and the file-wide ones: required secrets, named data volumes, one Elastic version. */
export function composeViolations(compose: ComposeFile, text: string): string[] {
  const out = Object.entries(compose.services).flatMap(([name, s]) => serviceProblems(name, s, compose));
  for (const m of text.matchAll(/(?<!\$)\$\{([A-Z0-9_]*(?:PASSWORD|SECRET|TOKEN|KEY)[A-Z0-9_]*)([^}]*)\}/g)) {
    if (!m[2]!.startsWith(':?')) out.push(`\${${m[1]}${m[2]}} is a secret with a default: write \${${m[1]}:?set ${m[1]} in .env}`);
  }
  for (const [name, dir] of Object.entries(DATA_DIRS)) {
    const service = compose.services[name];
    if (service === undefined) continue;
    const mount = (service.volumes ?? []).find((v): v is string => typeof v === 'string' && v.endsWith(`:${dir}`));
    if (mount === undefined || !Object.keys(compose.volumes ?? {}).includes(mount.split(':')[0]!)) out.push(`service ${name} does not keep ${dir} in a named volume`);
  }
  const elastic = new Set(Object.values(compose.services).flatMap((s) => (s.image?.startsWith('docker.elastic.co/') ? [s.image.split(':')[1]] : [])));
  if (elastic.size > 1) out.push(`the Elastic images differ in version (${[...elastic].join(', ')}): Elasticsearch, Logstash and Kibana move together`);
  return out;
}
