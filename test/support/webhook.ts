// An HTTP server on loopback that collects what Alertmanager's webhook
// receiver POSTs, so tests can assert on real notifications.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification, PagedAlert } from '../../stack/pager.ts';
import { waitFor } from './net.ts';

/** One alert of a notification (Alertmanager webhook payload, version 4): the pager's fields and the rest. */
export interface WebhookAlert extends PagedAlert {
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** A notification as Alertmanager's webhook receiver sends it: the pager's fields and the rest. */
export interface WebhookNotification extends Notification {
  readonly version: string;
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

export interface Received {
  /** Date.now() when the POST arrived. */
  readonly at: number;
  readonly body: WebhookNotification;
}

export interface WebhookServer {
  readonly url: string;
  /** Every notification received so far, in arrival order. */
  readonly received: readonly Received[];
  /** Resolves with the first notification (already received or still to come) that `match` accepts. */
  waitFor(match: (n: WebhookNotification) => boolean, timeoutMs: number, message: string): Promise<Received>;
  stop(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startWebhook(): Promise<WebhookServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST') {
        res.writeHead(405).end();
        return;
      }
      const text = await readBody(req);
      try {
        received.push({ at: Date.now(), body: JSON.parse(text) as WebhookNotification });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    async waitFor(match, timeoutMs, message) {
      let found: Received | undefined;
      await waitFor(() => (found = received.find((r) => match(r.body))) !== undefined, timeoutMs, message, 100);
      return found!;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
