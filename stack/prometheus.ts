// Runs a real Prometheus on loopback with a config built here (scrape jobs,
// rule files, Alertmanagers) in a folder of the caller's, and wraps the parts
// of its HTTP API that the stack and the tests read. The local stack
// (`npm run stack`) and the integration tests share this one implementation.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveTool } from '../toolchain/index.ts';
import { httpOk, type ManagedProcess, type ProcessGroup, ProcessFailure, startReady } from './processes.ts';

export interface ScrapeJob {
  readonly job: string;
  readonly targets: readonly string[];
  readonly metricsPath?: string;
  /** Default http. */
  readonly scheme?: 'http' | 'https';
  readonly bearerToken?: string;
}

export interface PrometheusOptions {
  readonly jobs: readonly ScrapeJob[];
  readonly scrapeInterval: string;
  /** Default: the scrape interval. */
  readonly evaluationInterval?: string;
  /** Rule files loaded by path, as they are. */
  readonly ruleFiles?: readonly string[];
  /** Rule file texts, written to `<dir>/rules-<i>.yml` and loaded after `ruleFiles`. */
  readonly rules?: readonly string[];
  /** Alertmanagers (host:port) to send alerts to, over the v2 API. */
  readonly alertmanagers?: readonly string[];
  readonly extraFlags?: readonly string[];
}

/** Where and how this Prometheus runs. */
export interface PrometheusPlacement {
  /** Holds prometheus.yml, written rule files and data/; the caller creates and removes it. */
  readonly dir: string;
  /** Listens on 127.0.0.1:port. */
  readonly port: number;
  /** Its output; kept in memory only when unset. */
  readonly logFile?: string;
  /** See ProcessSpec.detached. */
  readonly detached?: boolean;
  /** See ProcessSpec.group. */
  readonly group?: ProcessGroup;
}

export interface RuleHealth {
  readonly name: string;
  readonly health: 'ok' | 'err' | 'unknown';
  readonly lastError?: string;
}

export interface RunningPrometheus {
  readonly url: string;
  readonly dir: string;
  readonly process: ManagedProcess;
  /** Instant query; returns the result vector. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Every metric name Prometheus has stored. */
  metricNames(): Promise<string[]>;
  activeTargets(): Promise<{ labels: Record<string, string>; health: string; lastError: string }[]>;
  /** Alerts pending or firing now (/api/v1/alerts). */
  alerts(): Promise<{ labels: Record<string, string>; annotations: Record<string, string>; state: 'pending' | 'firing'; activeAt: string; value: string }[]>;
  /** Rule groups as loaded, with each rule's health (/api/v1/rules). */
  ruleGroups(): Promise<{ name: string; file: string; rules: RuleHealth[] }[]>;
  /** Re-reads the config and rule files (SIGHUP); resolves once Prometheus has reloaded them. */
  reload(): Promise<void>;
  api<T>(path: string): Promise<T>;
  /** Stops the process; leaves `dir` to the caller. */
  stop(): Promise<void>;
}

/** prometheus.yml for `options`, with the written rule files. JSON is YAML, so no YAML library is needed. */
export function prometheusConfig(options: PrometheusOptions, writtenRuleFiles: readonly string[]): string {
  const config = {
    global: { scrape_interval: options.scrapeInterval, evaluation_interval: options.evaluationInterval ?? options.scrapeInterval },
    rule_files: [...(options.ruleFiles ?? []), ...writtenRuleFiles],
    ...(options.alertmanagers !== undefined && {
      alerting: { alertmanagers: [{ api_version: 'v2', static_configs: [{ targets: options.alertmanagers }] }] },
    }),
    scrape_configs: options.jobs.map((j) => ({
      job_name: j.job,
      metrics_path: j.metricsPath ?? '/metrics',
      ...(j.scheme !== undefined && j.scheme !== 'http' && { scheme: j.scheme }),
      static_configs: [{ targets: j.targets }],
      ...(j.bearerToken !== undefined && { authorization: { type: 'Bearer', credentials: j.bearerToken } }),
    })),
  };
  return JSON.stringify(config, null, 2);
}

export async function startPrometheus(options: PrometheusOptions & PrometheusPlacement): Promise<RunningPrometheus> {
  const bin = await resolveTool('prometheus');
  const { dir } = options;
  const ruleTexts = options.rules ?? [];
  const writtenRules = ruleTexts.map((_, i) => join(dir, `rules-${i}.yml`));
  await Promise.all(ruleTexts.map((text, i) => writeFile(writtenRules[i]!, text)));
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(options, writtenRules));
  const url = `http://127.0.0.1:${options.port}`;
  const proc = await startReady(
    {
      name: 'prometheus',
      command: bin,
      args: [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${options.port}`,
        // Links in notifications (generatorURL) point here rather than at the host name.
        `--web.external-url=${url}`,
        ...(options.extraFlags ?? []),
      ],
      logFile: options.logFile,
      detached: options.detached,
      group: options.group,
    },
    () => httpOk(`${url}/-/ready`),
    'ready',
  );

  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${url}${path}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path}: ${body.error}`);
    return body.data;
  };

  return {
    url,
    dir,
    process: proc,
    api,
    query: async (expr) => (await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`)).result,
    metricNames: () => api<string[]>('/api/v1/label/__name__/values'),
    activeTargets: async () => (await api<{ activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] }>('/api/v1/targets')).activeTargets,
    alerts: async () => (await api<{ alerts: Awaited<ReturnType<RunningPrometheus['alerts']>> }>('/api/v1/alerts')).alerts,
    ruleGroups: async () => (await api<{ groups: Awaited<ReturnType<RunningPrometheus['ruleGroups']>> }>('/api/v1/rules')).groups,
    async reload() {
      const runtime = () => api<{ lastConfigTime: string; reloadConfigSuccess: boolean }>('/api/v1/status/runtimeinfo');
      const before = (await runtime()).lastConfigTime;
      proc.child.kill('SIGHUP');
      const deadline = Date.now() + 10_000;
      let info = await runtime();
      while (info.lastConfigTime === before) {
        if (Date.now() > deadline) throw new ProcessFailure(proc, 'did not reload within 10 s');
        await new Promise((r) => setTimeout(r, 100));
        info = await runtime();
      }
      if (!info.reloadConfigSuccess) throw new ProcessFailure(proc, 'failed to reload');
    },
    async stop() {
      await proc.stop();
    },
  };
}
