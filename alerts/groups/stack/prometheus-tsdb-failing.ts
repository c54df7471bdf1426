// PrometheusTSDBCompactionsFailing and PrometheusTSDBReloadsFailing: Prometheus's
// storage keeps failing to compact or to reload its blocks. One shape, two alerts.
import type { AlertConfig } from '../../../signals/alert-settings.ts';
import { alert, type AlertRule, type Duration } from '../../../signals/rule-types.ts';
import { firing } from '../../lib/firing.ts';
import { DASHBOARD, metrics, stackJobs } from './common.ts';

/** Compactions run every 2h: failures within 3h that keep coming for 4h are not a one-off. */
const TSDB = { window: '3h' as Duration, for: '4h' as Duration };

/** `verb` completes "failing to … blocks"; `what` names the operation in descriptions and the runbook. */
function tsdbFailing(name: string, metric: string, verb: string, what: string): (config: AlertConfig) => AlertRule {
  return (config) => {
    const { jobs, prom, promTarget } = stackJobs(config);
    return alert({
      alert: name,
      expr: `increase(${metric}{${prom}}[${TSDB.window}]) > 0`,
      for: TSDB.for,
      severity: 'warning',
      summary: `Prometheus's storage keeps failing to ${verb} blocks.`,
      description: `Prometheus {{ $labels.instance }} has had {{ printf "%.0f" $value }} failed ${what} in the last ${TSDB.window}, again and again for ${TSDB.for}.`,
      runbook: {
        meaning: `Prometheus's TSDB ${what} have failed at least once in every ${TSDB.window} window for ${TSDB.for}: not a one-off.`,
        impact: 'Data stays in the write-ahead log and memory longer: memory and disk grow, restarts slow down, and queries of older data may miss blocks. Left alone, Prometheus can run out of memory or disk.',
        diagnosis: [
          'Prometheus\'s log names the failing block and the error (disk full, permissions, corrupt chunk).',
          'Free space on the data volume and its inode count; whether two Prometheus processes share one data directory.',
        ],
        mitigation: ['Free or grow the data volume; fix permissions.', 'Move a corrupt block out of the data directory (after a copy) and restart.'],
        escalation: 'A ticket for the platform team; page if memory or disk is close to full.',
        dashboard: DASHBOARD,
      },
      tests: [
        {
          // Failures at 10m, 130m and 250m: the 3h window always holds one from 10m on.
          name: 'fires after four hours of failures every two hours',
          interval: '10m',
          series: [{ series: `${metric}{${promTarget}}`, values: '0 1x11 2x11 3x5' }],
          evalTime: '250m',
          quietAt: ['249m'],
          expect: [firing('warning', { job: jobs.prometheus, instance: 'prometheus:9090' }, `Prometheus prometheus:9090 has had 2 failed ${what} in the last ${TSDB.window}, again and again for ${TSDB.for}.`)],
        },
        { name: 'stays quiet after a single failure', interval: '10m', series: [{ series: `${metric}{${promTarget}}`, values: '0 1x27' }], evalTime: '250m', expect: [] },
      ],
    });
  };
}

export const prometheusTsdbCompactionsFailing = tsdbFailing(
  'PrometheusTSDBCompactionsFailing',
  metrics.tsdbCompactionsFailed,
  'compact',
  'compactions (merging head blocks into persistent blocks)',
);

export const prometheusTsdbReloadsFailing = tsdbFailing('PrometheusTSDBReloadsFailing', metrics.tsdbReloadsFailures, 'reload', 'block reloads (loading persistent blocks from disk)');
