// A rate panel: a counter's rate per second, minute or hour, split by labels
// (stacked: the parts of a whole), optionally against the same time last
// week, or only its top series. With a week-over-week alert it shows what the
// alert compares: the rate as a share of last week's, red below the threshold.
import type { RatePanel } from '../../signals/project/business.ts';
import { type Range, scaled, sumRate } from '../../signals/promql.ts';
import type { DashboardSettings } from '../dashboard-settings.ts';
import { type AnyPanel, q, type Query } from '../lib/panels.ts';
import { LAST_WEEK, RATE_INTERVAL } from '../lib/promql.ts';
import { alertThreshold, describe, legendOf, refMatchers, SECONDS_PER, styled } from './common.ts';

export function ratePanel(p: RatePanel, settings: DashboardSettings): AnyPanel {
  const rate = (range: string | Range) => sumRate(p.metric.spec.name, range, p.by, ...refMatchers(p.metric));
  if (p.alert !== undefined) {
    const t = alertThreshold(settings, p.alert);
    return styled(p.style, {
      title: p.title,
      description: describe(`${p.description} Empty while there was nothing a week earlier.`, t),
      unit: 'percentunit',
      queries: [q(`${rate(RATE_INTERVAL)} / (${rate(LAST_WEEK)} > 0)`, legendOf(p.by, '', 'vs last week'))],
      base: 'red',
      steps: [{ value: t.value, color: 'green' }],
    });
  }
  const shown = (expr: string) => (p.top === undefined ? expr : `topk(${p.top}, ${expr})`);
  const perPeriod = (range: string | Range) => shown(scaled(rate(range), SECONDS_PER[p.per]));
  const queries: Query[] = p.compareLastWeek
    ? [q(perPeriod(RATE_INTERVAL), legendOf(p.by, 'now')), q(perPeriod(LAST_WEEK), legendOf(p.by, 'last week'))]
    : [q(perPeriod(RATE_INTERVAL), legendOf(p.by, '', p.title))];
  return styled(p.style, {
    title: p.title,
    description: p.description,
    unit: p.unit,
    queries,
    // Split by labels, the series are the parts of the whole rate; against last week they are two wholes.
    stacked: p.by.length > 0 && !p.compareLastWeek && p.top === undefined,
  });
}
