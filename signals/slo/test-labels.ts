// Labels of the request series in the SLOs' promtool tests: one route of one
// instance of the job `shop`.
import { catalog } from '../../catalog/index.ts';
import { label } from '../promql.ts';

const duration = catalog.http.requestDuration;

export const TEST_JOB = 'shop';
export const TEST_REQUEST_LABELS = `job="${TEST_JOB}",instance="shop:8080",${label(duration, 'http_request_method')}="GET",${label(duration, 'http_route')}="/api/:version/products"`;
