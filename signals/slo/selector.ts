// The requests an SLO counts: the service's own job, and only the routes it
// names when it names some.
import { catalog } from '../../catalog/index.ts';
import type { ServiceConfig, SloConfig } from '../project/config.ts';
import { label, whereMatchers } from '../promql.ts';

const route = label(catalog.http.requestDuration, 'http_route');

/** Matchers of the SLO's requests: `job="<service>"`, and `http_route` among its routes when it names some. */
export function sloMatchers(service: ServiceConfig, slo: SloConfig): string[] {
  return [`job="${service.name}"`, ...whereMatchers({ [route]: slo.routes })];
}

/** "requests" or "requests to /a and /b", for descriptions. */
export function requestsText(slo: SloConfig): string {
  const routes = slo.routes ?? [];
  if (routes.length === 0) return 'requests';
  return `requests to ${routes.length === 1 ? routes[0] : `${routes.slice(0, -1).join(', ')} and ${routes.at(-1)}`}`;
}
