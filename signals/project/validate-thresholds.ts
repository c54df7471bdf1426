// The `thresholds` of a project or environment checked against the kit's own
// table: a key the kit does not know (a typo, or one renamed in a release,
// such as system.cpuWarning → system.hostCpuBusy) would otherwise be merged
// in and ignored, leaving the default in force without a word.
import { DEFAULT_THRESHOLDS } from '../alert-settings.ts';

export interface ThresholdProblem {
  readonly field: string;
  readonly value: unknown;
  readonly fix: string;
}

const DURATION = /^\d+(?:\.\d+)?[smhdw]$/;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isDuration = (v: unknown): boolean => typeof v === 'string' && DURATION.test(v);

/** Every problem of `raw` (the `thresholds` at `field`), named by its path. */
export function thresholdProblems(field: string, raw: unknown): ThresholdProblem[] {
  if (raw === undefined) return [];
  if (!isRecord(raw)) return [{ field, value: raw, fix: `must be an object with any of ${Object.keys(DEFAULT_THRESHOLDS).join(', ')}` }];
  const problems: ThresholdProblem[] = [];
  const defaults = DEFAULT_THRESHOLDS as unknown as Record<string, Record<string, unknown>>;
  for (const [group, entries] of Object.entries(raw)) {
    const known = defaults[group];
    const g = `${field}.${group}`;
    if (known === undefined) {
      problems.push({ field: g, value: group, fix: `is not a threshold group; the groups are ${Object.keys(defaults).join(', ')}` });
      continue;
    }
    if (!isRecord(entries)) {
      problems.push({ field: g, value: entries, fix: 'must be an object of thresholds' });
      continue;
    }
    for (const [name, value] of Object.entries(entries)) {
      const f = `${g}.${name}`;
      const fallback = known[name];
      if (fallback === undefined) problems.push({ field: f, value: name, fix: `is not a threshold of ${group}; they are ${Object.keys(known).join(', ')} (docs/config.md lists them)` });
      else if (isRecord(fallback)) {
        // A { value, for } pair: either part may be given alone.
        if (!isRecord(value)) problems.push({ field: f, value, fix: `must be { value, for }, e.g. ${JSON.stringify(fallback)}` });
        else {
          for (const k of Object.keys(value)) if (k !== 'value' && k !== 'for') problems.push({ field: `${f}.${k}`, value: k, fix: 'a threshold has only value and for' });
          if (value.value !== undefined && !isNumber(value.value)) problems.push({ field: `${f}.value`, value: value.value, fix: 'must be a number of at least 0' });
          if (value.for !== undefined && !isDuration(value.for)) problems.push({ field: `${f}.for`, value: value.for, fix: 'must be a duration such as "5m"' });
        }
      } else if (typeof fallback === 'string' && !isDuration(value)) problems.push({ field: f, value, fix: `must be a duration such as ${JSON.stringify(fallback)}` });
      else if (typeof fallback === 'number' && !isNumber(value)) problems.push({ field: f, value, fix: `must be a number of at least 0, e.g. ${fallback}` });
    }
  }
  return problems;
}
