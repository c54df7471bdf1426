// Starts a real Prometheus on loopback with its own config and temp dir, and
// wraps the parts of its HTTP API the tests read.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './net.ts';
import { resolveTool } from '../../scripts/tools.ts';

export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
  readonly metricsPath?: string;
  readonly bearerToken?: string;
}

export interface PrometheusOptions {
  readonly jobs: readonly ScrapeJob[];
  readonly scrapeInterval?: string;
  readonly ruleFiles?: readonly string[];
  /** Rule file texts, written to `<dir>/rules-<i>.yml` and loaded after `ruleFiles`. */
  readonly rules?: readonly string[];
  /** Default: the scrape interval. */
  readonly evaluationInterval?: string;
  /** Alertmanagers (host:port) to send alerts to, over the v2 API. */
  readonly alertmanagers?: readonly string[];
  readonly extraFlags?: readonly string[];
}

export interface RunningPrometheus {
  readonly url: string;
  readonly dir: string;
  /** Instant query; returns the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Every metric name Prometheus has stored. */
  metricNames(): Promise<string[]>;
  activeTargets(): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]>;
  /** Alerts pending or firing now (/api/v1/alerts). */
  alerts(): Promise<{ labels: Record<string, string>; annotations: Record<string, string>; state: 'pending' | 'firing'; activeAt: string; value: string }[]>;
  /** Re-reads the config and rule files (SIGHUP); resolves once Prometheus has reloaded them. */
  reload(): Promise<void>;
  api<T>(path: string): Promise<T>;
  stop(): Promise<void>;
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  const bin = await resolveTool('prometheus');
  const dir = await mkdtemp(join(tmpdir(), 'prom-test-'));
  const interval = options.scrapeInterval ?? '1s';
  const ruleTexts = options.rules ?? [];
  const writtenRules = ruleTexts.map((_, i) => join(dir, `rules-${i}.yml`));
  await Promise.all(ruleTexts.map((text, i) => writeFile(writtenRules[i]!, text)));
  // JSON is YAML, so the config needs no YAML library.
  const config = {
    global: { scrape_interval: interval, evaluation_interval: options.evaluationInterval ?? interval },
    rule_files: [...(options.ruleFiles ?? []), ...writtenRules],
    ...(options.alertmanagers !== undefined && {
      alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: options.alertmanagers }] }] },
    }),
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      static_configs: [{ targets: j.targets }],
      ...(j.bearerToken !== undefined && { authorization: { type: 'Bearer', credentials: j.bearerToken } }),
    })),
  };
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.extraFlags ?? []),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${stderr}`);
    return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
  }, 30_000, `prometheus did not become ready:\n${stderr}`);

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };

  return {
    url,
    dir,
    api,
    query: async (expr) => (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    metricNames: () => api<string[]>('/api/v1/label/__name__/values'),
    activeTargets: async () => (await api<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>('/api/v1/targets')).activeTargets,
    alerts: async () => (await api<{ alerts: Awaited<ReturnType<RunningPrometheus['alerts']>> }>('/api/v1/alerts')).alerts,
    async reload() {
      const runtime = () => api<{ lastConfigTime: string; reloadConfigSuccess: boolean }>('/api/v1/status/runtimeinfo');
      const before = (await runtime()).lastConfigTime;
      child.kill('SIGHUP');
      let info = await runtime();
      await waitFor(async () => (info = await runtime()).lastConfigTime !== before, 10_000, `prometheus did not reload:\n${stderr}`, 100);
      if (!info.reloadConfigSuccess) throw new Error(`prometheus failed to reload:\n${stderr}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
