// The SLOs of a project: each service's own, declared in its `slos`, in
// config order. Each gets a name unique in the project (`<service>-<kind>`),
// the `slo` label of every series and alert it produces.
import { type AlertConfig, DEFAULT_SLO_PERIOD } from '../alert-settings.ts';
import type { ServiceConfig, SloConfig } from '../project/config.ts';
import type { Duration } from '../rule-types.ts';
import { httpAvailability } from './http-availability.ts';
import { httpLatency } from './http-latency.ts';
import type { Slo } from './spec.ts';

const BUILDERS: Readonly<Record<SloConfig['kind'], (service: ServiceConfig, slo: SloConfig, name: string, period: Duration) => Slo>> = {
  availability: httpAvailability,
  latency: httpLatency,
};

/** The SLOs of one service: `<service>-availability`, `<service>-latency`, and `-2`, `-3` … for a second one of a kind. */
export function slosOf(service: ServiceConfig): Slo[] {
  const seen = new Map<string, number>();
  return (service.slos ?? []).map((slo) => {
    const base = `${service.name}-${slo.kind}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return BUILDERS[slo.kind](service, slo, n === 1 ? base : `${base}-${n}`, slo.period ?? DEFAULT_SLO_PERIOD);
  });
}

/** Every SLO of every service of the environment's project. */
export function slos(config: AlertConfig): Slo[] {
  return config.services.flatMap(slosOf);
}
