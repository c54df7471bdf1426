// Prometheus's remote_write to an existing long-term store, per environment
// of the project config: what it is set with, its queue defaults, the
// remote_write entry both bundles put in prometheus.yml, and its validation.
// Thanos Receive is the documented default; Grafana Mimir and
// VictoriaMetrics differ only in how they name the tenant.

/** The stores the kit knows how to name a tenant for. */
export type RemoteWriteReceiver = 'thanos-receive' | 'mimir' | 'victoriametrics';
export const REMOTE_WRITE_RECEIVERS: readonly RemoteWriteReceiver[] = ['thanos-receive', 'mimir', 'victoriametrics'];

/** Prometheus's queue_config fields the config may set (Prometheus's own names, camelCased). */
export interface RemoteWriteQueue {
  /** Samples buffered per shard before reading the WAL blocks. */
  readonly capacity: number;
  readonly minShards: number;
  readonly maxShards: number;
  readonly maxSamplesPerSend: number;
  /** Longest a sample waits in a shard before it is sent. */
  readonly batchSendDeadline: string;
  readonly minBackoff: string;
  readonly maxBackoff: string;
}

export interface RemoteWriteConfig {
  /**
   * The store's write endpoint: Thanos Receive `http://thanos-receive:19291/api/v1/receive`,
   * Mimir `http://mimir-distributor:8080/api/v1/push`, VictoriaMetrics `http://victoria-metrics:8428/api/v1/write`.
   */
  readonly url: string;
  /** Default `thanos-receive`. */
  readonly receiver?: RemoteWriteReceiver;
  /** The tenant to write as: Thanos's THANOS-TENANT header, Mimir's X-Scope-OrgID; VictoriaMetrics takes it in the URL path. */
  readonly tenant?: string;
  readonly queue?: Partial<RemoteWriteQueue>;
}

/** Prometheus 3.5's own defaults, written out so the generated file says what runs. */
export const DEFAULT_REMOTE_WRITE_QUEUE: RemoteWriteQueue = {
  capacity: 10_000,
  minShards: 1,
  maxShards: 50,
  maxSamplesPerSend: 2_000,
  batchSendDeadline: '5s',
  minBackoff: '30ms',
  maxBackoff: '5s',
};

const TENANT_HEADER: Readonly<Record<RemoteWriteReceiver, string | undefined>> = {
  'thanos-receive': 'THANOS-TENANT',
  mimir: 'X-Scope-OrgID',
  victoriametrics: undefined,
};

/** The name Prometheus gives the queue in its prometheus_remote_storage_* series (remote_name). */
export const REMOTE_WRITE_NAME = 'long-term-store';

/** The remote_write entry of prometheus.yml. */
export function remoteWriteEntry(config: RemoteWriteConfig): Record<string, unknown> {
  const receiver = config.receiver ?? 'thanos-receive';
  const q = { ...DEFAULT_REMOTE_WRITE_QUEUE, ...config.queue };
  const header = TENANT_HEADER[receiver];
  return {
    name: REMOTE_WRITE_NAME,
    url: config.url,
    ...(config.tenant !== undefined && header !== undefined && { headers: { [header]: config.tenant } }),
    queue_config: {
      capacity: q.capacity,
      min_shards: q.minShards,
      max_shards: q.maxShards,
      max_samples_per_send: q.maxSamplesPerSend,
      batch_send_deadline: q.batchSendDeadline,
      min_backoff: q.minBackoff,
      max_backoff: q.maxBackoff,
    },
    // Exemplars and native histograms go too when the store takes them (all three do).
    send_exemplars: true,
  };
}

const DURATION = /^\d+(?:ms|s|m|h)$/;

/** Problems of `environments.<env>.remoteWrite`, each naming the field and the fix. */
export function remoteWriteProblems(field: string, value: unknown): { field: string; value: unknown; fix: string }[] {
  if (value === undefined) return [];
  const problems: { field: string; value: unknown; fix: string }[] = [];
  const bad = (f: string, v: unknown, fix: string) => problems.push({ field: f, value: v, fix });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    bad(field, value, 'must be an object such as { url: "http://thanos-receive:19291/api/v1/receive" }');
    return problems;
  }
  const rw = value as Record<string, unknown>;
  if (typeof rw.url !== 'string' || !/^https?:\/\/[^/\s]+/.test(rw.url)) bad(`${field}.url`, rw.url, 'must be the http(s) URL of the store’s write endpoint, e.g. http://thanos-receive:19291/api/v1/receive');
  if (rw.receiver !== undefined && !REMOTE_WRITE_RECEIVERS.includes(rw.receiver as RemoteWriteReceiver)) bad(`${field}.receiver`, rw.receiver, `must be one of ${REMOTE_WRITE_RECEIVERS.join(', ')}`);
  if (rw.tenant !== undefined && (typeof rw.tenant !== 'string' || !/^[\w.-]{1,150}$/.test(rw.tenant))) bad(`${field}.tenant`, rw.tenant, 'must be letters, digits, dots, dashes or underscores');
  if (rw.queue !== undefined) {
    const queue = rw.queue as Record<string, unknown>;
    for (const [key, v] of Object.entries(typeof queue === 'object' && queue !== null ? queue : {})) {
      const defaultValue = DEFAULT_REMOTE_WRITE_QUEUE[key as keyof RemoteWriteQueue];
      if (defaultValue === undefined) bad(`${field}.queue.${key}`, key, `is not a queue setting (${Object.keys(DEFAULT_REMOTE_WRITE_QUEUE).join(', ')})`);
      else if (typeof defaultValue === 'number' && !(Number.isInteger(v) && (v as number) >= 1)) bad(`${field}.queue.${key}`, v, 'must be a whole number of at least 1');
      else if (typeof defaultValue === 'string' && !(typeof v === 'string' && DURATION.test(v))) bad(`${field}.queue.${key}`, v, 'must be a duration such as 5s or 30ms');
    }
  }
  return problems;
}
