// Traffic scenarios of the SLO alerts' promtool tests, in burn-rate units: a
// phase burning at 28.8 makes 28.8 × (1 − objective) of its requests bad, so
// the same scenario fires at the same minute for every SLO, whatever its
// objective. Each window pair gets a burn that its alert must catch at an
// exact minute and a spike that only its short window sees.
//
// How the minutes follow: counters start high (a long-running process), so
// Prometheus extrapolates bad and total counters alike and an error ratio
// over a window is (bad increase) / (total increase) of the samples in it. A
// window of W at interval i holds W/i samples, W/i − 1 increases; after k
// increases at burn b among healthy ones, it burns at b·k / (W/i − 1).
//
// promtool evaluates every rule of the file at every minute up to the test's
// last one, so days of history would cost minutes of CI. The days before a
// test instead arrive as one interval carrying their requests (`history`):
// the long windows weigh requests, not minutes, so it dilutes them as three
// healthy days would. An alert that must fire has its long window free of it
// (the k/n arithmetic above holds) and longer windows see it; a spike's short
// window is free of it. The exact factors are pinned by the firing tests (the
// minute before, the burn is just below the factor; at the minute, just above).
import type { Duration } from '../../signals/rule-types.ts';
import { exact, type TestCounters } from '../../signals/slo/spec.ts';

export interface Phase {
  /** Samples in this phase, one per interval. */
  readonly samples: number;
  /** Burn rate of the phase's requests: 0 is healthy, 1 spends the budget exactly over the period. */
  readonly burn: number;
  /** Requests per interval (default 1000). */
  readonly traffic?: number;
}

export interface Scenario {
  readonly name: string;
  readonly interval: Duration;
  readonly phases: readonly Phase[];
  readonly evalTime: Duration;
  readonly quietAt?: readonly Duration[];
  /** When the alert fires at evalTime: the long-window burn rate its description prints. */
  readonly fires?: { readonly burnRate: string };
  /** Counters start at 0 instead of a long-running process's values. */
  readonly fromZero?: boolean;
  /** How often promtool evaluates the rules (default 1m): the interval itself for a test over days. */
  readonly evaluationInterval?: Duration;
}

/** Requests per interval when a phase names none. */
export const TRAFFIC = 1000;

/** The good/bad/total counters of a scenario, for an SLO with error budget `budget`. */
export function scenarioCounters(phases: readonly Phase[], budget: number, fromZero = false): TestCounters {
  // Far above any window's increase, so Prometheus never extrapolates one counter towards zero and not the other.
  const start = fromZero ? { good: 0, bad: 0, total: 0 } : { good: 99_000_000, bad: 1_000_000, total: 100_000_000 };
  const steps = phases.map((p) => {
    const total = p.traffic ?? TRAFFIC;
    const bad = exact(p.burn * budget * total);
    if (bad > total) throw new Error(`burn ${p.burn} needs more bad requests than there are with a budget of ${budget}`);
    return { samples: p.samples, good: exact(total - bad), bad, total };
  });
  const values = (key: keyof TestCounters): string => {
    let at = start[key];
    const parts = [String(at)];
    for (const s of steps) {
      const inc = s[key];
      const first = exact(at + inc);
      at = exact(at + inc * s.samples);
      parts.push(s.samples === 1 ? String(first) : `${first}+${inc}x${s.samples - 1}`);
    }
    return parts.join(' ');
  };
  return { good: values('good'), bad: values('bad'), total: values('total') };
}

const healthy = (samples: number, traffic?: number): Phase => ({ samples, burn: 0, ...(traffic !== undefined && { traffic }) });
/** The healthy requests of `intervals` intervals (three days' worth below), in one interval. */
const history = (intervals: number): Phase => ({ samples: 1, burn: 0, traffic: intervals * TRAFFIC });
const burn = (samples: number, rate: number): Phase => ({ samples, burn: rate });

/** Per long window: a burn its alert catches at an exact minute, and a spike it must ignore. */
export const BURN_SCENARIOS: Readonly<Record<string, { readonly fires: Scenario; readonly spike: Scenario }>> = {
  // 1h at 1m holds 59 increases: 28.8 × k / 59 > 14.4 from k = 30 (14.64); k = 29 gives 14.16.
  // 6h, 1d and 3d also hold the history: 864 / 4380 = 0.2.
  '1h': {
    fires: {
      name: 'pages 30 minutes into a burn at 28.8× (2% of the budget gone in the last hour), not a minute earlier',
      interval: '1m',
      phases: [history(4320), healthy(30), burn(40, 28.8)],
      evalTime: '61m',
      quietAt: ['60m'],
      fires: { burnRate: '14.64' },
    },
    // 100 × 4 / 59 = 6.8 over 1h, while the 5m window burns at 100 and the 30m one at 13.8.
    spike: {
      name: 'does not page on a 4-minute spike at 100× that only the 5m window sees',
      interval: '1m',
      phases: [history(4320), healthy(60), burn(4, 100), healthy(5)],
      evalTime: '65m',
    },
  },
  // 6h at 5m holds 71 increases: 10 × k / 71 > 6 from k = 43 (6.06); k = 42 gives 5.92.
  // 1d and 3d also hold the history: 430 / 941 = 0.46.
  '6h': {
    fires: {
      name: 'pages 215 minutes into a burn at 10× (5% of the budget gone in the last 6 hours), not a minute earlier',
      interval: '5m',
      phases: [history(864), healthy(34), burn(50, 10)],
      evalTime: '390m',
      quietAt: ['389m'],
      fires: { burnRate: '6.06' },
    },
    // The 30m window burns at 50; 6h and longer hold the history: 250 / 875 = 0.29.
    spike: {
      name: 'does not page on a 25-minute spike at 50× that only the 30m window sees',
      interval: '5m',
      phases: [history(864), healthy(6), burn(5, 50)],
      evalTime: '60m',
    },
  },
  // 1d at 10m holds 143 increases: 5 × k / 143 > 3 from k = 86 (3.01); k = 85 gives 2.97.
  // 3d holds the history too: 430 / 576 = 0.75, so the 3d/6h ticket stays shut (with
  // steady traffic all along it would open at the same minute: 10% of the budget either way).
  '1d': {
    fires: {
      name: 'opens a ticket 860 minutes into a burn at 5× (10% of the budget gone in the last day), not a minute earlier',
      interval: '10m',
      phases: [history(432), healthy(58), burn(90, 5)],
      evalTime: '1450m',
      quietAt: ['1449m'],
      fires: { burnRate: '3.01' },
    },
    // The 2h window burns at 15; 6h and longer hold the history: 165 / 443 = 0.37.
    spike: {
      name: 'opens no ticket for a 110-minute spike at 15× that only the 2h window sees',
      interval: '10m',
      phases: [history(432), burn(11, 15)],
      evalTime: '120m',
    },
  },
  // Three days of data, so the ticket's long window is covered: 3d at 10m holds 431 increases,
  // 2.4 × k / 431 > 1 from k = 180 (1.0023); k = 179 (ten minutes earlier) gives 0.9968. At 2.4× the 1d/2h ticket (3) never opens.
  '3d': {
    fires: {
      name: 'opens a ticket 1800 minutes into a burn at 2.4× (10% of the budget gone within 3 days), not a minute earlier',
      interval: '10m',
      phases: [healthy(252), burn(190, 2.4)],
      evaluationInterval: '10m',
      evalTime: '4320m',
      quietAt: ['4310m'],
      fires: { burnRate: '1.00' },
    },
    // The 6h window, free of the history, burns at 5 × 30 / 35 = 4.3; 3d holds it: 150 / 467 = 0.32.
    spike: {
      name: 'opens no ticket for a 5-hour spike at 5× that only the 6h window sees',
      interval: '10m',
      phases: [history(432), healthy(5), burn(30, 5)],
      evalTime: '360m',
    },
  },
};

export const ZERO_TRAFFIC: Scenario = {
  name: 'stays quiet while a job serves no requests at all',
  interval: '1m',
  phases: [healthy(30, 0)],
  evalTime: '30m',
  fromZero: true,
};
