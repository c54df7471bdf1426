// What only panels need on top of the kit's PromQL vocabulary
// (signals/promql.ts): Grafana's rate window in place of a fixed one, so every
// rate follows the dashboard's resolution, and the matchers of the `job` and
// `instance` variables, so every query follows the selected targets.
import type { Range } from '../../signals/promql.ts';

/** Grafana's window for rate(): at least four scrapes, wider when zoomed out. */
export const RATE_INTERVAL = '$__rate_interval';

/** `$__rate_interval` a week back: the same time last week, for panels that compare. */
export const LAST_WEEK: Range = { window: RATE_INTERVAL, offset: '1w' };

/** Matchers of the dashboard's `job` and `instance` variables. */
export const JOB = 'job=~"$job"';
export const INSTANCE = 'instance=~"$instance"';
export const TARGET = [JOB, INSTANCE] as const;
