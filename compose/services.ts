// The compose bundle described as data: which service listens on which port,
// which of them Prometheus scrapes (under which job name) and which UIs are
// published. compose/build.ts writes the Prometheus config from it, and the
// tests hold compose/compose.yaml to it, so a renamed service, a moved port or
// a missing scrape job is caught before `docker compose up`.
import { baseConfig } from '../signals/alert-settings.ts';

const JOBS = baseConfig.stack.jobs;

/** The demo service's scrape job: its service.name, which the dashboards link by. */
export const DEMO_JOB = 'demo-shop';

export interface ScrapeEndpoint {
  /** Prometheus job name. */
  readonly job: string;
  readonly port: number;
  readonly path: string;
}

export interface StackService {
  /** Service name in compose.yaml, and so the host name other containers reach it by. */
  readonly name: string;
  /** Ports the container listens on (every one is in the service's `expose` or `ports`). */
  readonly listens: readonly number[];
  /** How Prometheus scrapes it, when it has metrics. */
  readonly scrape?: ScrapeEndpoint;
  /** The UI published on the host (bound to ${BIND_ADDRESS:-127.0.0.1}). */
  readonly ui?: { readonly port: number; readonly title: string; readonly path?: string };
  /** Compose profile; services without one always run. */
  readonly profile?: 'logs';
  /** Runs once and exits (no healthcheck, others wait for `service_completed_successfully`). */
  readonly oneShot?: boolean;
}

/** The Elastic stack's exact version: Elasticsearch, Logstash and Kibana move together. */
export const ELASTIC_VERSION = '9.2.2';

/** Logstash's tcp input: the demo ships ECS JSON lines here (codec json_lines). */
export const LOGSTASH_TCP_PORT = 5000;

export const SERVICES = [
  { name: 'demo', listens: [8080], scrape: { job: DEMO_JOB, port: 8080, path: '/metrics' } },
  {
    name: 'prometheus',
    listens: [9090],
    scrape: { job: JOBS.prometheus, port: 9090, path: '/metrics' },
    ui: { port: 9090, title: 'Prometheus' },
  },
  {
    name: 'alertmanager',
    listens: [9093],
    scrape: { job: JOBS.alertmanager, port: 9093, path: '/metrics' },
    ui: { port: 9093, title: 'Alertmanager' },
  },
  { name: 'grafana', listens: [3000], scrape: { job: JOBS.grafana, port: 3000, path: '/metrics' }, ui: { port: 3000, title: 'Grafana' } },
  {
    name: 'jaeger',
    // OTLP gRPC and HTTP, the UI, internal telemetry (Prometheus), health check.
    listens: [4317, 4318, 16686, 8888, 13133],
    scrape: { job: JOBS.jaeger, port: 8888, path: '/metrics' },
    ui: { port: 16686, title: 'Jaeger' },
  },
  { name: 'node-exporter', listens: [9100], scrape: { job: JOBS.nodeExporter, port: 9100, path: '/metrics' } },
  { name: 'elasticsearch', listens: [9200], profile: 'logs' },
  { name: 'elasticsearch-setup', listens: [], profile: 'logs', oneShot: true },
  {
    name: 'elasticsearch-exporter',
    listens: [9114],
    profile: 'logs',
    scrape: { job: JOBS.elasticsearch, port: 9114, path: '/metrics' },
  },
  { name: 'logstash', listens: [LOGSTASH_TCP_PORT, 9600], profile: 'logs' },
  // Logstash serves no Prometheus metrics of its own: the exporter reads its API on 9600.
  { name: 'logstash-exporter', listens: [9198], profile: 'logs', scrape: { job: JOBS.logstash, port: 9198, path: '/metrics' } },
  { name: 'kibana', listens: [5601], profile: 'logs', ui: { port: 5601, title: 'Kibana', path: '/app/discover' } },
] as const satisfies readonly StackService[];

export type ServiceName = (typeof SERVICES)[number]['name'];

/** Where the generated and mounted files live inside the Prometheus and Alertmanager containers. */
export const PROMETHEUS_RULES_DIR = '/etc/prometheus/rules';
export const ALERTMANAGER_PORT = 9093;

export function scrapedServices(): (StackService & { scrape: ScrapeEndpoint })[] {
  return (SERVICES as readonly StackService[]).filter((s): s is StackService & { scrape: ScrapeEndpoint } => s.scrape !== undefined);
}
