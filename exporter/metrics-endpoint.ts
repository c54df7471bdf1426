// The /metrics handler: content negotiation between the Prometheus text
// format and OpenMetrics, optional bearer-token or basic auth (scheme in any
// case), GET and HEAD only, no caching.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { CONTENT_TYPES, negotiateFormat, renderRegistryChunks } from './exposition.ts';
import { releaseChunks } from './exposition-writer.ts';
import { sameSecret } from './secret.ts';

export type MetricsAuth = { readonly bearerToken: string } | { readonly username: string; readonly password: string };

export interface MetricsEndpointOptions {
  registry: Registry;
  /** Required credentials; without them /metrics is open (serve it on a separate port instead). */
  auth?: MetricsAuth;
  /** Renders the body instead of the registry (cluster mode: the primary's merged view, in the format the scraper asked for). */
  render?: (format: 'prometheus' | 'openmetrics') => Promise<{ body: string | readonly Buffer[]; contentType: string }>;
}

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function metricsHandler(options: MetricsEndpointOptions): MetricsHandler {
  const expected = options.auth === undefined ? undefined : authorizationValue(options.auth);
  const render =
    options.render ??
    (async (format: 'prometheus' | 'openmetrics') => ({ body: await renderRegistryChunks(options.registry, format), contentType: CONTENT_TYPES[format] }));

  return async function metrics(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' });
      res.end(JSON.stringify({ error: 'method_not_allowed', message: 'use GET or HEAD' }));
      return;
    }
    if (expected !== undefined && !sameSecret(normalisedAuthorization(req.headers.authorization), expected)) {
      const scheme = options.auth !== undefined && 'bearerToken' in options.auth ? 'Bearer' : 'Basic';
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `${scheme} realm="metrics"` });
      res.end(JSON.stringify({ error: 'unauthorized', message: `send an Authorization: ${scheme} header with the metrics credentials` }));
      return;
    }
    try {
      const { body, contentType } = await render(negotiateFormat(req.headers.accept));
      const chunks = typeof body === 'string' ? [Buffer.from(body, 'utf8')] : body;
      // Reused by the next scrape once written; an aborted response leaves them to GC.
      if (typeof body !== 'string') res.once('finish', () => releaseChunks(body));
      const length = chunks.reduce((n, c) => n + c.length, 0);
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store', 'content-length': length });
      if (req.method === 'HEAD') return void res.end();
      // Chunk by chunk, waiting for the socket to drain: a 100k-series body is never copied into one buffer.
      for (const chunk of chunks) {
        if (!res.write(chunk) && !res.destroyed) await drained(res);
        if (res.destroyed) return;
      }
      res.end();
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'collect_failed', message: err instanceof Error ? err.message : String(err) }));
    }
  };
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function authorizationValue(auth: MetricsAuth): string {
  if ('bearerToken' in auth) return `bearer ${auth.bearerToken}`;
  return `basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
}

/** The scheme lower-cased (RFC 7235: schemes are case-insensitive; credentials are not) and one space before the credentials. */
function normalisedAuthorization(header: string | undefined): string {
  const match = /^\s*([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+(\S+)\s*$/.exec(header ?? '');
  return match === null ? (header ?? '') : `${match[1]!.toLowerCase()} ${match[2]}`;
}
