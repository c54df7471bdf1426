// What the bundle generators refuse, with a message that names the field and
// the fix, before kustomize or Compose would fail obscurely; and how a
// template's @TOKENS@ are filled.
import { describe, expect, it } from 'vitest';
import { buildCompose } from '../../compose/build.ts';
import { buildK8s } from '../../k8s/build.ts';
import { fillTemplate } from '../../k8s/template.ts';
import { generateProject } from '../../cli/generate-project.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
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
