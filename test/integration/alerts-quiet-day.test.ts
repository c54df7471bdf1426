// Quiet when healthy: a day of the demo's realistic healthy series through the
// real promtool, against the rules `generate` writes for the promtool tests —
// a normal error rate, low-traffic night hours with a few errors in a handful
// of requests, a rolling deploy that restarts both instances, and two hours of
// a busy host (other tenants' CPU). No critical alert fires at any hour of
// the day; the busy host shows as information only (HostCpuHigh, info).
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { catalog } from '../../catalog/index.ts';
import { durationHistogram, type Phase } from '../../alerts/groups/service/common.ts';
import { counterValues } from '../../signals/promql.ts';
import { isAlert } from '../../signals/rule-types.ts';
import { allGroups } from '../../alerts/groups/index.ts';
import { testConfig } from '../../alerts/build.ts';
import { alertDashboardUrl, runbookUrl } from '../../alerts/lib/compile.ts';
import { type AlertBuild, demoProject, runTool, writeAlertBuild } from '../support/alert-build.ts';
import { demoBusinessMetrics as shop } from '../../examples/demo-shop/business-metrics.ts';

const JOB = 'demo-shop';
const DAY = 1440;
const NIGHT = 360; // 00:00 to 06:00
const DEPLOY = 840; // 14:00: instance a restarts, then b four minutes later
const BUSY = { from: 600, to: 720 }; // 10:00 to 12:00, the host 95% busy
const instances = ['a', 'b'] as const;
const target = (i: string) => `job="${JOB}",instance="${JOB}-${i}:8080"`;
const route = (i: string, status: number) => `${target(i)},http_request_method="GET",http_route="/api/:version/products",http_response_status_code="${status}"`;

/** Night: 7 fast requests a minute; day: 595 fast and 3 slow (above the 0.5 s latency SLO) a minute, per instance. */
const okTraffic: Phase[] = [
  { minutes: NIGHT, perMinute: { 0.05: 7 } },
  { minutes: DAY - NIGHT, perMinute: { 0.05: 595, 0.75: 3 } },
];
/** 5xx: at night 2 errors in one minute every half hour (2 in 30 requests of a 5-minute window); by day 1 a minute (0.17%). */
const errorTraffic: Phase[] = [
  ...Array.from({ length: NIGHT / 30 }, (): Phase[] => [{ minutes: 29, perMinute: {} }, { minutes: 1, perMinute: { 0.05: 2 } }]).flat(),
  { minutes: DAY - NIGHT, perMinute: { 0.05: 1 } },
];

/** The series of instance `i`, down for two minutes at `restartAt`: its counters start again from zero. */
function httpSeries(i: string, restartAt: number) {
  const cut = (phases: readonly Phase[], from: number, to: number): Phase[] => {
    const out: Phase[] = [];
    let at = 0;
    for (const p of phases) {
      const start = Math.max(at, from);
      const end = Math.min(at + p.minutes, to);
      if (end > start) out.push({ minutes: end - start, perMinute: p.perMinute });
      at += p.minutes;
    }
    return out;
  };
  const join = (labels: string, phases: readonly Phase[]) => {
    const before = durationHistogram(labels, cut(phases, 0, restartAt));
    const after = durationHistogram(labels, cut(phases, restartAt + 2, DAY + 10));
    return before.map((s, k) => ({ series: s.series, values: `${s.values} _ _ ${after[k]!.values}` }));
  };
  return [...join(route(i, 200), okTraffic), ...join(route(i, 500), errorTraffic)];
}

const gauge = (name: string, labels: string, values: string) => ({ series: `${name}{${labels}}`, values });
const counter = (name: string, labels: string, perMinute: number) => gauge(name, labels, counterValues([{ steps: DAY + 10, perStep: perMinute }]));

/** Host CPU seconds by state on a 2-CPU host: 30% busy, 95% while other tenants load it. */
function hostCpu(i: string) {
  const m = catalog.system;
  const idle = counterValues([
    { steps: BUSY.from, perStep: 84 },
    { steps: BUSY.to - BUSY.from, perStep: 6 },
    { steps: DAY + 10 - BUSY.to, perStep: 84 },
  ]);
  const user = counterValues([
    { steps: BUSY.from, perStep: 36 },
    { steps: BUSY.to - BUSY.from, perStep: 114 },
    { steps: DAY + 10 - BUSY.to, perStep: 36 },
  ]);
  return [gauge(m.cpuTime.name, `${target(i)},state="idle"`, idle), gauge(m.cpuTime.name, `${target(i)},state="user"`, user), gauge(m.cpuLogicalCount.name, target(i), `2x${DAY + 10}`)];
}

function instanceSeries(i: string, restartAt: number) {
  const m = catalog.system;
  return [
    ...httpSeries(i, restartAt),
    ...hostCpu(i),
    gauge('up', target(i), `1x${restartAt} 0 0 1x${DAY + 10 - restartAt - 2}`),
    gauge(m.processStartTime.name, target(i), `1750000000x${restartAt} _ _ ${1750000000 + (restartAt + 2) * 60}x${DAY + 10 - restartAt - 2}`),
    counter(m.processCpu.name, target(i), 18),
    gauge(m.memoryUtilization.name, target(i), `0.62x${DAY + 10}`),
    gauge(m.eventLoopLagP99.name, target(i), `0.012x${DAY + 10}`),
    gauge(m.processOpenFds.name, target(i), `40x${DAY + 10}`),
    gauge(m.processMaxFds.name, target(i), `65536x${DAY + 10}`),
  ];
}

/** The shop's checkouts: about 9% fail at baseline, all declined, out of stock or invalid; internal failures are rare. */
function business() {
  const t = `job="${JOB}",instance="${JOB}-a:8080"`;
  return [
    counter(shop.ordersPlaced.name, `${t},payment_method="card"`, 30),
    counter(shop.ordersPlaced.name, `${t},payment_method="paypal"`, 12),
    counter(shop.paymentsDeclined.name, `${t},payment_method="card"`, 1.6),
    counter(shop.paymentsDeclined.name, `${t},payment_method="paypal"`, 0.4),
    counter(shop.ordersFailed.name, `${t},reason="payment_declined"`, 2),
    counter(shop.ordersFailed.name, `${t},reason="out_of_stock"`, 1.5),
    counter(shop.ordersFailed.name, `${t},reason="validation"`, 0.8),
    counter(shop.ordersFailed.name, `${t},reason="internal"`, 0.05),
    gauge(shop.queueDepth.name, `${t},queue="fulfilment"`, `3x${DAY + 10}`),
  ];
}

function stack() {
  return [
    gauge('up', 'job="prometheus",instance="localhost:9090"', `1x${DAY + 10}`),
    gauge('up', 'job="alertmanager",instance="localhost:9093"', `1x${DAY + 10}`),
    gauge('prometheus_rule_evaluation_failures_total', 'job="prometheus",instance="localhost:9090"', `0x${DAY + 10}`),
    counter('prometheus_notifications_sent_total', 'job="prometheus",instance="localhost:9090",alertmanager="http://localhost:9093/api/v2/alerts"', 2),
    gauge('prometheus_notifications_errors_total', 'job="prometheus",instance="localhost:9090",alertmanager="http://localhost:9093/api/v2/alerts"', `0x${DAY + 10}`),
  ];
}

let build: AlertBuild;
beforeAll(async () => {
  build = await writeAlertBuild(demoProject);
});
afterAll(() => build?.remove());

test('a healthy day (night-time errors in few requests, a rolling deploy, a busy host) fires no critical alert at any hour; the busy host is information only', { timeout: 600_000 }, async () => {
  const config = testConfig(demoProject);
  const groups = allGroups(config);
  const critical = [...new Set(groups.flatMap((g) => g.rules.filter(isAlert)).filter((a) => a.severity === 'critical').map((a) => a.alert))];
  expect(critical.length).toBeGreaterThan(5);
  // Every half hour of the day, the night's error bursts and the deploy's minutes included.
  const times = [...new Set([...Array.from({ length: DAY / 30 }, (_, k) => 30 * (k + 1)), 31, 61, 91, DEPLOY + 3, DEPLOY + 7, DEPLOY + 12, DAY])].sort((a, b) => a - b);
  const tests = {
    rule_files: ['rules.yml'],
    evaluation_interval: '2m',
    group_eval_order: groups.map((g) => g.name),
    tests: [
      {
        name: 'a healthy day',
        interval: '1m',
        input_series: [...instanceSeries('a', DEPLOY), ...instanceSeries('b', DEPLOY + 4), ...business(), ...stack()],
        alert_rule_test: [
          ...times.flatMap((t) => critical.map((alertname) => ({ eval_time: `${t}m`, alertname, exp_alerts: [] }))),
          // The busy host is seen, and only informs.
          {
            eval_time: `${BUSY.from + 30}m`,
            alertname: 'HostCpuHigh',
            exp_alerts: instances.map((i) => ({
              exp_labels: { severity: 'info', job: JOB, instance: `${JOB}-${i}:8080` },
              exp_annotations: {
                summary: 'A host is busy.',
                description: `The host of ${JOB}-${i}:8080 (${JOB}) was 95% busy over the last 5 minutes (threshold 90%).`,
                runbook_url: runbookUrl(config, 'HostCpuHigh'),
                dashboard_url: alertDashboardUrl(config, 'system', JOB),
              },
            })),
          },
        ],
      },
    ],
  };
  await writeFile(build.path('prometheus/tests/quiet-day.test.yml'), stringify(tests, { lineWidth: 0 }));
  const result = await runTool('promtool', ['test', 'rules', 'quiet-day.test.yml'], build.path('prometheus/tests'));
  expect(result.output).toContain('SUCCESS');
  expect(result.ok, result.output).toBe(true);
});
