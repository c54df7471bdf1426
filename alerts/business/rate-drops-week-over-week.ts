// A rate against the same window a week earlier, below a share of it: e.g.
// orders halved against last week. Where there was nothing a week ago (a new
// service, a holiday) there is no baseline, and no alert.
import type { RateDropsWeekOverWeekAlert } from '../../signals/project/business.ts';
import { percent } from '../../signals/promql.ts';
import { type BusinessAlertKind, refText, serviceRate, subject, THRESHOLD_PLACEHOLDER } from './shared.ts';

export const rateDropsWeekOverWeekKind: BusinessAlertKind<RateDropsWeekOverWeekAlert> = {
  keepsInstance: false,
  expr(a, threshold, job) {
    const now = serviceRate(a.metric, job, a.window, a.by);
    const lastWeek = serviceRate(a.metric, job, { window: a.window, offset: '1w' }, a.by);
    // `> 0` on last week's rate: no traffic then is no baseline, not a drop.
    return `${now} / (${lastWeek} > 0) < ${threshold}`;
  },
  thresholdText: percent,
  defaultDescription: (a) =>
    `${subject(a.by, false)}: the rate of ${refText(a.metric)} over the last ${a.window} is {{ $value | humanizePercentage }} of the same ${a.window} a week earlier (threshold ${THRESHOLD_PLACEHOLDER}).`,
};
