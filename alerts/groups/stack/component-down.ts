// A component of the stack that Prometheus cannot scrape: the expression
// every "down" alert uses, and the builder of the alerts for the components
// that have one of their own (Jaeger, Elasticsearch, Logstash).
import { alert, type AlertRule, type AlertTest, type Duration, type Runbook } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics } from './common.ts';

export const COMPONENT_DOWN_FOR: Duration = '5m';

/** A component's scrape target is down, or its job has no target at all (absent() catches a job that vanished). */
export function downOrMissing(jobs: readonly string[]): string {
  const matcher = jobs.length === 1 ? `job="${jobs[0]}"` : `job=~"${jobs.join('|')}"`;
  return [`${metrics.up}{${matcher}} == 0`, ...jobs.map((j) => `absent(${metrics.up}{job="${j}"})`)].join(' or ');
}

/**
 * For a component that may be left out at run time (the compose profile `logs`): down, or
 * without a target now although it had one within `VANISHED_WITHIN`. A stack started without
 * the profile never had one, so nothing fires; one that stopped is reported for a day.
 */
export const VANISHED_WITHIN: Duration = '1d';
export function downOrVanished(job: string): string {
  const up = `${metrics.up}{job="${job}"}`;
  return `${up} == 0 or (absent(${up}) and on() present_over_time(${up}[${VANISHED_WITHIN}]))`;
}

/** "at <instance> cannot be scraped" or "has no scrape target left", for a series from `up == 0` or from absent(). */
export const whyDown = '{{ if $labels.instance }}at {{ $labels.instance }} cannot be scraped{{ else }}has no scrape target left{{ end }}';

/** Test input: the `up` series of one target. */
export const up = (job: string, instance: string, values: string) => ({ series: `${metrics.up}{job="${job}",instance="${instance}"}`, values });

export interface ComponentDownSpec {
  readonly alert: string;
  readonly job: string;
  /** The target the tests scrape. */
  readonly instance: string;
  /** The component as the description names it. */
  readonly name: string;
  /** What its being down means, for the description. */
  readonly consequence: string;
  readonly runbook: Omit<Runbook, 'meaning' | 'dashboard'>;
  /** Runs in a compose profile the user may leave off: only a target that vanished counts, not one that never was. */
  readonly inOptionalProfile?: boolean;
}

export function componentDown(spec: ComponentDownSpec): AlertRule {
  return alert({
    alert: spec.alert,
    expr: spec.inOptionalProfile ? downOrVanished(spec.job) : downOrMissing([spec.job]),
    for: COMPONENT_DOWN_FOR,
    severity: 'warning',
    summary: `Prometheus cannot scrape ${spec.name}.`,
    description: `${spec.name} ${whyDown}, for ${COMPONENT_DOWN_FOR}: ${spec.consequence}.`,
    runbook: {
      meaning: spec.inOptionalProfile
        ? `Prometheus has failed to scrape a target of the job ${spec.job} for ${COMPONENT_DOWN_FOR}, or the job had a target within the last ${VANISHED_WITHIN} and has had none for ${COMPONENT_DOWN_FOR}: ${spec.name} is down, unreachable, or no longer discovered. A stack started without its compose profile never had a target, and is not alerted on.`
        : `Prometheus has failed to scrape a target of the job ${spec.job} for ${COMPONENT_DOWN_FOR}, or the job has had no target at all for as long: ${spec.name} is down, unreachable, or no longer discovered.`,
      dashboard: DASHBOARD,
      ...spec.runbook,
    },
    tests: [
      {
        name: 'fires five minutes after its target goes down',
        series: [up(spec.job, spec.instance, '1x5 0x15')],
        evalTime: '11m',
        quietAt: ['10m'],
        expect: [firing('warning', { job: spec.job, instance: spec.instance }, `${spec.name} at ${spec.instance} cannot be scraped, for ${COMPONENT_DOWN_FOR}: ${spec.consequence}.`)],
      },
      ...(spec.inOptionalProfile ? vanishedTests(spec) : [absentTest(spec)]),
      { name: 'stays quiet while its target is scraped', series: [up(spec.job, spec.instance, '1x20')], evalTime: '15m', expect: [] },
    ],
  });
}

/** A component that always runs: a job without any target is down. */
function absentTest(spec: ComponentDownSpec): AlertTest {
  return {
    name: 'fires five minutes into its job having no target at all (absent)',
    series: [],
    evalTime: '5m',
    quietAt: ['4m'],
    expect: [firing('warning', { job: spec.job }, `${spec.name} has no scrape target left, for ${COMPONENT_DOWN_FOR}: ${spec.consequence}.`)],
  };
}

/** A component of an optional profile: its vanished target is reported, a profile never started is not. */
function vanishedTests(spec: ComponentDownSpec): AlertTest[] {
  return [
    {
      // Scraped until 5m; out of the 5m lookback at 10m; firing five minutes later.
      name: 'fires five minutes after the target it had is gone (absent, within a day of its last scrape)',
      series: [up(spec.job, spec.instance, '1x5')],
      evalTime: '16m',
      quietAt: ['14m'],
      expect: [firing('warning', { job: spec.job }, `${spec.name} has no scrape target left, for ${COMPONENT_DOWN_FOR}: ${spec.consequence}.`)],
    },
    { name: 'stays quiet when its job never had a target (the compose profile is off)', series: [], evalTime: '30m', expect: [] },
  ];
}
