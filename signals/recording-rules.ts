// Shared PromQL as recording rules: alerts and dashboard panels read the same
// series, so what a panel shows is what the alert evaluated.
import { catalog } from '../catalog/index.ts';
import { bucket, count, label, sumRate } from './promql.ts';
import { group, record, type RuleGroup } from './rule-types.ts';

const duration = catalog.http.requestDuration;
const status = label(duration, 'http_response_status_code');

/** Names of the recorded series, for alerts and dashboards. */
export const recorded = {
  requestRate: 'job:http_server_requests:rate5m',
  errorRate: 'job:http_server_request_errors:rate5m',
  errorRatio: 'job:http_server_request_error_ratio:rate5m',
  durationBuckets: 'job_le:http_server_request_duration_seconds_bucket:rate5m',
  latencyP50: 'job:http_server_request_duration_seconds:p50_rate5m',
  latencyP95: 'job:http_server_request_duration_seconds:p95_rate5m',
  latencyP99: 'job:http_server_request_duration_seconds:p99_rate5m',
} as const;

export function recordingRules(): RuleGroup {
  return group('http-recording', [
    record(recorded.requestRate, sumRate(count(duration), '5m', ['job'])),
    // `or` keeps a zero series for jobs without any 5xx yet, so the ratio exists (0) from the start.
    record(recorded.errorRate, `${sumRate(count(duration), '5m', ['job'], `${status}=~"5.."`)} or (${recorded.requestRate} * 0)`),
    record(recorded.errorRatio, `${recorded.errorRate} / clamp_min(${recorded.requestRate}, 1e-12)`),
    record(recorded.durationBuckets, sumRate(bucket(duration), '5m', ['job', 'le'])),
    record(recorded.latencyP50, `histogram_quantile(0.5, ${recorded.durationBuckets})`),
    record(recorded.latencyP95, `histogram_quantile(0.95, ${recorded.durationBuckets})`),
    record(recorded.latencyP99, `histogram_quantile(0.99, ${recorded.durationBuckets})`),
  ]);
}
