// The settings of one environment, resolved from the project config: the
// kit's default thresholds, the project's overrides, then the environment's.
// Alerts and dashboards read the same object, so a panel's threshold line is
// the alert's threshold.
import { type DeepPartial, merge } from './merge.ts';
import type { AlertingConfig, EnvironmentConfig, ProjectConfig, ServiceConfig, StackConfig, Thresholds } from './project/config.ts';
import type { Duration } from './rule-types.ts';
import { KUBE_STATE_METRICS_JOB } from './stack-metrics.ts';

export type { Threshold, Thresholds } from './project/config.ts';

/** An environment's name: the project's own (`production`, `staging`, …). */
export type Environment = string;

/** Scrape jobs of the monitoring stack: alerted on by the stack rules, left out of the service alerts. */
export const STACK_JOBS = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  jaeger: 'jaeger',
  nodeExporter: 'node-exporter',
  logstash: 'logstash',
  /** The Elasticsearch exporter, which scrapes Elasticsearch on Prometheus's behalf. */
  elasticsearch: 'elasticsearch-exporter',
} as const;

/** The kit's thresholds; a project overrides them in `thresholds`, an environment in its own. */
export const DEFAULT_THRESHOLDS: Thresholds = {
  service: {
    errorRatio: { value: 0.05, for: '1m' },
    latencyP95Seconds: { value: 1, for: '5m' },
    latencyP99Seconds: { value: 2.5, for: '5m' },
    trafficStoppedFor: '10m',
    targetDownFor: '10m',
    targetDownShare: 0.1,
    jobMissingFor: '5m',
    requestsInFlight: { value: 100, for: '5m' },
    minRequestRate: 1,
    keepFiringFor: '10m',
  },
  slo: { minEventsPerShortWindow: 100, minLongWindowCoverage: 0.9, rehearsalSpeedup: 1 },
  system: {
    hostCpuBusy: { value: 0.9, for: '15m' },
    processCpuSaturation: { value: 0.9, for: '15m' },
    eventLoopUtilization: { value: 0.9, for: '15m' },
    heapNearLimit: { value: 0.9, for: '5m' },
    containerMemoryNearLimit: { value: 0.9, for: '5m' },
    cpuThrottling: { value: 0.25, for: '15m' },
    memoryWarning: { value: 0.8, for: '5m' },
    memoryCritical: { value: 0.95, for: '2m' },
    filesystemWarning: { value: 0.85, for: '5m' },
    filesystemCritical: { value: 0.95, for: '2m' },
    filesystemPredictHours: 24,
    filesystemPredictedFull: { value: 0.5, for: '1h' },
    eventLoopLagSeconds: { value: 0.2, for: '5m' },
    gcTimeRatio: { value: 0.1, for: '10m' },
    fileDescriptorsRatio: { value: 0.8, for: '5m' },
  },
};

export const DEFAULT_STACK: Required<StackConfig> = { logs: true, traces: true, nodeExporter: true, retention: '30d', scrapeInterval: '15s' };
export const DEFAULT_METRICS_PATH = '/metrics';
export const DEFAULT_SLO_PERIOD: Duration = '30d';

export interface AlertConfig extends Thresholds {
  readonly environment: Environment;
  /** The validated project config this environment belongs to. */
  readonly project: ProjectConfig;
  readonly services: readonly ServiceConfig[];
  /** Label that names a service in every alert and route (Prometheus's job). */
  readonly serviceLabel: 'job';
  /** Every job but the stack's own, which the stack rules alert on (one page per outage, not two). */
  readonly serviceSelector: string;
  /** Base URL of the runbook pages; each alert links `<base>/<AlertName>.md`. */
  readonly runbookBaseUrl: string;
  /** Grafana base URL for dashboard links in notifications. */
  readonly grafanaUrl: string;
  readonly alerting: AlertingConfig;
  /** Business alerts' threshold and `for` in this environment, by alert name. */
  readonly businessOverrides: NonNullable<EnvironmentConfig['alerts']>;
  /** Replicas of each service in this environment. */
  readonly replicas: Readonly<Record<string, number>>;
  readonly stack: Required<StackConfig> & { readonly jobs: typeof STACK_JOBS };
}

/** The environments of a project, in the config's order (one, `production`, when none is named). */
export function environmentsOf(project: ProjectConfig): Environment[] {
  const names = Object.keys(project.environments ?? {});
  return names.length === 0 ? ['production'] : names;
}

/** The settings of `env`, optionally with a test's or the local stack's overrides of the thresholds on top. */
export function configFor(project: ProjectConfig, env: Environment, extra: DeepPartial<Thresholds> = {}): AlertConfig {
  const envConfig: EnvironmentConfig = project.environments?.[env] ?? {};
  if (project.environments !== undefined && project.environments[env] === undefined && Object.keys(project.environments).length > 0) {
    throw new Error(`no environment "${env}" in the project config (it has ${Object.keys(project.environments).join(', ')})`);
  }
  const thresholds = merge(merge(merge(DEFAULT_THRESHOLDS, project.thresholds), envConfig.thresholds), extra);
  const stack = { ...DEFAULT_STACK, ...project.stack, ...(envConfig.retention && { retention: envConfig.retention }) };
  return {
    ...thresholds,
    environment: env,
    project,
    services: project.services,
    serviceLabel: 'job',
    // kube-state-metrics is the stack's too (k8s only): its own outage must not read as a service's TargetDown.
    serviceSelector: `job!~"${[...Object.values(STACK_JOBS), KUBE_STATE_METRICS_JOB].join('|')}"`,
    runbookBaseUrl: project.alerting.runbookBaseUrl.replace(/\/+$/, ''),
    grafanaUrl: project.alerting.urls.grafana.replace(/\/+$/, ''),
    alerting: project.alerting,
    businessOverrides: envConfig.alerts ?? {},
    replicas: Object.fromEntries(project.services.map((s) => [s.name, envConfig.replicas?.[s.name] ?? 1])),
    stack: { ...stack, jobs: STACK_JOBS },
  };
}
