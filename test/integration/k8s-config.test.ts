// The configuration inside the rendered ConfigMaps and Secret of the demo's
// generated bundle, laid out as the pods mount it and checked by the real
// tools: promtool (config and rules) and amtool. The rules, Alertmanager
// configuration and PrometheusRule of each overlay are the alerts build's
// files of that environment.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prometheusConfigProblems } from '../../k8s/check.ts';
import { generatedData, type K8sObject } from '../../k8s/render.ts';
import { configFor, environmentsOf, STACK_JOBS } from '../../signals/alert-settings.ts';
import { KUBE_STATE_METRICS_JOB } from '../../signals/stack-metrics.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { demoProject, generateInto, renderBundle, type WrittenOutput } from '../support/bundle.ts';

const run = promisify(execFile);
const project = demoProject();
const ENVIRONMENTS = environmentsOf(project);
const SERVICE = project.services[0]!.name;
let out: WrittenOutput;
let rendered: Map<string, K8sObject[]>;
let tmp: string;

beforeAll(async () => {
  out = await generateInto(project, 'k8s-config-');
  rendered = await renderBundle(out.k8s);
  tmp = await mkdtemp(path.join(os.tmpdir(), 'k8s-config-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
  await out?.remove();
});

const overlay = (env: string): K8sObject[] => rendered.get(`overlay ${env}`)!;

/** Writes /etc/prometheus/prometheus.yml and /etc/prometheus/rules/ as the StatefulSet mounts them. */
async function prometheusDir(env: string): Promise<string> {
  const dir = path.join(tmp, `prometheus-${env}`);
  await mkdir(path.join(dir, 'rules'), { recursive: true });
  for (const [name, text] of Object.entries(generatedData(overlay(env), 'ConfigMap', 'prometheus-config'))) await writeFile(path.join(dir, name), text);
  for (const [name, text] of Object.entries(generatedData(overlay(env), 'ConfigMap', 'prometheus-rules'))) await writeFile(path.join(dir, 'rules', name), text);
  return dir;
}

const statefulSetArgs = (env: string, name: string): string[] =>
  (overlay(env).find((o) => o.kind === 'StatefulSet' && o.metadata.name === name)!.spec as any).template.spec.containers[0].args;

describe.each(ENVIRONMENTS)('the %s overlay', (env) => {
  it('promtool check config accepts prometheus.yml with its rule files, laid out as mounted', async () => {
    expect(statefulSetArgs(env, 'prometheus')).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const dir = await prometheusDir(env);
    const { stdout } = await run(await resolveTool('promtool'), ['check', 'config', path.join(dir, 'prometheus.yml')]);
    expect(stdout).toContain('is valid prometheus config file syntax');
    expect(stdout).toMatch(/SUCCESS: 1 rule files found/);
    expect(await prometheusConfigProblems(overlay(env))).toEqual([]);
  });

  it('promtool check rules accepts the rules, which are the alerts build’s prometheus/<env>/rules.yml', async () => {
    const dir = await prometheusDir(env);
    const { stdout } = await run(await resolveTool('promtool'), ['check', 'rules', path.join(dir, 'rules', 'rules.yml')]);
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/);
    expect(generatedData(overlay(env), 'ConfigMap', 'prometheus-rules')['rules.yml']).toBe(out.files.get(`prometheus/${env}/rules.yml`));
  });

  it('amtool check-config accepts the Alertmanager configuration from its Secret, with its template, the alerts build’s files', async () => {
    const dir = path.join(tmp, `alertmanager-${env}`);
    await mkdir(dir, { recursive: true });
    const data = generatedData(overlay(env), 'Secret', 'alertmanager-config');
    for (const [name, text] of Object.entries(data)) await writeFile(path.join(dir, name), text);
    expect(statefulSetArgs(env, 'alertmanager')).toContain('--config.file=/etc/alertmanager/config/alertmanager.yml');
    const { stdout } = await run(await resolveTool('amtool'), ['check-config', path.join(dir, 'alertmanager.yml')]);
    expect(stdout).toContain('SUCCESS');
    expect(stdout).toContain(' - 1 templates');
    for (const [name, text] of Object.entries(data)) expect(text, name).toBe(out.files.get(`alertmanager/${env}/${name}`));
  });

  it('prometheus.yml scrapes every stack job by its STACK_JOBS name, the service as its name, and other annotated pods as their app name', () => {
    const config = parse(generatedData(overlay(env), 'ConfigMap', 'prometheus-config')['prometheus.yml']!);
    expect(config.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual([...Object.values(STACK_JOBS), KUBE_STATE_METRICS_JOB, SERVICE, 'kubernetes-pods']);
    // kube-state-metrics's series name the objects' namespace and pod: kept over its own pod's.
    expect(config.scrape_configs.find((j: { job_name: string }) => j.job_name === KUBE_STATE_METRICS_JOB).honor_labels).toBe(true);
    expect(config.global).toMatchObject({ scrape_interval: '15s', evaluation_interval: '15s', external_labels: { environment: env } });
    const service = config.scrape_configs.find((j: { job_name: string }) => j.job_name === SERVICE);
    expect(service.relabel_configs[0]).toEqual({ source_labels: ['__meta_kubernetes_pod_label_app_kubernetes_io_name'], regex: SERVICE, action: 'keep' });
    const pods = config.scrape_configs.at(-1);
    expect(pods.relabel_configs).toContainEqual({ source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], regex: 'true', action: 'keep' });
    const jobRule = pods.relabel_configs.find((r: { target_label?: string }) => r.target_label === 'job');
    const relabel = (joined: string) => joined.replace(new RegExp(`^(?:${jobRule.regex})$`), jobRule.replacement.replace(/\$(\d)/g, '$$$1'));
    expect(relabel(';checkout')).toBe('checkout');
    expect(relabel('legacy-app;')).toBe('legacy-app');
  });

  it('Prometheus keeps the environment’s retention and links to the config’s external URL', () => {
    expect(statefulSetArgs(env, 'prometheus')).toEqual(
      expect.arrayContaining([`--storage.tsdb.retention.time=${configFor(project, env).stack.retention}`, `--web.external-url=${project.alerting.urls.prometheus}`, '--web.route-prefix=/']),
    );
    expect(statefulSetArgs(env, 'alertmanager')).toContain(`--web.external-url=${project.alerting.urls.alertmanager}`);
  });
});

describe.each(ENVIRONMENTS)('the %s overlay runs a scrape target for', (env) => {
  // The stack alerts fire on absent(up{job=...}): every job they watch needs a pod. Node exporter
  // needs host paths, which the namespace's restricted Pod Security Standard forbids.
  const watched = [...Object.values(STACK_JOBS).filter((j) => j !== STACK_JOBS.nodeExporter), SERVICE];
  it.each(watched)('job %s: one pod labelled with its name and annotated with its metrics port, scraped by its own job', (job) => {
    const pods = overlay(env)
      .filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind))
      .map((o) => (o.spec as any).template.metadata)
      .filter((m) => m.labels['app.kubernetes.io/name'] === job);
    expect(pods).toHaveLength(1);
    expect(pods[0].annotations?.['prometheus.io/port']).toMatch(/^\d+$/);
    expect(pods[0].annotations?.['prometheus.io/scrape'], 'pods of the bundle are scraped by their own job, not kubernetes-pods').toBeUndefined();
  });
});

describe.each(ENVIRONMENTS)('the prometheus-operator component of %s', (env) => {
  it('holds the PrometheusRule of that environment, the same groups as the overlay’s rules.yml', () => {
    const objects = rendered.get(`overlay ${env} + component prometheus-operator/${env}`)!;
    const rule = objects.find((o) => o.kind === 'PrometheusRule')!;
    const source = parse(out.files.get(`prometheus/${env}/prometheus-rule.yaml`)!);
    expect(rule.spec).toEqual(source.spec);
    expect((rule.spec as { groups: unknown }).groups).toEqual(parse(out.files.get(`prometheus/${env}/rules.yml`)!).groups);
  });
});
