// The one typed place for selectors, thresholds, `for` durations and SLO
// objectives, with per-environment overrides. Dashboards (issue 5) read the
// same constants, so a panel's threshold line is the alert's threshold.
import { type DeepPartial, merge } from './merge.ts';
import type { Duration } from './rule-types.ts';

export const ENVIRONMENTS = ['development', 'staging', 'production'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];

export interface Threshold {
  readonly value: number;
  readonly for: Duration;
}

export interface AlertConfig {
  /** Label that names a service in every alert and route (Prometheus's job). */
  readonly serviceLabel: 'job';
  /** Selector of the scrape jobs of services instrumented with the exporter. */
  readonly serviceSelector: string;
  /** Base URL of the runbook pages; each alert links `<base>/<AlertName>.md`. */
  readonly runbookBaseUrl: string;
  /** Grafana base URL for dashboard links in notifications. */
  readonly grafanaUrl: string;
  readonly service: {
    readonly errorRatio: Threshold;
    readonly latencyP95Seconds: Threshold;
    readonly latencyP99Seconds: Threshold;
    /** Traffic at zero for this long, while there was traffic a day earlier. */
    readonly trafficStoppedFor: Duration;
    readonly targetDownFor: Duration;
    readonly requestsInFlight: Threshold;
  };
  readonly system: {
    readonly cpuWarning: Threshold;
    readonly cpuCritical: Threshold;
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
  readonly business: {
    readonly orderFailureRatio: Threshold;
    readonly paymentDeclineRatio: Threshold;
    /** Orders now below this share of the same hour last week. */
    readonly ordersWeekOverWeekRatio: Threshold;
    /** Queue depth growing by more than this per hour, sustained. */
    readonly queueGrowthPerHour: Threshold;
  };
  /** Availability and latency objectives of the HTTP SLOs. */
  readonly slo: {
    readonly availabilityObjective: number;
    readonly latencyObjective: number;
    readonly latencyThresholdSeconds: number;
    readonly period: Duration;
  };
  /** The monitoring stack itself: the scrape job of each component, the same names in the compose and Kubernetes bundles. */
  readonly stack: {
    readonly jobs: {
      readonly prometheus: string;
      readonly alertmanager: string;
      readonly grafana: string;
      readonly jaeger: string;
      readonly nodeExporter: string;
      readonly logstash: string;
      /** The Elasticsearch exporter, which scrapes Elasticsearch on Prometheus's behalf. */
      readonly elasticsearch: string;
    };
  };
}

/** Scrape jobs of the monitoring stack: alerted on by stack.ts, left out of the service alerts. */
const STACK_JOBS = {
  prometheus: 'prometheus',
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  jaeger: 'jaeger',
  nodeExporter: 'node-exporter',
  logstash: 'logstash',
  elasticsearch: 'elasticsearch-exporter',
} as const;

export const baseConfig: AlertConfig = {
  serviceLabel: 'job',
  // Every job but the stack's own, which stack.ts alerts on (one page per outage, not two).
  serviceSelector: `job!~"${Object.values(STACK_JOBS).join('|')}"`,
  runbookBaseUrl: 'https://github.com/example/node-observability-kit/blob/main/alerts/runbooks',
  grafanaUrl: 'http://localhost:3000',
  service: {
    errorRatio: { value: 0.05, for: '1m' },
    latencyP95Seconds: { value: 1, for: '5m' },
    latencyP99Seconds: { value: 2.5, for: '5m' },
    trafficStoppedFor: '10m',
    targetDownFor: '1m',
    requestsInFlight: { value: 100, for: '5m' },
  },
  system: {
    cpuWarning: { value: 0.7, for: '10m' },
    cpuCritical: { value: 0.9, for: '5m' },
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
  business: {
    orderFailureRatio: { value: 0.1, for: '5m' },
    paymentDeclineRatio: { value: 0.2, for: '10m' },
    ordersWeekOverWeekRatio: { value: 0.5, for: '30m' },
    queueGrowthPerHour: { value: 100, for: '30m' },
  },
  slo: {
    availabilityObjective: 0.995,
    latencyObjective: 0.99,
    latencyThresholdSeconds: 0.5,
    period: '30d',
  },
  stack: { jobs: STACK_JOBS },
};

/** What each environment changes; production is the base. */
export const overrides: Readonly<Record<Environment, DeepPartial<AlertConfig>>> = {
  production: {},
  staging: {
    service: { latencyP95Seconds: { value: 1.5, for: '10m' } },
    system: { cpuWarning: { value: 0.8, for: '15m' } },
  },
  development: {
    // Laptops and CI runners: noisy neighbours, short-lived processes, few users.
    service: { latencyP95Seconds: { value: 2, for: '10m' }, trafficStoppedFor: '1h' },
    system: { cpuWarning: { value: 0.9, for: '15m' }, memoryWarning: { value: 0.9, for: '10m' } },
    business: { ordersWeekOverWeekRatio: { value: 0.2, for: '1h' } },
  },
};

/** The config of an environment, optionally with a test's own overrides on top. */
export function configFor(env: Environment, extra: DeepPartial<AlertConfig> = {}): AlertConfig {
  return merge(merge(baseConfig, overrides[env]), extra);
}
