// What the bundle generators refuse, with a message that names the field and
// the fix, before kustomize or Compose would fail obscurely; and how a
// template's @TOKENS@ are filled.
import { readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildCompose } from '../../compose/build.ts';
import { buildK8s, ELASTICSEARCH_PASSWORD_KEYS, ELASTICSEARCH_SETUP_SCRIPT } from '../../k8s/build.ts';
import { fillTemplate } from '../../k8s/template.ts';
import { generateProject } from '../../cli/generate-project.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { validateProject } from '../../signals/project/validate.ts';
import { demoProject } from '../support/bundle.ts';

const demo = demoProject();
/** The demo's alerts and dashboards builds: what the bundles mount and copy. */
const built = new Map([...generateProject(demo)].filter(([p]) => !/^(compose|k8s)\//.test(p)));
const withService = (name: string): ProjectConfig => ({ ...demo, services: [{ ...demo.services[0]!, name }] });

describe('the generators refuse', () => {
  it('an environment name that cannot name an overlay and a label', () => {
    const project: ProjectConfig = { ...demo, environments: { Production_EU: {} } };
    expect(() => buildK8s(project, built)).toThrow(/^environments: "Production_EU": must be lowercase letters, digits and dashes/);
  });

  it.each(['kibana', 'elasticsearch', 'prometheus-config', 'deployment-environment', 'grafana-dashboards-services'])('a service named %s, an object of the Kubernetes bundle', (name) => {
    expect(() => buildK8s(withService(name), built)).toThrow(`services: "${name}": names an object of the Kubernetes bundle: choose another name`);
  });

  it.each(['kibana', 'logstash-exporter', 'elasticsearch-setup'])('a service named %s, a service of the compose bundle', (name) => {
    expect(() => buildCompose(withService(name), built)).toThrow(`services: "${name}": is the name of a stack component of the compose and Kubernetes bundles: choose another name`);
  });

  it('two receiver secret files of one name, which would be one key of the receivers Secret', () => {
    const project: ProjectConfig = {
      ...demo,
      alerting: { ...demo.alerting, receivers: { a: { type: 'webhook', urlFile: '/run/a/url' }, b: { type: 'webhook', urlFile: '/run/b/url' } }, teams: { shop: { page: 'a' }, platform: { page: 'b' } } },
    };
    expect(() => buildK8s(project, built)).toThrow(/two receiver secret files are named url/);
  });

  it('to mount or copy files the alerts and dashboards builds did not produce', () => {
    const partial = new Map([...built].filter(([p]) => !p.startsWith('alertmanager/production/')));
    expect(() => buildCompose(demo, partial)).toThrow('the compose bundle mounts files the alerts and dashboards builds did not produce: alertmanager/production/alertmanager.yml');
    expect(() => buildK8s(demo, partial)).toThrow('the Kubernetes bundle copies alertmanager/production/alertmanager.yml, which the alerts build did not produce');
  });
});

describe('fillTemplate', () => {
  it('writes a whole-scalar token as YAML (a number stays a number, a plain name plain, anything else quoted) and a token in text as it is', () => {
    const text = 'port: "@PORT@"\nname: "@NAME@"\npath: "@PATH@"\nflag: "@FLAG@"\n  - "@NAME@"\n# @NAME@ listens on @PORT@\nhost: x.@NAME@.svc\nquery: up{job="@NAME@"}';
    expect(fillTemplate(text, { PORT: 8080, NAME: 'checkout', PATH: '/internal/metrics', FLAG: 'no' })).toBe(
      'port: 8080\nname: checkout\npath: "/internal/metrics"\nflag: "no"\n  - checkout\n# checkout listens on 8080\nhost: x.checkout.svc\nquery: up{job="checkout"}',
    );
  });

  it('leaves out a line whose token has no value, and refuses a token it does not know', () => {
    expect(fillTemplate('a: 1\nversion: "@VERSION@"\nb: 2', { VERSION: undefined })).toBe('a: 1\nb: 2');
    expect(() => fillTemplate('name: "@NAMSPACE@"', { NAMESPACE: 'shop' })).toThrow('template token @NAMSPACE@ has no value');
  });
});

// Finding 5 in Kubernetes: the Elasticsearch pod runs the compose bundle's setup.sh (users, roles, log
// retention), and every other client signs in as its own least-privilege user, never as elastic.
describe('Elasticsearch users and log retention in the Kubernetes bundle', () => {
  const files = buildK8s(demo, built);
  const objects = (file: string) => parseAllDocuments(files.get(`k8s/base/${file}`)!).map((d) => d.toJS() as Record<string, any>);
  const containers = (file: string, name: string): Record<string, any>[] => {
    const workload = objects(file).find((o) => ['Deployment', 'StatefulSet'].includes(o.kind) && o.metadata.name === name)!;
    return workload.spec.template.spec.containers;
  };
  const envOf = (container: Record<string, any>) => new Map<string, Record<string, any>>(container.env.map((e: Record<string, any>) => [e.name, e]));
  const script = readFileSync(ELASTICSEARCH_SETUP_SCRIPT, 'utf8');

  it("ships the compose bundle's setup.sh unchanged (one script for both bundles), in the ConfigMap the setup container mounts", () => {
    const shipped = files.get('k8s/base/elasticsearch/setup.sh')!;
    expect(shipped.startsWith('#!/usr/bin/env bash\n')).toBe(true);
    expect(shipped.slice(shipped.indexOf('\nset -euo pipefail'))).toBe(script.slice(script.indexOf('\nset -euo pipefail')));
    const kustomization = parse(files.get('k8s/base/kustomization.yaml')!) as { configMapGenerator: { name: string; files?: string[] }[] };
    expect(kustomization.configMapGenerator.find((g) => g.name === 'elasticsearch-setup')?.files).toEqual(['elasticsearch/setup.sh']);
    const setup = containers('elasticsearch.yaml', 'elasticsearch').find((c) => c.name === 'setup')!;
    expect(setup.command.join(' ')).toContain('/setup/setup.sh');
    const pod = objects('elasticsearch.yaml').find((o) => o.kind === 'StatefulSet')!.spec.template.spec;
    const mount = setup.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/setup');
    expect(pod.volumes.find((v: { name: string }) => v.name === mount.name).configMap.name).toBe('elasticsearch-setup');
  });

  it('gives setup.sh every variable it requires, each password from its own key of elasticsearch-credentials, and a retention in days', () => {
    const setup = containers('elasticsearch.yaml', 'elasticsearch').find((c) => c.name === 'setup')!;
    const env = envOf(setup);
    const required = [...script.matchAll(/"\$\{([A-Z_]+):\?\}"/g)].map((m) => m[1]!);
    expect(required.filter((v) => !env.has(v))).toEqual([]);
    const keys = required.filter((v) => v.endsWith('_PASSWORD')).map((v) => env.get(v)!.valueFrom.secretKeyRef);
    for (const ref of keys) expect(ref.name).toBe('elasticsearch-credentials');
    expect(keys.map((r) => r.key).sort()).toEqual([...ELASTICSEARCH_PASSWORD_KEYS].sort());
    expect(env.get('LOG_RETENTION_DAYS')!.value).toMatch(/^[1-9][0-9]*$/);
  });

  it.each([
    ['logstash.yaml', 'logstash', 'logstash_writer', 'ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD'],
    ['grafana.yaml', 'grafana', 'grafana_reader', 'ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD'],
    ['kibana.yaml', 'kibana', 'kibana_system', 'ELASTICSEARCH_USERNAME', 'ELASTICSEARCH_PASSWORD'],
    ['elasticsearch.yaml', 'elasticsearch-exporter', 'es_exporter', 'ES_USERNAME', 'ES_PASSWORD'],
  ])('%s: %s signs in as %s, a user setup.sh creates, not as elastic', (file, name, user, userVar, passwordVar) => {
    const env = envOf(containers(file, name)[0]!);
    expect(env.get(userVar)?.value).toBe(user);
    expect(script).toMatch(new RegExp(`/_security/user/${user}[/ ]`));
    const key = env.get(passwordVar)!.valueFrom.secretKeyRef.key as string;
    expect(key).not.toBe('elastic-password');
    expect(ELASTICSEARCH_PASSWORD_KEYS).toContain(key);
  });

  it('gives the elastic password to the Elasticsearch pod only, and the README no default password or elastic hand-out', () => {
    const holders = [...files].filter(([p, text]) => p.startsWith('k8s/base/') && p.endsWith('.yaml') && text.includes('key: elastic-password')).map(([p]) => p);
    expect(holders).toEqual(['k8s/base/elasticsearch.yaml']);
    const readme = files.get('k8s/README.md')!;
    expect(readme).not.toContain('username=elastic');
    expect(readme).not.toContain('kibana-credentials');
    for (const key of ELASTICSEARCH_PASSWORD_KEYS) expect(readme).toContain(`--from-literal=${key}="$(openssl rand -base64 24)"`);
  });
});

// Finding 9: ingress-nginx is retired; the Ingresses take the cluster's default class or the config's, and
// the NetworkPolicies admit the controller's (or Gateway's) namespace from the config.
describe('the ingress class and the ingress namespace', () => {
  const ingresses = (files: Map<string, string>) => parseAllDocuments(files.get('k8s/components/ingress/ingress.yaml')!).map((d) => d.toJS() as Record<string, any>);
  /** Namespaces the base and the services' NetworkPolicies admit by name. */
  const admitted = (files: Map<string, string>) =>
    new Set([...files].filter(([p]) => /^k8s\/base\/.*\.yaml$/.test(p)).flatMap(([, text]) => [...text.matchAll(/kubernetes\.io\/metadata\.name: "?([a-z0-9-]+)"?/g)].map((m) => m[1]!)));

  it('leaves the class to the cluster by default, and admits ingress-nginx', () => {
    const files = buildK8s(demo, built);
    expect(ingresses(files).length).toBeGreaterThan(0);
    for (const ingress of ingresses(files)) expect(ingress.spec.ingressClassName).toBeUndefined();
    expect(admitted(files).has('ingress-nginx')).toBe(true);
  });

  it('uses stack.ingressClass on every Ingress, and admits stack.ingressNamespace instead of ingress-nginx', () => {
    const files = buildK8s({ ...demo, stack: { ...demo.stack, ingressClass: 'traefik', ingressNamespace: 'traefik-system' } }, built);
    for (const ingress of ingresses(files)) expect(ingress.spec.ingressClassName).toBe('traefik');
    expect(admitted(files).has('traefik-system')).toBe(true);
    expect(admitted(files).has('ingress-nginx')).toBe(false);
  });

  it('refuses a class or namespace Kubernetes would refuse, naming the field', () => {
    expect(() => validateProject({ ...demo, stack: { ...demo.stack, ingressClass: 'Nginx Plus' } })).toThrow(/stack\.ingressClass/);
    expect(() => validateProject({ ...demo, stack: { ...demo.stack, ingressNamespace: '' } })).toThrow(/stack\.ingressNamespace/);
  });
});
