// Labels of the request series in an SLO's promtool tests: one route of one
// instance of the service, as its exporter would label them.
import { catalog } from '../../catalog/index.ts';
import type { ServiceConfig, SloConfig } from '../project/config.ts';
import { label } from '../promql.ts';

const duration = catalog.http.requestDuration;

/** The route of the test requests when an SLO counts every route. */
export const TEST_ROUTE = '/';

/** The instance label Prometheus gives the service's target in tests: `<name>:<port>`. */
export function testInstance(service: ServiceConfig): string {
  return `${service.name}:${service.port}`;
}

/** `job`, `instance`, method and route of one test request series (a route the SLO counts). */
export function testRequestLabels(service: ServiceConfig, slo: SloConfig): string {
  const route = slo.routes?.[0] ?? TEST_ROUTE;
  return `job="${service.name}",instance="${testInstance(service)}",${label(duration, 'http_request_method')}="GET",${label(duration, 'http_route')}="${route}"`;
}
