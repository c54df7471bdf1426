// The SLOs the kit ships: one file per SLO, listed here in rule-file order.
import type { AlertConfig } from '../alert-settings.ts';
import { httpAvailability } from './http-availability.ts';
import { httpLatency } from './http-latency.ts';
import type { Slo } from './spec.ts';

export function slos(config: AlertConfig): Slo[] {
  return [httpAvailability(config), httpLatency(config)];
}
