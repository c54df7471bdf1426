// The routing tree: which receiver each alert reaches, decided by severity
// (the monitoring-mixins contract: critical pages, warning makes a ticket,
// info is not routed) with the Watchdog sent to the heartbeat service.
import type { Matcher, RootRoute, RouteTimings } from './schema.ts';
import { RECEIVER } from './receivers.ts';
import type { AlertmanagerSettings, Timings } from './settings.ts';

/** Labels of the dead man's switch alert; the stack rules' Watchdog carries both. */
export const WATCHDOG_LABELS = { alertname: 'Watchdog', watchdog: 'true' } as const;

const matchers = (labels: Readonly<Record<string, string>>): Matcher[] => Object.entries(labels).map(([k, v]) => `${k}="${v}"` as const);

const timings = (t: Timings): RouteTimings => ({ group_wait: t.groupWait, group_interval: t.groupInterval, repeat_interval: t.repeatInterval });

export function routingTree(s: AlertmanagerSettings, serviceLabel: string): RootRoute {
  return {
    // Whatever no route claims (no or an unknown severity) still reaches people.
    receiver: RECEIVER.chat,
    group_by: ['alertname', serviceLabel],
    ...timings(s.timings),
    routes: [
      { matchers: matchers(WATCHDOG_LABELS), receiver: RECEIVER.heartbeat, ...timings(s.heartbeat) },
      { matchers: ['severity="critical"'], receiver: RECEIVER.pager },
      // A warning is posted to the channel and also opens a ticket.
      { matchers: ['severity="warning"'], receiver: RECEIVER.chat, continue: true },
      { matchers: ['severity="warning"'], receiver: RECEIVER.ticket },
      { matchers: ['severity="info"'], receiver: RECEIVER.none },
    ],
  };
}
