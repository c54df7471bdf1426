// The routing tree: the Watchdog to the heartbeat service, then each team's
// services to that team's receivers, then everything else (hosts, the
// monitoring stack, the platform team's own services) to the platform team.
// Within a team, severity decides (the monitoring-mixins contract): critical
// pages, warning goes to chat and opens a ticket, info is not notified.
import type { AlertConfig } from '../../signals/alert-settings.ts';
import type { TeamRouting } from '../../signals/project/config.ts';
import { RECEIVER } from './receivers.ts';
import type { Matcher, RootRoute, Route, RouteTimings } from './schema.ts';
import type { Timings } from './settings.ts';

/** Labels of the dead man's switch alert; the stack rules' Watchdog carries both. */
export const WATCHDOG_LABELS = { alertname: 'Watchdog', watchdog: 'true' } as const;

const matchers = (labels: Readonly<Record<string, string>>): Matcher[] => Object.entries(labels).map(([k, v]) => `${k}="${v}"` as const);

const timings = (t: Timings): RouteTimings => ({ group_wait: t.groupWait, group_interval: t.groupInterval, repeat_interval: t.repeatInterval });

/** Where a team's alerts go when no severity route claims them (no or an unknown severity): still to people. */
const fallback = (team: TeamRouting): string => team.chat ?? team.ticket ?? team.page;

/** critical → page; warning → chat (and on) + ticket; info → not notified. A team without chat or ticket gets its warnings on its fallback receiver. */
function severityRoutes(team: TeamRouting): Route[] {
  const warning = [team.chat, team.ticket].filter((r): r is string => r !== undefined);
  return [
    { matchers: ['severity="critical"'], receiver: team.page },
    ...warning.map((receiver, i): Route => ({ matchers: ['severity="warning"'], receiver, ...(i < warning.length - 1 && { continue: true }) })),
    { matchers: ['severity="info"'], receiver: RECEIVER.none },
  ];
}

/** One route per team but the platform team, for the alerts of that team's services (by job). */
function teamRoutes(config: AlertConfig): Route[] {
  const { teams, platformTeam } = config.alerting;
  return Object.entries(teams)
    .filter(([name]) => name !== platformTeam)
    .flatMap(([name, team]) => {
      const jobs = config.services.filter((s) => s.team === name).map((s) => s.name);
      if (jobs.length === 0) return [];
      return [{ matchers: [`${config.serviceLabel}=~"${jobs.join('|')}"` as Matcher], receiver: fallback(team), routes: severityRoutes(team) }];
    });
}

export function routingTree(config: AlertConfig, routeTimings: Timings, heartbeatTimings: Timings): RootRoute {
  const platform = config.alerting.teams[config.alerting.platformTeam];
  if (platform === undefined) throw new Error(`alerting.platformTeam "${config.alerting.platformTeam}" is not a team of alerting.teams`);
  const heartbeat = config.alerting.heartbeatUrlFile !== undefined ? RECEIVER.heartbeat : RECEIVER.none;
  return {
    receiver: fallback(platform),
    group_by: ['alertname', config.serviceLabel],
    ...timings(routeTimings),
    routes: [{ matchers: matchers(WATCHDOG_LABELS), receiver: heartbeat, ...timings(heartbeatTimings) }, ...teamRoutes(config), ...severityRoutes(platform)],
  };
}
