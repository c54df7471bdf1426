// Requests Node's HTTP parser rejected before they became requests (bad
// request line, oversized headers, header or request timeout): no route, no
// span, no request line, so they are counted here or not at all.
import { counter } from './spec.ts';

/** Why a connection's request was rejected; bounded, whatever the client sends. */
export const REJECTION_TYPES = ['bad_request', 'header_too_large', 'request_timeout', 'connection_reset', 'other'] as const;

/** The status answered; `none` when the connection was closed without an answer (the client was gone). */
export const REJECTION_STATUSES = ['400', '408', '431', 'none'] as const;

export const httpServerRejectedRequests = counter({
  name: 'http_server_rejected_requests_total',
  help: "Requests rejected by the HTTP parser before any route saw them (malformed, headers too large, too slow), by the status answered and the parser's reason.",
  unit: '',
  labels: ['http_response_status_code', 'error_type'],
  values: { http_response_status_code: REJECTION_STATUSES, error_type: REJECTION_TYPES },
  source: 'exporter',
});

export const httpConnectionMetrics = { rejectedRequests: httpServerRejectedRequests } as const;
