// What the remote-write alerts share: Prometheus 3's queue series
// (remote_name and url label each queue) and test input for one queue.
export const remoteStorage = {
  samplesTotal: 'prometheus_remote_storage_samples_total',
  samplesFailed: 'prometheus_remote_storage_samples_failed_total',
  highestTimestamp: 'prometheus_remote_storage_highest_timestamp_in_seconds',
  highestSentTimestamp: 'prometheus_remote_storage_queue_highest_sent_timestamp_seconds',
} as const;

/** The queue's labels in the tests: the name the bundles give it (signals/remote-write.ts) and a store's URL. */
export const QUEUE = 'remote_name="long-term-store",url="http://thanos-receive:19291/api/v1/receive"';
