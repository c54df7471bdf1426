// The local pager: every Alertmanager receiver of the local stack posts here
// (webhook, send_resolved), and each notification is printed readably in the
// terminal (alert, severity, summary, runbook, firing or resolved) and kept in
// pager.log, with the raw payloads in notifications.jsonl. Both files rotate
// like the children's logs (rotating-log.ts): the Watchdog's repeats alone add
// a line a minute to pager.log and a payload to notifications.jsonl.
import { createServer, type IncomingMessage } from 'node:http';
import { styleText } from 'node:util';
import { WATCHDOG_LABELS } from '../alerts/alertmanager/index.ts';
import { RotatingLog } from './rotating-log.ts';

/** One alert of a notification (Alertmanager webhook payload, version 4). */
export interface PagedAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
}

/** A notification as Alertmanager's webhook receiver sends it (the fields the pager reads). */
export interface Notification {
  readonly status: 'firing' | 'resolved';
  /** The receiver the route chose (pager, chat, ticket, heartbeat). */
  readonly receiver: string;
  readonly alerts: readonly PagedAlert[];
}

export interface PagerOptions {
  readonly host: string;
  readonly port: number;
  /** Readable lines, as printed. */
  readonly logFile: string;
  /** One JSON payload per line, as received. */
  readonly jsonFile: string;
  /** Prints lines to the terminal. */
  readonly print: (lines: readonly string[]) => void;
  /** Size at which each file is renamed to `<file>.1` and started afresh (default 20 MiB, as the children's logs). */
  readonly maxLogBytes?: number;
}

export interface Pager {
  readonly url: string;
  close(): Promise<void>;
}

type Style = Parameters<typeof styleText>[0];
/** Colour on a terminal only: styleText leaves text plain when stdout is not a TTY or NO_COLOR is set. */
const paint = (style: Style, text: string) => styleText(style, text);

const clock = (d: Date) => d.toTimeString().slice(0, 8);

function duration(fromIso: string, toIso: string): string {
  const s = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const isHeartbeat = (a: PagedAlert) => a.labels.watchdog === WATCHDOG_LABELS.watchdog && a.labels.alertname === WATCHDOG_LABELS.alertname;

/** Labels that tell one firing from another, beside the name and severity. */
function where(labels: Readonly<Record<string, string>>): string {
  const { alertname: _a, severity: _s, watchdog: _w, ...rest } = labels;
  return Object.entries(rest)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/**
 * The lines shown for one notification, one block per alert:
 *
 *   14:02:31 FIRING   HttpErrorRatioHigh critical job=demo-shop -> pager
 *            The service answers too many requests with server errors.
 *            demo-shop answered 48% of its requests with 5xx over ...
 *            runbook: https://.../HttpErrorRatioHigh.md
 *   14:03:40 RESOLVED HttpErrorRatioHigh critical job=demo-shop -> pager (fired for 1m09s)
 */
export function formatNotification(n: Notification, at: Date, styled = true): string[] {
  const style = styled ? paint : (_: Style, text: string) => text;
  const indent = ' '.repeat(9);
  const lines: string[] = [];
  for (const a of n.alerts) {
    const severity = a.labels.severity ?? 'none';
    const resolved = a.status === 'resolved';
    const state = resolved ? style(['bold', 'green'], 'RESOLVED') : style(['bold', severity === 'critical' ? 'red' : 'yellow'], 'FIRING  ');
    const head = [clock(at), state, style('bold', a.labels.alertname ?? '(no alertname)'), severity, where(a.labels), `-> ${n.receiver}`].filter((x) => x !== '').join(' ');
    if (resolved) {
      lines.push(`${head} (fired for ${duration(a.startsAt, a.endsAt)})`);
      continue;
    }
    lines.push(head);
    if (a.annotations.summary) lines.push(`${indent}${a.annotations.summary}`);
    if (a.annotations.description) lines.push(`${indent}${style('dim', a.annotations.description)}`);
    lines.push(`${indent}runbook: ${a.annotations.runbook_url ?? '(none)'}`);
  }
  return lines;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startPager(options: PagerOptions): Promise<Pager> {
  let heartbeats = 0;
  // A log that cannot be written must not make Alertmanager retry a notification already shown: say so and go on.
  const cannotWrite = (err: unknown) => options.print([`pager: cannot write its log: ${err instanceof Error ? err.message : String(err)}`]);
  const logs = { text: new RotatingLog(options.logFile, options.maxLogBytes, cannotWrite), json: new RotatingLog(options.jsonFile, options.maxLogBytes, cannotWrite) };
  // Each stream keeps arrival order; the answer waits until both are written, so a reader after the 200 finds them.
  const append = (log: RotatingLog, text: string) =>
    new Promise<void>((resolve) => {
      try {
        log.write(text, () => resolve());
      } catch (err) {
        cannotWrite(err); // rotation's rename or open failed
        resolve();
      }
    });
  const record = (lines: readonly string[], json: string) => Promise.all([append(logs.text, lines.map((l) => `${l}\n`).join('')), append(logs.json, `${json}\n`)]);

  const handle = async (text: string) => {
    const n = JSON.parse(text) as Notification;
    const at = new Date();
    const pages = { ...n, alerts: n.alerts.filter((a) => !isHeartbeat(a)) };
    const beats = { ...n, alerts: n.alerts.filter(isHeartbeat) };
    // The first heartbeat proves the whole path; its repeats (every minute) would drown the pages.
    const firstBeat = beats.alerts.length > 0 && heartbeats++ === 0;
    const lines = (styled: boolean) => [
      ...(firstBeat ? [`${clock(at)} ${styled ? paint('cyan', 'heartbeat') : 'heartbeat'} Watchdog reached receiver ${n.receiver}: Prometheus -> Alertmanager -> pager works (its repeats go to pager.log only)`] : []),
      ...formatNotification(pages, at, styled),
    ];
    const shown = lines(true);
    if (shown.length > 0) options.print(shown);
    await record([...lines(false), ...formatNotification(beats, at, false)], JSON.stringify(n));
  };

  const server = createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end('POST Alertmanager webhook notifications here\n');
      return;
    }
    readBody(req)
      .then(handle)
      .then(
        () => res.writeHead(200).end(),
        (err: unknown) => res.writeHead(400).end(`not an Alertmanager webhook notification: ${err instanceof Error ? err.message : String(err)}\n`),
      );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    url: `http://${options.host}:${options.port}/`,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await Promise.all([logs.text.end(), logs.json.end()]);
    },
  };
}
