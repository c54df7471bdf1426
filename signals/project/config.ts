// The project config: what a user writes once, in their own repository
// (`observability.config.ts`), and the CLI turns into rules, Alertmanager
// routing, runbooks, dashboards and bundles. Pure types and data: the app's
// business metric specs are imported from the app's own module, never copied.
import type { MetricSpec } from '../../catalog/spec.ts';
import type { DeepPartial } from '../merge.ts';
import type { Duration, Severity } from '../rule-types.ts';
import type { RemoteWriteConfig } from '../remote-write.ts';
import type { BusinessAlert, BusinessPanel } from './business.ts';

/** The kit's thresholds for every service and host; `thresholds` and each environment override them. */
export interface Threshold {
  readonly value: number;
  readonly for: Duration;
}

export interface Thresholds {
  readonly service: {
    readonly errorRatio: Threshold;
    readonly latencyP95Seconds: Threshold;
    readonly latencyP99Seconds: Threshold;
    /** Traffic at zero for this long, while there was traffic a day earlier. */
    readonly trafficStoppedFor: Duration;
    /** TargetDown waits this long while more than `targetDownShare` of a job's targets are down. */
    readonly targetDownFor: Duration;
    /** Share of a job's targets down above which TargetDown warns (kube-prometheus: 10%). */
    readonly targetDownShare: number;
    /** A configured service's job without any target up for this long: JobMissing pages. */
    readonly jobMissingFor: Duration;
    readonly requestsInFlight: Threshold;
    /** Low-traffic guard: below this many requests per second, error-ratio and latency alerts stay quiet (2 errors in 30 requests are no incident). */
    readonly minRequestRate: number;
    /** How long the flapping-prone service alerts keep firing after their condition clears. */
    readonly keepFiringFor: Duration;
  };
  readonly slo: {
    /** Low-traffic guard: a burn-rate alert needs at least this many events in its short window. */
    readonly minEventsPerShortWindow: number;
    /** A burn-rate alert's long window must hold data over at least this share of its length (no 3-day verdict on a minute of data). */
    readonly minLongWindowCoverage: number;
    /**
     * Rehearsals only (the local stack's quick mode): every SLO window is this many times
     * shorter in the rules (1h reads 5m at 12), names, labels and factors unchanged. 1 in production.
     */
    readonly rehearsalSpeedup: number;
  };
  readonly system: {
    /** Host-wide CPU busy: information only (another tenant's load hurts nobody by itself). */
    readonly hostCpuBusy: Threshold;
    /** CPU seconds per second of one Node process: near 1, its single main thread is saturated. */
    readonly processCpuSaturation: Threshold;
    /** Share of wall time the event loop runs callbacks (event-loop utilisation). */
    readonly eventLoopUtilization: Threshold;
    /** V8 heap used over its limit. */
    readonly heapNearLimit: Threshold;
    /** Container working set over its cgroup memory limit. */
    readonly containerMemoryNearLimit: Threshold;
    /** Share of CFS periods in which the container was throttled (kubernetes-mixin: 25%, information). */
    readonly cpuThrottling: Threshold;
    readonly memoryWarning: Threshold;
    readonly memoryCritical: Threshold;
    readonly filesystemWarning: Threshold;
    readonly filesystemCritical: Threshold;
    /** Hours ahead for the linear disk-full prediction. */
    readonly filesystemPredictHours: number;
    /** The prediction alerts only above this usage (a nearly empty disk's trend is noise), once it held this long. */
    readonly filesystemPredictedFull: Threshold;
    readonly eventLoopLagSeconds: Threshold;
    /** Share of wall time spent in GC. */
    readonly gcTimeRatio: Threshold;
    readonly fileDescriptorsRatio: Threshold;
  };
}

/** The app's business metrics, as it passes them to `exporter.defineMetrics()`. */
export type MetricSpecs = Readonly<Record<string, MetricSpec>>;

/** A service-level objective over the service's HTTP requests (the exporter's `http_server_request_duration_seconds`). */
export interface SloConfig {
  /** `availability`: requests answered without a 5xx. `latency`: requests answered within `thresholdSeconds`. */
  readonly kind: 'availability' | 'latency';
  /** Share of good requests promised, strictly between 0 and 1 (0.999 is "three nines"). */
  readonly objective: number;
  /** Latency SLOs only: a bucket boundary of the request-duration histogram (0.005 … 10). */
  readonly thresholdSeconds?: number;
  /** The compliance period the error budget is counted over (default 30d); Prometheus must keep this much data. */
  readonly period?: Duration;
  /** Only these `http_route` templates count (default: every route). */
  readonly routes?: readonly string[];
}

export interface ServiceConfig {
  /** The Prometheus `job` and the OpenTelemetry `service.name`: lowercase letters, digits and dashes. */
  readonly name: string;
  /** The port the service listens on (and serves `/metrics` on). */
  readonly port: number;
  /** Where the exporter's metrics handler is mounted (default `/metrics`). */
  readonly metricsPath?: string;
  /** The owning team, a key of `alerting.teams`: its alerts are routed there. */
  readonly team: string;
  /** Container image with an exact tag, for the compose and Kubernetes bundles. */
  readonly image: string;
  /** How `observability stack` starts the service on this machine (it gets `PORT`); without it, the stack scrapes a running one. */
  readonly command?: readonly string[];
  /** The service's own metric specs, imported from the app's module. */
  readonly metrics?: MetricSpecs;
  readonly slos?: readonly SloConfig[];
  /** Business alerts, built with `ratioAbove`, `rateDropsWeekOverWeek`, `gaugeGrowing`. */
  readonly alerts?: readonly BusinessAlert[];
  /** Business panels of the service's KPI dashboard, built with `ratePanel`, `ratioPanel`, `quantilePanel`, `gaugePanel`. */
  readonly panels?: readonly BusinessPanel[];
}

/** What one environment changes. Environment names are the user's own. */
export interface EnvironmentConfig {
  readonly thresholds?: DeepPartial<Thresholds>;
  /** Business alerts' threshold and `for`, by alert name. */
  readonly alerts?: Readonly<Record<string, { readonly threshold?: number; readonly for?: Duration }>>;
  /** Replicas per service name (default 1; Kubernetes adds a PodDisruptionBudget and an HPA above 1). */
  readonly replicas?: Readonly<Record<string, number>>;
  /** How long Prometheus keeps data here (default: `stack.retention`). */
  readonly retention?: Duration;
  /** Alertmanager's grouping timings here (default 30s / 5m / 4h). */
  readonly notifications?: Partial<NotificationTimings>;
  /**
   * Kubernetes: Prometheus as a pair (replica label), Alertmanager as a 3-replica cluster, Jaeger
   * storing traces in Elasticsearch when logs run (default: on for the environment named production).
   */
  readonly highAvailability?: boolean;
  /** Prometheus also writes every sample to this long-term store (Thanos Receive, Mimir or VictoriaMetrics). */
  readonly remoteWrite?: RemoteWriteConfig;
  /** Kubernetes: this environment's namespace (default: the project's name); distinct ones let environments share a cluster. */
  readonly namespace?: string;
}

export interface NotificationTimings {
  /** Wait before the first notification of a new group, to batch alerts that start together. */
  readonly groupWait: Duration;
  /** Wait before notifying about alerts added to (or resolved in) a group already notified. */
  readonly groupInterval: Duration;
  /** Wait before repeating a notification that has not changed. */
  readonly repeatInterval: Duration;
}

/** A notification channel. Secrets are never values here: only paths of files the deployment mounts. */
export type ReceiverConfig =
  | { readonly type: 'pagerduty'; readonly routingKeyFile: string }
  | { readonly type: 'slack'; readonly apiUrlFile: string; readonly channel: string }
  | { readonly type: 'email'; readonly to: string; readonly from: string; readonly smarthost: string; readonly username?: string; readonly passwordFile?: string }
  | { readonly type: 'webhook'; readonly urlFile: string }
  /** Not connected yet: Alertmanager keeps the alerts (UI, API) and sends nothing, so no send fails. */
  | { readonly type: 'none' };

/** Where a team's alerts go, by severity: `critical` pages, `warning` makes a ticket (and is posted to chat), `info` is not sent. */
export interface TeamRouting {
  readonly page: string;
  readonly ticket?: string;
  readonly chat?: string;
}

export interface AlertingConfig {
  /** Base URL of the generated runbook pages as the user publishes them: each alert links `<base>/<AlertName>.md`. */
  readonly runbookBaseUrl: string;
  /**
   * Browser-facing URLs: notification links, Prometheus's and Alertmanager's `--web.external-url`,
   * and the dashboards' links to Kibana and Jaeger (default: the local stack's localhost ports).
   */
  readonly urls: { readonly grafana: string; readonly prometheus: string; readonly alertmanager: string; readonly kibana?: string; readonly jaeger?: string };
  /** Receivers by name. */
  readonly receivers: Readonly<Record<string, ReceiverConfig>>;
  /** Routing of each team, by team name; services name their team. */
  readonly teams: Readonly<Record<string, TeamRouting>>;
  /** The team that runs the platform: host, runtime-wide and monitoring-stack alerts go to it. */
  readonly platformTeam: string;
  /** The Watchdog's dead man's switch: a webhook whose URL is in this file (default: not sent). */
  readonly heartbeatUrlFile?: string;
}

/** Which parts of the stack run, and how. */
export interface StackConfig {
  /** Logstash, Elasticsearch and Kibana (default true). */
  readonly logs?: boolean;
  /** Jaeger (default true). */
  readonly traces?: boolean;
  /** The node exporter for host metrics (default true). */
  readonly nodeExporter?: boolean;
  /** How long Prometheus keeps data (default 30d); every SLO period must fit in it. */
  readonly retention?: Duration;
  /** Prometheus's scrape and evaluation interval (default 15s). */
  readonly scrapeInterval?: Duration;
}

/** Where the Kubernetes bundle's UIs are reached from: no default to fill in, so not part of StackConfig's defaults. */
export interface StackIngressConfig {
  /** Kubernetes: the IngressClass of the ingress component's Ingresses (default: none, the cluster's default class). */
  readonly ingressClass?: string;
  /** Kubernetes: the namespace of the ingress controller or Gateway the NetworkPolicies admit (default ingress-nginx). */
  readonly ingressNamespace?: string;
}

export interface ProjectConfig {
  /** The project's name: the Kubernetes namespace, the PrometheusRule's name and the dashboards' tag. */
  readonly name: string;
  readonly services: readonly ServiceConfig[];
  /** Overrides of the kit's default thresholds, for every environment. */
  readonly thresholds?: DeepPartial<Thresholds>;
  /** Environments by name, each with its overrides (default: one, `production`). */
  readonly environments?: Readonly<Record<string, EnvironmentConfig>>;
  readonly alerting: AlertingConfig;
  readonly stack?: StackConfig & StackIngressConfig;
  /** The folder `generate` writes, relative to the config file (default `observability`). */
  readonly output?: string;
}

/** Types the config and returns it unchanged: `export default defineConfig({ ... })`. */
export function defineConfig<const C extends ProjectConfig>(config: C): C {
  return config;
}

export type { Duration, Severity };
