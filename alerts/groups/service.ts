// Service alerts: what users of an HTTP service feel (errors, latency, no
// traffic) and whether Prometheus can see the service at all.
import { catalog } from '../../catalog/index.ts';
import type { AlertConfig } from '../../signals/alert-settings.ts';
import { bucket, count, counterValues, label, percent } from '../../signals/promql.ts';
import { alert, group, type RuleGroup } from '../../signals/rule-types.ts';
import { recorded } from '../../signals/recording-rules.ts';

const duration = catalog.http.requestDuration;
const inFlight = catalog.http.activeRequests;
/** Prometheus's own per-target series (not a catalog metric): 1 when the last scrape succeeded. */
const UP = 'up';

const requests = (labels: string, values: string) => ({ series: `${count(duration)}{${labels}}`, values });
const target = 'job="shop",instance="shop:8080"';
const products = (status: number, of = target) => `${of},http_request_method="GET",http_route="/api/:version/products",http_response_status_code="${status}"`;
const ok = products(200);
const failed = products(500);

/** A stretch of test traffic: requests per minute by how long each took (seconds). */
interface Phase {
  readonly minutes: number;
  readonly perMinute: Readonly<Record<number, number>>;
}

/**
 * promtool input of the duration histogram (every bucket and `_count`) for
 * traffic that changes phase by phase: the cumulative series a real
 * exporter would expose, one sample a minute from 0.
 */
function durationHistogram(labels: string, phases: readonly Phase[]) {
  const les = [...duration.buckets.map(String), '+Inf'];
  // A request of `seconds` counts in every bucket whose upper bound `le` it does not exceed.
  const perMinute = (p: Phase, le: string) =>
    Object.entries(p.perMinute).reduce((n, [seconds, requests]) => (le === '+Inf' || Number(seconds) <= Number(le) ? n + requests : n), 0);
  const values = (le: string) => counterValues(phases.map((p) => ({ steps: p.minutes, perStep: perMinute(p, le) })));
  return [
    ...les.map((le) => ({ series: `${bucket(duration)}{${labels},le="${le}"}`, values: values(le) })),
    { series: `${count(duration)}{${labels}}`, values: values('+Inf') },
  ];
}

export function serviceRules(config: AlertConfig): RuleGroup {
  const s = config.service;
  return group('service', [
    alert({
      alert: 'HttpErrorRatioHigh',
      expr: `${recorded.errorRatio} > ${s.errorRatio.value}`,
      for: s.errorRatio.for,
      severity: 'critical',
      summary: 'A service answers too many requests with 5xx errors.',
      description: `{{ $labels.job }} answered {{ $value | humanizePercentage }} of its requests with 5xx over the last 5 minutes (threshold ${percent(s.errorRatio.value)}).`,
      runbook: {
        meaning: `More than ${percent(s.errorRatio.value)} of the HTTP requests a service answered in the last 5 minutes ended with a 5xx status.`,
        impact: 'Users see failed pages and API calls; retries add load.',
        diagnosis: [
          `Which routes fail: \`sum by (http_route, http_response_status_code) (rate(${catalog.http.requestDuration.name}_count{job="<job>", http_response_status_code=~"5.."}[5m]))\`.`,
          'Open the service overview dashboard, follow an exemplar of a failing route to its trace, then to its log lines.',
          'Check recent deploys and the fault switch of the demo (`GET /admin/fault`).',
        ],
        mitigation: ['Roll back the last deploy if the errors started with it.', 'Shed or rate-limit the failing route; scale out if the errors follow saturation.'],
        escalation: 'Page the owning team if the ratio stays above the threshold for 15 minutes or users report outages.',
        dashboard: 'service-overview',
      },
      tests: [
        {
          name: 'fires one minute after the 5xx ratio crosses the threshold',
          series: [requests(ok, '0+100x30'), requests(failed, '0x10 10+10x20')],
          evalTime: '14m',
          quietAt: ['13m'],
          expect: [
            {
              labels: { severity: 'critical', job: 'shop' },
              annotations: { description: 'shop answered 7.407% of its requests with 5xx over the last 5 minutes (threshold 5%).' },
            },
          ],
        },
        { name: 'stays quiet while the ratio is below the threshold', series: [requests(ok, '0+100x30'), requests(failed, '0+2x30')], evalTime: '20m', expect: [] },
        { name: 'stays quiet at zero traffic', series: [requests(ok, '0x30'), requests(failed, '0x30')], evalTime: '20m', expect: [] },
      ],
    }),

    alert({
      alert: 'HttpLatencyP95High',
      // histogram_quantile of no traffic is NaN, and NaN > x is false: an idle service stays quiet.
      expr: `${recorded.latencyP95} > ${s.latencyP95Seconds.value}`,
      for: s.latencyP95Seconds.for,
      severity: 'warning',
      summary: 'A service answers slowly: its 95th percentile latency is high.',
      description: `{{ $labels.job }} answered 5% of its requests in more than {{ $value | humanizeDuration }} over the last 5 minutes (threshold ${s.latencyP95Seconds.value}s).`,
      runbook: {
        meaning: `The 95th percentile of HTTP request durations of a service, over the last 5 minutes, has been above ${s.latencyP95Seconds.value}s for ${s.latencyP95Seconds.for}.`,
        impact: 'One request in twenty is slow enough for users to notice; timeouts and retries upstream become likely.',
        diagnosis: [
          `Which routes are slow: \`histogram_quantile(0.95, sum by (http_route, le) (rate(${bucket(duration)}{job="<job>"}[5m])))\`.`,
          `Whether load grew: \`${recorded.requestRate}{job="<job>"}\` against the same time yesterday (\`offset 1d\`).`,
          'Check saturation of the instances (HostCpuHigh, NodeEventLoopLagHigh, NodeGcTimeHigh) and the latency of dependencies in the slowest traces (follow an exemplar).',
        ],
        mitigation: ['Roll back the last deploy if the latency started with it.', 'Scale out if the instances are saturated; shed or cache the slowest route.'],
        escalation: 'Ticket for the owning team; if the 99th percentile also crosses its threshold (HttpLatencyP99High pages), treat it as an incident.',
        dashboard: 'service-overview',
      },
      tests: [
        {
          // The first slow requests land between minutes 10 and 11; at 12m they are a tenth of the 5-minute window, p95 is 1.75 s.
          name: 'fires five minutes after a fifth of the requests start taking 2 s',
          series: durationHistogram(ok, [
            { minutes: 10, perMinute: { 0.05: 100 } },
            { minutes: 20, perMinute: { 0.05: 80, 2: 20 } },
          ]),
          evalTime: '17m',
          quietAt: ['16m'],
          expect: [
            {
              labels: { severity: 'warning', job: 'shop' },
              annotations: { description: 'shop answered 5% of its requests in more than 2.125s over the last 5 minutes (threshold 1s).' },
            },
          ],
        },
        {
          name: 'stays quiet while only a few requests are slow',
          series: durationHistogram(ok, [{ minutes: 30, perMinute: { 0.05: 98, 2: 2 } }]),
          evalTime: '25m',
          expect: [],
        },
        { name: 'stays quiet at zero traffic', series: durationHistogram(ok, [{ minutes: 30, perMinute: {} }]), evalTime: '25m', expect: [] },
      ],
    }),

    alert({
      alert: 'HttpLatencyP99High',
      expr: `${recorded.latencyP99} > ${s.latencyP99Seconds.value}`,
      for: s.latencyP99Seconds.for,
      severity: 'critical',
      summary: 'A service answers very slowly: its 99th percentile latency is high.',
      description: `{{ $labels.job }} answered 1% of its requests in more than {{ $value | humanizeDuration }} over the last 5 minutes (threshold ${s.latencyP99Seconds.value}s).`,
      runbook: {
        meaning: `The 99th percentile of HTTP request durations of a service, over the last 5 minutes, has been above ${s.latencyP99Seconds.value}s for ${s.latencyP99Seconds.for}.`,
        impact: 'Some users wait seconds for pages and API calls; clients time out and retry, adding load.',
        diagnosis: [
          `Which routes are slow: \`histogram_quantile(0.99, sum by (http_route, le) (rate(${bucket(duration)}{job="<job>"}[5m])))\`.`,
          `Whether requests pile up: \`sum by (instance) (${inFlight.name}{job="<job>"})\`.`,
          'Follow an exemplar of a slow request to its trace: the longest span names the dependency or handler at fault.',
        ],
        mitigation: ['Roll back the last deploy if the latency started with it.', 'Scale out or shed load; fail fast on a slow dependency (timeouts, circuit breaker).'],
        escalation: 'Pages the owning team; escalate to the owners of the slow dependency once a trace names it.',
        dashboard: 'service-overview',
      },
      tests: [
        {
          // At 11m the window already holds one slow minute (2.5% of its requests): p99 is above 2.5 s from then on.
          name: 'fires five minutes after a tenth of the requests start taking 4 s',
          series: durationHistogram(ok, [
            { minutes: 10, perMinute: { 0.05: 100 } },
            { minutes: 20, perMinute: { 0.05: 90, 4: 10 } },
          ]),
          evalTime: '16m',
          quietAt: ['15m'],
          expect: [
            {
              labels: { severity: 'critical', job: 'shop' },
              annotations: { description: 'shop answered 1% of its requests in more than 4.75s over the last 5 minutes (threshold 2.5s).' },
            },
          ],
        },
        {
          name: 'stays quiet when the slow requests stay under the threshold',
          series: durationHistogram(ok, [{ minutes: 30, perMinute: { 0.05: 80, 2: 20 } }]),
          evalTime: '25m',
          expect: [],
        },
        { name: 'stays quiet at zero traffic', series: durationHistogram(ok, [{ minutes: 30, perMinute: {} }]), evalTime: '25m', expect: [] },
      ],
    }),

    alert({
      alert: 'HttpTrafficStopped',
      // Jobs that served requests a day ago, unless they serve requests now. `unless` rather
      // than `== 0`: a restarted process that gets no requests exposes no request series at
      // all (labelled series appear with the first request), so its rate is absent, not 0.
      // A job that never had traffic has no positive rate a day ago and never matches.
      expr: `${recorded.requestRate} offset 1d > 0 unless on (job) ${recorded.requestRate} > 0`,
      for: s.trafficStoppedFor,
      severity: 'warning',
      summary: 'A service that had traffic a day ago serves no requests.',
      description: `{{ $labels.job }} has served no HTTP requests for ${s.trafficStoppedFor}; at this time yesterday it served {{ printf "%.2f" $value }} requests per second.`,
      runbook: {
        meaning: `A job has answered no HTTP requests (its request rate is 0 or its request series are gone) for ${s.trafficStoppedFor}, while it answered some at the same time a day earlier.`,
        impact: 'Users may not reach the service at all: a broken route in a load balancer, DNS or ingress, or a client that stopped calling.',
        diagnosis: [
          `Whether Prometheus still scrapes it: \`${UP}{job="<job>"}\` (TargetDown fires when it is 0).`,
          `Traffic by instance over the last hours: \`sum by (instance) (rate(${count(duration)}{job="<job>"}[5m]))\`.`,
          'Check the ingress, load balancer and DNS records in front of the service, and whether its callers were deployed or reconfigured.',
        ],
        mitigation: [
          'Restore the route to the service (ingress, service selector, DNS) or roll back the change that removed it.',
          'If the job was retired or renamed on purpose, silence this alert for a day: it compares with the day before.',
        ],
        escalation: 'Ticket for the owning team; page the platform team if several services stopped at once.',
        dashboard: 'service-overview',
      },
      // A day of history costs promtool some 1,500 evaluations of every rule in the file per
      // test: one test holds the four jobs that must and must not alert after a day.
      tests: [
        {
          // shop's counter stops at 1440m (1d): from 1444m the 5-minute window holds only flat samples, the rate is 0.
          // cart's series end at 1440m (a restart, then no requests): from 1444m its rate is absent.
          name: 'fires ten minutes after traffic stops, whether the rate drops to 0 or the series vanish; not for jobs still serving or that never served',
          series: [
            requests(ok, '0+60x1440 86400x60'),
            requests(products(200, 'job="cart",instance="cart:8080"'), '0+30x1440'),
            requests(products(200, 'job="search",instance="search:8080"'), '0+60x1500'),
            requests(products(200, 'job="admin",instance="admin:8080"'), '0x1500'),
          ],
          evaluationInterval: '2m',
          evalTime: '1454m',
          quietAt: ['1452m'],
          expect: [
            { labels: { severity: 'warning', job: 'shop' }, annotations: { description: 'shop has served no HTTP requests for 10m; at this time yesterday it served 1.00 requests per second.' } },
            { labels: { severity: 'warning', job: 'cart' }, annotations: { description: 'cart has served no HTTP requests for 10m; at this time yesterday it served 0.50 requests per second.' } },
          ],
        },
        {
          name: 'stays quiet for a new job without a day of history, even once its traffic stops',
          series: [requests(ok, '0+60x20 1200x40')],
          evalTime: '50m',
          expect: [],
        },
      ],
    }),

    alert({
      alert: 'TargetDown',
      expr: `${UP}{${config.serviceSelector}} == 0`,
      for: s.targetDownFor,
      severity: 'critical',
      summary: 'Prometheus cannot scrape a target.',
      description: `Prometheus has failed to scrape {{ $labels.instance }} of job {{ $labels.job }} for ${s.targetDownFor}.`,
      runbook: {
        meaning: `The last scrapes of a target failed for ${s.targetDownFor}: the process is down, unreachable, or its metrics endpoint errors or times out.`,
        impact: 'If the process is down, its share of requests fails or moves to the other instances; either way every other alert on it is blind.',
        diagnosis: [
          `Which targets are down: \`${UP}{job="<job>"} == 0\`; the error of the last scrape is on Prometheus's Targets page (/targets).`,
          'Whether the process runs: the container or unit status and its last log lines (crash, OOM kill).',
          `Whether scrapes time out rather than fail: \`scrape_duration_seconds{job="<job>"}\` near the scrape timeout points at a slow /metrics.`,
        ],
        mitigation: ['Restart the process or reschedule the pod; roll back if it crashes since a deploy.', 'Fix the network path or the metrics port if the process itself is healthy.'],
        escalation: 'Pages the owning team; page the platform team if targets of several jobs are down at once.',
        dashboard: 'service-overview',
      },
      tests: [
        {
          name: 'fires once the target has been down for a minute',
          series: [{ series: `${UP}{${target}}`, values: '1x5 0x10' }],
          evalTime: '7m',
          quietAt: ['6m'],
          expect: [
            { labels: { severity: 'critical', job: 'shop', instance: 'shop:8080' }, annotations: { description: 'Prometheus has failed to scrape shop:8080 of job shop for 1m.' } },
          ],
        },
        { name: 'stays quiet while scrapes succeed', series: [{ series: `${UP}{${target}}`, values: '1x15' }], evalTime: '10m', expect: [] },
      ],
    }),

    alert({
      alert: 'HttpRequestsInFlightHigh',
      expr: `sum by (job, instance) (${inFlight.name}) > ${s.requestsInFlight.value}`,
      for: s.requestsInFlight.for,
      severity: 'warning',
      summary: 'An instance holds many HTTP requests in flight.',
      description: `{{ $labels.instance }} of {{ $labels.job }} has {{ $value }} HTTP requests in flight (threshold ${s.requestsInFlight.value}).`,
      runbook: {
        meaning: `More than ${s.requestsInFlight.value} HTTP requests have been in progress at once on one instance for ${s.requestsInFlight.for}: requests arrive faster than it finishes them.`,
        impact: 'Queued requests wait longer and hold memory and sockets; latency and then errors follow.',
        diagnosis: [
          `In flight by method: \`sum by (${label(inFlight, 'http_request_method')}) (${inFlight.name}{job="<job>", instance="<instance>"})\`.`,
          `Arrival rate against yesterday: \`${recorded.requestRate}{job="<job>"}\` and \`${recorded.requestRate}{job="<job>"} offset 1d\`.`,
          'Slow dependencies hold requests open: look at the slowest traces and at NodeEventLoopLagHigh on the instance.',
        ],
        mitigation: ['Scale out, or rate-limit the heaviest callers.', 'Set timeouts on slow dependencies so requests fail fast instead of piling up.'],
        escalation: 'Ticket for the owning team; it becomes urgent when HttpLatencyP99High or HttpErrorRatioHigh fire too.',
        dashboard: 'service-overview',
      },
      tests: [
        {
          name: 'fires five minutes after the requests in flight of an instance pass the threshold',
          series: [
            { series: `${inFlight.name}{${target},http_request_method="GET"}`, values: '5x10 90x20' },
            { series: `${inFlight.name}{${target},http_request_method="POST"}`, values: '20x30' },
          ],
          evalTime: '16m',
          quietAt: ['15m'],
          expect: [
            { labels: { severity: 'warning', job: 'shop', instance: 'shop:8080' }, annotations: { description: 'shop:8080 of shop has 110 HTTP requests in flight (threshold 100).' } },
          ],
        },
        {
          name: 'stays quiet below the threshold',
          series: [
            { series: `${inFlight.name}{${target},http_request_method="GET"}`, values: '60x30' },
            { series: `${inFlight.name}{${target},http_request_method="POST"}`, values: '20x30' },
          ],
          evalTime: '25m',
          expect: [],
        },
      ],
    }),
  ]);
}
