// The compose bundle described as data: which service listens on which port,
// which of them Prometheus scrapes (under which job name), which UIs and
// intake ports are published, and which part of the stack each component
// belongs to. compose/build.ts writes compose.yaml and prometheus.yml from
// it, and checkComposeBundle holds a generated compose.yaml to it, so a
// renamed service, a moved port or a missing scrape job is caught before
// `docker compose up`.
import { DEFAULT_METRICS_PATH, STACK_JOBS } from '../signals/alert-settings.ts';
import { isReservedServiceName, LOGSTASH_TCP_PORT, OTLP_HTTP_PORT } from '../signals/bundles.ts';
import type { ProjectConfig, ServiceConfig, StackConfig } from '../signals/project/config.ts';

export interface ScrapeEndpoint {
  /** Prometheus job name. */
  readonly job: string;
  readonly port: number;
  readonly path: string;
}

export interface BundleService {
  /** Service name in compose.yaml, and so the host name other containers reach it by. */
  readonly name: string;
  /** Ports the container listens on (every one is in the service's `expose` or `ports`). */
  readonly listens: readonly number[];
  /** How Prometheus scrapes it, when it has metrics. */
  readonly scrape?: ScrapeEndpoint;
  /** The UI published on the host (bound to ${BIND_ADDRESS:-127.0.0.1}). */
  readonly ui?: { readonly port: number; readonly title: string; readonly path?: string };
  /** Ports published for apps running on the host (OTLP, log lines). */
  readonly intake?: readonly number[];
  /** Compose profile; services without one always run. */
  readonly profile?: 'logs';
  /** Runs once and exits (no healthcheck, others wait for `service_completed_successfully`). */
  readonly oneShot?: boolean;
}

/** A component of the stack, and the `stack` switch that turns it off (none: always runs). */
interface StackComponent extends BundleService {
  readonly switch?: 'logs' | 'traces' | 'nodeExporter';
}


const metrics = (job: string, port: number): ScrapeEndpoint => ({ job, port, path: '/metrics' });

export const STACK_COMPONENTS: readonly StackComponent[] = [
  { name: 'prometheus', listens: [9090], scrape: metrics(STACK_JOBS.prometheus, 9090), ui: { port: 9090, title: 'Prometheus' } },
  { name: 'alertmanager', listens: [9093], scrape: metrics(STACK_JOBS.alertmanager, 9093), ui: { port: 9093, title: 'Alertmanager' } },
  { name: 'grafana', listens: [3000], scrape: metrics(STACK_JOBS.grafana, 3000), ui: { port: 3000, title: 'Grafana' } },
  {
    name: 'jaeger',
    switch: 'traces',
    // OTLP gRPC and HTTP, the UI, internal telemetry (Prometheus), health check.
    listens: [4317, OTLP_HTTP_PORT, 16686, 8888, 13133],
    scrape: metrics(STACK_JOBS.jaeger, 8888),
    ui: { port: 16686, title: 'Jaeger' },
    intake: [4317, OTLP_HTTP_PORT],
  },
  { name: 'node-exporter', switch: 'nodeExporter', listens: [9100], scrape: metrics(STACK_JOBS.nodeExporter, 9100) },
  { name: 'elasticsearch', switch: 'logs', listens: [9200], profile: 'logs' },
  { name: 'elasticsearch-setup', switch: 'logs', listens: [], profile: 'logs', oneShot: true },
  { name: 'elasticsearch-exporter', switch: 'logs', listens: [9114], profile: 'logs', scrape: metrics(STACK_JOBS.elasticsearch, 9114) },
  { name: 'logstash', switch: 'logs', listens: [LOGSTASH_TCP_PORT, 9600], profile: 'logs', intake: [LOGSTASH_TCP_PORT] },
  // Logstash serves no Prometheus metrics of its own: the exporter reads its API on 9600.
  { name: 'logstash-exporter', switch: 'logs', listens: [9198], profile: 'logs', scrape: metrics(STACK_JOBS.logstash, 9198) },
  { name: 'kibana', switch: 'logs', listens: [5601], profile: 'logs', ui: { port: 5601, title: 'Kibana', path: '/app/discover' } },
];

/** The components the project's `stack` runs (every switch defaults to on). */
export function stackComponents(stack: StackConfig = {}): BundleService[] {
  return STACK_COMPONENTS.filter((c) => c.switch === undefined || stack[c.switch] !== false).map(({ switch: _, ...c }) => c);
}

/** One of the user's services: reached and scraped on its port, as its own job. */
export function projectService(service: ServiceConfig): BundleService {
  return { name: service.name, listens: [service.port], scrape: { job: service.name, port: service.port, path: service.metricsPath ?? DEFAULT_METRICS_PATH } };
}

/** Every service of the bundle: the project's, then the stack's. */
export function bundleServices(project: ProjectConfig): BundleService[] {
  const components = stackComponents(project.stack);
  const taken = project.services.filter((s) => isReservedServiceName(s.name));
  if (taken.length > 0) {
    throw new Error(`services: ${taken.map((s) => `"${s.name}"`).join(', ')}: is the name of a stack component of the compose and Kubernetes bundles: choose another name`);
  }
  return [...project.services.map(projectService), ...components];
}

/** Where the generated and mounted files live inside the Prometheus and Alertmanager containers. */
export const PROMETHEUS_RULES_DIR = '/etc/prometheus/rules';
export const ALERTMANAGER_CONFIG_DIR = '/etc/alertmanager/config';
export const ALERTMANAGER_PORT = 9093;
