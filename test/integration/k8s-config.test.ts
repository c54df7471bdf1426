// The configuration inside the rendered ConfigMaps and Secret, laid out as the
// pods mount it and checked by the real tools: promtool (config and rules) and
// amtool; the PrometheusRule holds the same rules as alerts/generated.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ALERTS_DIR } from '../../alerts/build.ts';
import { baseConfig, type Environment } from '../../signals/alert-settings.ts';
import { SERVICE_NAME } from '../../k8s/build.ts';
import { OVERLAYS, renderOverlay, renderWithComponent, type K8sObject } from '../../k8s/render.ts';
import { resolveTool } from '../../toolchain/tools.ts';

const run = promisify(execFile);
const rendered = new Map<Environment, K8sObject[]>();
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'k8s-config-'));
  for (const env of OVERLAYS) rendered.set(env, await renderOverlay(env));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The data of the ConfigMap or Secret that a generator named `base` produced (name-hash suffixed). */
function generated(env: Environment, kind: 'ConfigMap' | 'Secret', base: string): Record<string, string> {
  const o = rendered.get(env)!.find((x) => x.kind === kind && new RegExp(`^${base}-[a-z0-9]{10}$`).test(x.metadata.name));
  if (!o) throw new Error(`${env}: no ${kind} generated from ${base}`);
  const data = o.data as Record<string, string>;
  if (kind === 'ConfigMap') return data;
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v.replace(/\s/g, ''), 'base64').toString('utf8')]));
}

/** Writes /etc/prometheus/prometheus.yml and /etc/prometheus/rules/ as the StatefulSet mounts them. */
async function prometheusDir(env: Environment): Promise<string> {
  const dir = path.join(tmp, `prometheus-${env}`);
  await mkdir(path.join(dir, 'rules'), { recursive: true });
  for (const [name, text] of Object.entries(generated(env, 'ConfigMap', 'prometheus-config'))) await writeFile(path.join(dir, name), text);
  for (const [name, text] of Object.entries(generated(env, 'ConfigMap', 'prometheus-rules'))) await writeFile(path.join(dir, 'rules', name), text);
  return dir;
}

const statefulSetArgs = (env: Environment, name: string): string[] =>
  (rendered.get(env)!.find((o) => o.kind === 'StatefulSet' && o.metadata.name === name)!.spec as any).template.spec.containers[0].args;

describe.each(OVERLAYS)('the %s overlay', (env) => {
  it('promtool check config accepts prometheus.yml with its rule files, laid out as mounted', async () => {
    expect(statefulSetArgs(env, 'prometheus')).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const dir = await prometheusDir(env);
    const { stdout } = await run(await resolveTool('promtool'), ['check', 'config', path.join(dir, 'prometheus.yml')]);
    expect(stdout).toContain('is valid prometheus config file syntax');
    expect(stdout).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('promtool check rules accepts the rules, which are alerts/generated/<env>/rules.yml', async () => {
    const dir = await prometheusDir(env);
    const { stdout } = await run(await resolveTool('promtool'), ['check', 'rules', path.join(dir, 'rules', 'rules.yml')]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
    const source = parse(await readFile(path.join(ALERTS_DIR, 'generated', env, 'rules.yml'), 'utf8'));
    expect(parse(generated(env, 'ConfigMap', 'prometheus-rules')['rules.yml']!)).toEqual(source);
  });

  it('amtool check-config accepts the Alertmanager configuration from its Secret, with its template', async () => {
    const dir = path.join(tmp, `alertmanager-${env}`);
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(generated(env, 'Secret', 'alertmanager-config'))) await writeFile(path.join(dir, name), text);
    expect(statefulSetArgs(env, 'alertmanager')).toContain('--config.file=/etc/alertmanager/config/alertmanager.yml');
    const { stdout } = await run(await resolveTool('amtool'), ['check-config', path.join(dir, 'alertmanager.yml')]);
    expect(stdout).toContain('SUCCESS');
    expect(stdout).toContain(' - 1 templates');
    const source = parse(await readFile(path.join(ALERTS_DIR, 'generated', env, 'alertmanager.yml'), 'utf8'));
    expect(parse(generated(env, 'Secret', 'alertmanager-config')['alertmanager.yml']!)).toEqual(source);
  });

  it('prometheus.yml scrapes every stack job by its STACK_JOBS name, and annotated pods as their app name', () => {
    const config = parse(generated(env, 'ConfigMap', 'prometheus-config')['prometheus.yml']!);
    const jobs = config.scrape_configs.map((j: { job_name: string }) => j.job_name);
    expect(jobs).toEqual([...Object.values(baseConfig.stack.jobs), 'kubernetes-pods']);
    expect(config.global.external_labels).toEqual({ environment: env });
    const pods = config.scrape_configs.at(-1);
    expect(pods.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' });
    const jobRule = pods.relabel_configs.find((r: { target_label?: string }) => r.target_label === 'job');
    // The demo is labelled app.kubernetes.io/name=demo-shop: its job (and service.name) is demo-shop.
    const joined = `;${SERVICE_NAME}`;
    expect(joined.replace(new RegExp(`^(?:${jobRule.regex})$`), jobRule.replacement.replace(/\$(\d)/g, '$$$1'))).toBe(SERVICE_NAME);
    expect('legacy-app;'.replace(new RegExp(`^(?:${jobRule.regex})$`), jobRule.replacement.replace(/\$(\d)/g, '$$$1'))).toBe('legacy-app');
  });
});

describe.each(OVERLAYS)('the %s overlay runs a scrape target for', (env) => {
  // The stack alerts fire on absent(up{job=...}): every job they watch needs a pod. Node exporter
  // needs host paths, which the namespace's restricted Pod Security Standard forbids.
  const watched = Object.values(baseConfig.stack.jobs).filter((j) => j !== baseConfig.stack.jobs.nodeExporter);
  it.each(watched)('job %s: a pod labelled with its name and annotated with its metrics port', (job) => {
    const pods = rendered
      .get(env)!
      .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
      .map((o) => (o.spec as any).template.metadata)
      .filter((m) => m.labels['app.kubernetes.io/name'] === job);
    expect(pods).toHaveLength(1);
    expect(pods[0].annotations?.['prometheus.io/port']).toMatch(/^\d+$/);
    expect(pods[0].annotations?.['prometheus.io/scrape'], 'stack pods are scraped by their own job, not kubernetes-pods').toBeUndefined();
  });
});

describe('the prometheus-operator component', () => {
  it('its PrometheusRule holds exactly the rule groups of alerts/generated/production/rules.yml', async () => {
    const objects = await renderWithComponent('production', 'prometheus-operator');
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    const rules = parse(await readFile(path.join(ALERTS_DIR, 'generated', 'production', 'rules.yml'), 'utf8'));
    expect((rule.spec as { groups: unknown }).groups).toEqual(rules.groups);
    const source = parse(await readFile(path.join(ALERTS_DIR, 'generated', 'production', 'prometheus-rule.yaml'), 'utf8'));
    expect(rule.spec).toEqual(source.spec);
  });
});
