// A ratio panel: bad events over all of them (the sum of `total`), per `by`,
// 0 rather than empty without traffic; with the alert it shows, the alert's
// threshold as the panel's, so the line is where the alert fires.
import type { RatioPanel } from '../../signals/project/business.ts';
import { ratioOrZero, sumRate } from '../../signals/promql.ts';
import type { DashboardSettings } from '../dashboard-settings.ts';
import { type AnyPanel, q } from '../lib/panels.ts';
import { RATE_INTERVAL } from '../lib/promql.ts';
import { alertThreshold, describe, legendOf, refMatchers, styled } from './common.ts';

export function ratioPanel(p: RatioPanel, settings: DashboardSettings): AnyPanel {
  const rate = (ref: RatioPanel['bad']) => sumRate(ref.spec.name, RATE_INTERVAL, p.by, ...refMatchers(ref));
  const t = p.alert === undefined ? undefined : alertThreshold(settings, p.alert);
  return styled(p.style, {
    title: p.title,
    description: describe(p.description, t),
    unit: 'percentunit',
    queries: [q(ratioOrZero(rate(p.bad), p.total.map(rate).join(' + ')), legendOf(p.by, '', p.title))],
    ...(t && { steps: [{ value: t.value, color: t.color }] }),
  });
}
