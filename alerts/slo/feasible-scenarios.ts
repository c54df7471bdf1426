// The burn scenarios for SLOs with a large error budget. A burn rate can be
// at most 1 / budget (every request failing): 20 for a 95% objective, so the
// scenarios' 28.8× and 100× cannot be written for it. A spike is capped at
// every request failing (it still must not page). A burn that must fire is
// rebuilt at that rate: with n increases in the long window, k failing ones
// burn at B·k/n, so the alert fires at the first k with B·k/n above its
// factor, and not a minute earlier. Where even that stays at or below the
// factor, the alert can never fire, and its test says so. As in the designed
// scenarios, one interval of history carries ten times the burn's requests:
// the alert's own long window starts after it, the longer windows of the
// other variants (which share the alert's name) hold it and stay below a
// tenth of any factor; the shorter ones see a burn below the designed one,
// which they ignore by design.
import type { Duration } from '../../signals/rule-types.ts';
import { type BurnRateAlertWindows, exact, seconds } from '../../signals/slo/spec.ts';
import { type Phase, type Scenario, TRAFFIC } from './scenarios.ts';

const minutes = (s: number): Duration => `${exact(s / 60)}m`;

/** `scenario` as designed when the budget allows its burns, else the nearest one it allows (see above). */
export function withinBudget(scenario: Scenario, windows: BurnRateAlertWindows, factor: number, budget: number): Scenario {
  const most = exact(1 / budget);
  if (scenario.phases.every((p) => p.burn <= most)) return scenario;
  if (scenario.fires === undefined) {
    return { ...scenario, name: `${scenario.name} (capped at ${most}×: every request failing)`, phases: scenario.phases.map((p) => ({ ...p, burn: Math.min(p.burn, most) })) };
  }
  const step = seconds(scenario.interval);
  const n = seconds(windows.long) / step - 1;
  const history = (intervals: number): Phase => ({ samples: 1, burn: 0, traffic: Math.ceil(10 * most * intervals) * TRAFFIC });
  if (most <= factor) {
    // Every increase of the long window fails, from just after the history.
    return {
      name: `the ${windows.long}/${windows.short} alert can never fire: even every request failing burns at only ${most}×, not above ${factor}`,
      interval: scenario.interval,
      phases: [history(n + 1), { samples: n + 2, burn: most }],
      evalTime: minutes((n + 2) * step),
    } satisfies Scenario;
  }
  const k = Math.floor((factor * n) / most) + 1;
  // Healthy increases before the burn, so the long window at evalTime starts after the history.
  const healthy = Math.max(n + 1 - k, 0);
  const phases: Phase[] = [history(healthy + k), ...(healthy > 0 ? [{ samples: healthy, burn: 0 }] : []), { samples: k + 5, burn: most }];
  const evalTime = (1 + healthy + k) * step;
  return {
    name: `the ${windows.long}/${windows.short} alert fires ${exact((k * step) / 60)} minutes into a burn at ${most}× (every request failing), not a minute earlier`,
    interval: scenario.interval,
    phases,
    evalTime: minutes(evalTime),
    quietAt: [minutes(evalTime - 60)],
    fires: { burnRate: ((most * k) / n).toFixed(2) },
  };
}
