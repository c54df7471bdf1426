// environments.<env>.remoteWrite: the environment's Prometheus (Kubernetes
// overlay and compose) writes to the long-term store with the queue settings,
// the real promtool accepts the configuration, and the NetworkPolicies let
// Prometheus reach the store on its port, off the cluster too; an environment
// without it writes nowhere.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { networkAllows } from '../../k8s/policy.ts';
import { generatedData, type K8sObject, render } from '../../k8s/render.ts';
import type { ProjectConfig } from '../../signals/project/config.ts';
import { validateProject } from '../../signals/project/validate.ts';
import { resolveTool } from '../../toolchain/index.ts';
import { demoProject, generateInto, type WrittenOutput } from '../support/bundle.ts';

const run = promisify(execFile);
const STORE = 'http://mimir.example.net:8080/api/v1/push';

const project: ProjectConfig = validateProject({
  ...demoProject(),
  environments: {
    ...demoProject().environments,
    production: { ...demoProject().environments!.production, remoteWrite: { url: STORE, receiver: 'mimir', tenant: 'shop', queue: { maxShards: 20 } } },
  },
});

let out: WrittenOutput;
let production: K8sObject[];
let staging: K8sObject[];
beforeAll(async () => {
  out = await generateInto(project, 'k8s-remote-write-');
  production = await render(out.k8s, { overlay: 'production' });
  staging = await render(out.k8s, { overlay: 'staging' });
}, 120_000);
afterAll(() => out?.remove());

const prometheusYml = (objects: readonly K8sObject[]) => generatedData(objects, 'ConfigMap', 'prometheus-config')['prometheus.yml']!;
const prometheusPod = (objects: readonly K8sObject[]) => ({ namespace: project.name, labels: (objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'prometheus')!.spec as any).template.metadata.labels });
const store = (port: number) => ({ from: prometheusPod(production), to: { namespace: 'mimir', labels: {}, external: true }, port });

describe('remote write of the production environment', () => {
  it('writes to the store as the tenant, with the queue settings and the defaults for the rest', () => {
    const entry = parse(prometheusYml(production)).remote_write;
    expect(entry).toEqual([
      {
        name: 'long-term-store',
        url: STORE,
        headers: { 'X-Scope-OrgID': 'shop' },
        queue_config: { capacity: 10000, min_shards: 1, max_shards: 20, max_samples_per_send: 2000, batch_send_deadline: '5s', min_backoff: '30ms', max_backoff: '5s' },
        send_exemplars: true,
      },
    ]);
    expect(parse(prometheusYml(staging)).remote_write).toBeUndefined();
  });

  it('passes promtool check config', async () => {
    const file = join(out.dir, 'remote-write-prometheus.yml');
    await writeFile(file, prometheusYml(production));
    const result = await run(await resolveTool('promtool'), ['check', 'config', '--syntax-only', file]).then((r) => `${r.stdout}${r.stderr}`, (e: { stdout?: string; stderr?: string }) => `FAILED ${e.stdout}${e.stderr}`);
    expect(result).toContain('SUCCESS');
  });

  it('is allowed out to the store’s port, off the cluster, and no other port is', () => {
    expect(networkAllows(production, store(8080))).toBe(true);
    expect(networkAllows(production, store(8081))).toBe(false);
    expect(networkAllows(staging, { ...store(8080), from: prometheusPod(staging) })).toBe(false);
    // Without the overlay's policy the base's rules (pods of the cluster, 443 anywhere) do not reach it.
    const without = production.filter((o) => o.metadata.name !== 'prometheus-remote-write-egress');
    expect(networkAllows(without, store(8080))).toBe(false);
  });

  it('is in the compose bundle too, which runs the first environment', async () => {
    const compose = parse(await readFile(join(out.compose, 'prometheus.yml'), 'utf8'));
    expect(compose.remote_write[0].url).toBe(STORE);
  });

  it('rejects a store URL that is not http(s), naming the field', () => {
    const bad = { ...demoProject(), environments: { production: { remoteWrite: { url: 'thanos:19291' } } } };
    expect(() => validateProject(bad)).toThrow(/environments\.production\.remoteWrite\.url: "thanos:19291": must be the http\(s\) URL/);
  });
});
