// Responses the server itself cut short (a shutdown deadline passed with
// their body half sent). The middleware records them as 503, an error of the
// server, not as 499, which says the client went away.
import type { ServerResponse } from 'node:http';

/** Status recorded for a response the server cut after its headers were sent. */
export const SERVER_CUT_STATUS = 503;

const cut = new WeakSet<ServerResponse>();

/** Ends a response the server gives up on: its connection is destroyed, and it is recorded as SERVER_CUT_STATUS. */
export function cutResponse(res: ServerResponse): void {
  cut.add(res);
  res.destroy();
}

export function wasCutByServer(res: ServerResponse): boolean {
  return cut.has(res);
}

/**
 * At a shutdown deadline: every response still running is answered 503 with
 * `Connection: close` and `Retry-After` when nothing was sent yet, or cut
 * (its connection destroyed) when its headers are out. Either way its
 * 'close' event follows, so the middleware records it (metric, span with an
 * error status, request line): wait for those before flushing telemetry.
 * Returns how many were answered and how many cut.
 */
export function abandonResponses(responses: Iterable<ServerResponse>): { answered: number; cut: number } {
  let answered = 0;
  let cutCount = 0;
  for (const res of [...responses]) {
    if (res.writableEnded || res.destroyed) continue;
    if (res.headersSent) {
      cutResponse(res);
      cutCount++;
      continue;
    }
    res.shouldKeepAlive = false;
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1', connection: 'close' });
    res.end(JSON.stringify({ error: 'shutting_down', message: 'the server is stopping and this request did not finish before its shutdown deadline; retry on another instance' }));
    answered++;
  }
  return { answered, cut: cutCount };
}
