// bad / total over a window, per job and `by`, above a ratio: e.g. the share
// of checkouts that fail. 0, not NaN, while there is no traffic at all.
import type { RatioAboveAlert } from '../../signals/project/business.ts';
import { percent, ratioOrZero } from '../../signals/promql.ts';
import { type BusinessAlertKind, refText, serviceRate, subject, THRESHOLD_PLACEHOLDER } from './shared.ts';

export const ratioAboveKind: BusinessAlertKind<RatioAboveAlert> = {
  keepsInstance: false,
  expr(a, threshold, job) {
    const bad = serviceRate(a.bad, job, a.window, a.by);
    const total = a.total.map((t) => serviceRate(t, job, a.window, a.by)).join(' + ');
    return `${ratioOrZero(bad, total)} > ${threshold}`;
  },
  thresholdText: percent,
  defaultDescription: (a) =>
    `${subject(a.by, false)}: {{ $value | humanizePercentage }} of ${a.total.map(refText).join(' + ')} over the last ${a.window} were ${refText(a.bad)} (threshold ${THRESHOLD_PLACEHOLDER}).`,
};
