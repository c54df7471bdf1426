// A quantile panel: quantiles of a histogram (from its buckets, so
// approximate within a bucket), per `by`.
import type { QuantilePanel } from '../../signals/project/business.ts';
import { quantile } from '../../signals/promql.ts';
import { type AnyPanel, q } from '../lib/panels.ts';
import { RATE_INTERVAL } from '../lib/promql.ts';
import { legendOf, refMatchers, styled } from './common.ts';

/** `p95`, `p99.9`. */
export function quantileName(x: number): string {
  return `p${Number((x * 100).toPrecision(6))}`;
}

export function quantilePanel(p: QuantilePanel): AnyPanel {
  return styled(p.style, {
    title: p.title,
    description: p.description,
    unit: p.unit,
    queries: p.quantiles.map((x) => q(quantile(x, p.metric.spec, RATE_INTERVAL, p.by, ...refMatchers(p.metric)), legendOf(p.by, quantileName(x)))),
  });
}
