// What the compose and Kubernetes bundles share about the user's services:
// how a service reaches the stack's telemetry intake, which files
// Alertmanager reads its receivers' secrets from (each bundle must put a
// secret at each of these paths, since the config never holds a value), and
// what makes an image reference pinned.
import type { AlertingConfig, ProjectConfig, ReceiverConfig, ServiceConfig, StackConfig } from './project/config.ts';
import type { RemoteWriteConfig } from './remote-write.ts';

/** Replicas of the stack's Prometheus and Alertmanager in an environment that survives a node loss. */
export const HA_REPLICAS = { prometheus: 2, alertmanager: 3 } as const;

/**
 * Whether `env` runs the stack highly available (Prometheus pair, Alertmanager cluster, Jaeger on
 * Elasticsearch): its `highAvailability`, by default on for the environment named production.
 */
export function highAvailability(project: ProjectConfig, env: string): boolean {
  return project.environments?.[env]?.highAvailability ?? env === 'production';
}

/** Where the ingress controller (or the Gateway) runs when the config does not say: ingress-nginx's namespace. */
export const DEFAULT_INGRESS_NAMESPACE = 'ingress-nginx';

/** The Kubernetes namespace of `env`'s overlay: its own, or the project's name. */
export function namespaceOf(project: ProjectConfig, env: string): string {
  return project.environments?.[env]?.namespace ?? project.name;
}

/** The long-term store `env`'s Prometheus writes to, if any. */
export function remoteWriteOf(project: ProjectConfig, env: string): RemoteWriteConfig | undefined {
  return project.environments?.[env]?.remoteWrite;
}

/** Jaeger's OTLP/HTTP receiver, where services send their spans. */
export const OTLP_HTTP_PORT = 4318;
/** Logstash's tcp input: services ship ECS JSON lines here (codec json_lines). */
export const LOGSTASH_TCP_PORT = 5000;

/**
 * The environment of one of the project's services in a bundle, where the
 * stack's components answer to their own names (`jaeger`, `logstash`):
 * its port and name, and its spans and log lines sent to the stack when
 * traces and logs run.
 */
export function serviceEnvironment(service: ServiceConfig, stack: Required<Pick<StackConfig, 'logs' | 'traces'>>): Record<string, string> {
  return {
    PORT: String(service.port),
    SERVICE_NAME: service.name,
    OTEL_SERVICE_NAME: service.name,
    ...(stack.traces ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://jaeger:${OTLP_HTTP_PORT}` } : { OTEL_TRACES_EXPORTER: 'none' }),
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    // ECS JSON lines over TCP to Logstash's tcp input (codec json_lines); while Logstash
    // is away the exporter retries with backoff and counts the drops.
    ...(stack.logs && { LOGSTASH_HOST: 'logstash', LOGSTASH_PORT: String(LOGSTASH_TCP_PORT) }),
  };
}

function filesOf(receiver: ReceiverConfig): (string | undefined)[] {
  switch (receiver.type) {
    case 'pagerduty': return [receiver.routingKeyFile];
    case 'slack': return [receiver.apiUrlFile];
    case 'email': return [receiver.passwordFile];
    case 'webhook': return [receiver.urlFile];
    case 'none': return [];
  }
}

/** Every secret file of the receivers and the heartbeat, in the config's order, each once. */
export function receiverSecretFiles(alerting: AlertingConfig): string[] {
  const files = [...Object.values(alerting.receivers).flatMap(filesOf), alerting.heartbeatUrlFile];
  return [...new Set(files.filter((f): f is string => f !== undefined))];
}

/** Why an image reference is not pinned to an exact version (registry/name:1.2.3, or a digest), or undefined when it is. */
export function imageProblem(image: string | undefined): string | undefined {
  if (!image) return 'has no image';
  if (image.includes('${')) return `image ${image} depends on a variable`;
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return undefined;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  if (tag === undefined) return `image ${image} has no tag`;
  if (!/^v?\d+\.\d+\.\d+([-+.][0-9A-Za-z.-]+)?$/.test(tag)) return `image ${image} is not pinned to an exact version`;
  return undefined;
}

/**
 * Names a service of the project may not take: the compose services and the
 * Kubernetes objects of the stack (a service's name names its compose
 * service, Deployment, Service and ConfigMaps).
 */
export const RESERVED_SERVICE_NAMES: readonly string[] = [
  'prometheus',
  'alertmanager',
  'grafana',
  'jaeger',
  'node-exporter',
  'elasticsearch',
  'elasticsearch-setup',
  'elasticsearch-exporter',
  'logstash',
  'logstash-exporter',
  'kibana',
  'deployment-environment',
  'prometheus-config',
  'prometheus-rules',
  'grafana-datasources',
  'grafana-dashboard-providers',
  'logstash-config',
  'logstash-pipeline',
];

/** Whether `name` would clash with an object of the compose or Kubernetes bundle. */
export const isReservedServiceName = (name: string): boolean => RESERVED_SERVICE_NAMES.includes(name) || name.startsWith('grafana-dashboards-');
