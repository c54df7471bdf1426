// A gauge panel: its value summed per `by` (optionally against last week), or
// its growth per hour, the least-squares slope that a gauge-growing alert
// reads, over the alert's window and with its threshold.
import type { GaugePanel } from '../../signals/project/business.ts';
import { scaled, select, shifted, sumBy } from '../../signals/promql.ts';
import type { DashboardSettings } from '../dashboard-settings.ts';
import { type AnyPanel, q } from '../lib/panels.ts';
import { LAST_WEEK } from '../lib/promql.ts';
import { alertThreshold, describe, legendOf, refMatchers, SECONDS_PER, styled } from './common.ts';

/** The window of the slope without an alert to take it from: long enough that one burst is not a trend. */
export const DEFAULT_GROWTH_WINDOW = '30m';

export function gaugePanel(p: GaugePanel, settings: DashboardSettings): AnyPanel {
  const selector = select(p.metric.spec.name, ...refMatchers(p.metric));
  if (p.show === 'growth-per-hour') {
    const t = p.alert === undefined ? undefined : alertThreshold(settings, p.alert);
    const window = p.alert?.window ?? DEFAULT_GROWTH_WINDOW;
    return styled(p.style, {
      title: p.title,
      description: describe(p.description, t),
      unit: p.unit,
      queries: [q(scaled(sumBy(p.by, `deriv(${selector}[${window}])`), SECONDS_PER.hour), legendOf(p.by, '', p.title))],
      ...(t && { steps: [{ value: t.value, color: t.color }] }),
    });
  }
  return styled(p.style, {
    title: p.title,
    description: p.description,
    unit: p.unit,
    queries: p.compareLastWeek
      ? [q(sumBy(p.by, selector), legendOf(p.by, 'now')), q(sumBy(p.by, shifted(selector, LAST_WEEK.offset)), legendOf(p.by, 'last week'))]
      : [q(sumBy(p.by, selector), legendOf(p.by, '', p.title))],
  });
}
