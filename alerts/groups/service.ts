// Service alerts: what users of an HTTP service feel (errors, latency, no
// traffic) and whether Prometheus can see the service at all. One file per
// alert, in service/, with its runbook and promtool cases; this list is the
// group's evaluation order.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { RuleGroup } from '../../signals/rule-types.ts';
import { alertGroup } from '../lib/alert-group.ts';
import { httpErrorRatioHigh } from './service/http-error-ratio-high.ts';
import { httpLatencyP95High } from './service/http-latency-p95-high.ts';
import { httpLatencyP99High } from './service/http-latency-p99-high.ts';
import { httpRequestsInFlightHigh } from './service/http-requests-in-flight-high.ts';
import { httpTrafficStopped } from './service/http-traffic-stopped.ts';
import { jobMissing } from './service/job-missing.ts';
import { targetDown } from './service/target-down.ts';

export function serviceRules(config: AlertConfig): RuleGroup {
  return alertGroup(
    'service',
    [
      httpErrorRatioHigh,
      httpLatencyP95High,
      httpLatencyP99High,
      httpTrafficStopped,
      targetDown,
      jobMissing,
      httpRequestsInFlightHigh,
    ],
    config,
  );
}
