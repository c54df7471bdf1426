// HTTP server RED metrics: OpenTelemetry HTTP semantic conventions mapped to
// Prometheus names, so the scrape path and an OTLP path name series alike.
import { gauge, histogram } from './spec.ts';

/** OpenTelemetry's advisory buckets for http.server.request.duration. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] as const;

/** Body sizes from 100 B to 100 MB, roughly ×4 per step. */
export const HTTP_BODY_SIZE_BUCKETS = [100, 400, 1_600, 6_400, 25_600, 102_400, 409_600, 1_638_400, 6_553_600, 26_214_400, 104_857_600] as const;

/** Methods the semantic conventions know; anything else is recorded as `_OTHER`. */
export const HTTP_METHODS = ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'QUERY', 'TRACE', '_OTHER'] as const;

/** `http_route` of requests no route matched: one shared value, never the raw path. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Status recorded when the client closed the connection before the response ended (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

/** Label value that replaces every label of a series past the metric's series cap. */
export const OVERFLOW_VALUE = '_overflow';

export const httpServerRequestDuration = histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP server requests, from the first byte received to the last byte sent or the client closing the connection.',
  unit: 'seconds',
  labels: ['http_request_method', 'http_route', 'http_response_status_code'],
  values: { http_request_method: HTTP_METHODS },
  buckets: HTTP_DURATION_BUCKETS,
});

export const httpServerActiveRequests = gauge({
  name: 'http_server_active_requests',
  help: 'Number of HTTP server requests in flight.',
  unit: '',
  labels: ['http_request_method'],
  values: { http_request_method: HTTP_METHODS },
});

export const httpServerRequestBodySize = histogram({
  name: 'http_server_request_body_size_bytes',
  help: 'Size of HTTP server request bodies, from the Content-Length header.',
  unit: 'bytes',
  labels: ['http_request_method', 'http_route'],
  values: { http_request_method: HTTP_METHODS },
  buckets: HTTP_BODY_SIZE_BUCKETS,
});

export const httpServerResponseBodySize = histogram({
  name: 'http_server_response_body_size_bytes',
  help: 'Size of HTTP server response bodies, counted as written.',
  unit: 'bytes',
  labels: ['http_request_method', 'http_route', 'http_response_status_code'],
  values: { http_request_method: HTTP_METHODS },
  buckets: HTTP_BODY_SIZE_BUCKETS,
});

export const httpMetrics = {
  requestDuration: httpServerRequestDuration,
  activeRequests: httpServerActiveRequests,
  requestBodySize: httpServerRequestBodySize,
  responseBodySize: httpServerResponseBodySize,
} as const;
