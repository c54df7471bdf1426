// A gauge that keeps growing: its least-squares slope over a window, per
// hour, above a threshold; e.g. a work queue backing up. Per instance: a
// gauge such as a queue depth lives in one process.
import type { GaugeGrowingAlert } from '../../signals/project/business.ts';
import { type BusinessAlertKind, refText, seriesOf, subject, THRESHOLD_PLACEHOLDER } from './shared.ts';

export const gaugeGrowingKind: BusinessAlertKind<GaugeGrowingAlert> = {
  keepsInstance: true,
  expr: (a, threshold, job) => `max by (${['job', 'instance', ...a.by].join(', ')}) (deriv(${seriesOf(a.metric, job)}[${a.window}])) * 3600 > ${threshold}`,
  thresholdText: (threshold) => String(threshold),
  defaultDescription: (a) =>
    `${subject(a.by, true)}: ${refText(a.metric)} grows by {{ $value | humanize }} an hour over the last ${a.window} (threshold ${THRESHOLD_PLACEHOLDER}).`,
};
