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
// increases at burn b, the long window burns at b·k / (W/i − 1).
import type { Duration } from '../lib/rules.ts';
import { exact, type TestCounters } from './spec.ts';

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
}

const TRAFFIC = 1000;

/** The good/bad/total counters of a scenario, for an SLO with error budget `budget`. */
export function scenarioCounters(phases: readonly Phase[], budget: number, fromZero = false): TestCounters {
  const start = fromZero ? { good: 0, bad: 0, total: 0 } : { good: 990_000, bad: 10_000, total: 1_000_000 };
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

/** A day (or three) of healthy traffic first, so every long window is full before the burn starts. */
const healthy = (samples: number, traffic?: number): Phase => ({ samples, burn: 0, ...(traffic !== undefined && { traffic }) });

/** Per long window: a burn its alert catches at an exact minute, and a spike it must ignore. */
export const BURN_SCENARIOS: Readonly<Record<string, { readonly fires: Scenario; readonly spike: Scenario }>> = {
  // 1h at 1m holds 59 increases: 28.8 × k / 59 > 14.4 from k = 30 (14.64); k = 29 gives 14.16.
  '1h': {
    fires: {
      name: 'pages 30 minutes into a burn at 28.8× (2% of the budget gone in the last hour), not a minute earlier',
      interval: '1m',
      phases: [healthy(1440), { samples: 40, burn: 28.8 }],
      evalTime: '1470m',
      quietAt: ['1469m'],
      fires: { burnRate: '14.64' },
    },
    // 100 × 4 / 59 = 6.8 over 1h, while the 5m window burns at 100.
    spike: {
      name: 'does not page on a 4-minute spike at 100× that only the 5m window sees',
      interval: '1m',
      phases: [healthy(1440), { samples: 4, burn: 100 }, healthy(10)],
      evalTime: '1444m',
    },
  },
  // 6h at 5m holds 71 increases: 10 × k / 71 > 6 from k = 43 (6.06); k = 42 gives 5.92.
  '6h': {
    fires: {
      name: 'pages 215 minutes into a burn at 10× (5% of the budget gone in the last 6 hours), not a minute earlier',
      interval: '5m',
      phases: [healthy(864), { samples: 50, burn: 10 }],
      evalTime: '4535m',
      quietAt: ['4534m'],
      fires: { burnRate: '6.06' },
    },
    // 50 × 5 / 71 = 3.5 over 6h, while the 30m window burns at 50.
    spike: {
      name: 'does not page on a 25-minute spike at 50× that only the 30m window sees',
      interval: '5m',
      phases: [healthy(864), { samples: 5, burn: 50 }, healthy(5)],
      evalTime: '4345m',
    },
  },
  // 1d at 10m holds 143 increases: 4 × k / 143 > 3 from k = 108 (3.02); k = 107 gives 2.99.
  // With steady traffic the 3d/6h ticket would start at the same moment (10% of the budget
  // either way), so the two days before carry twice the traffic: over 3d the burn is 0.71.
  '1d': {
    fires: {
      name: 'opens a ticket 18 hours into a burn at 4× (10% of the budget gone in the last day), not a minute earlier',
      interval: '10m',
      phases: [healthy(288, 2000), healthy(144), { samples: 120, burn: 4 }],
      evalTime: '5400m',
      quietAt: ['5399m'],
      fires: { burnRate: '3.02' },
    },
    // 15 × 11 / 143 = 1.15 over 1d (and 4.7 over 6h), while the 2h window burns at 15.
    spike: {
      name: 'opens no ticket for a 110-minute spike at 15× that only the 2h window sees',
      interval: '10m',
      phases: [healthy(432), { samples: 11, burn: 15 }, healthy(5)],
      evalTime: '4430m',
    },
  },
  // 3d at 1h holds 71 increases: 2 × k / 71 > 1 from k = 36 (1.01); k = 35 gives 0.99.
  '3d': {
    fires: {
      name: 'opens a ticket 36 hours into a burn at 2× (10% of the budget gone in the last 3 days), not a minute earlier',
      interval: '1h',
      phases: [healthy(72), { samples: 40, burn: 2 }],
      evalTime: '6480m',
      quietAt: ['6479m'],
      fires: { burnRate: '1.01' },
    },
    // 5 × 5 / 71 = 0.35 over 3d (and 1.09 over 1d), while the 6h window burns at 5.
    spike: {
      name: 'opens no ticket for a 5-hour spike at 5× that only the 6h window sees',
      interval: '1h',
      phases: [healthy(72), { samples: 5, burn: 5 }, healthy(3)],
      evalTime: '4620m',
    },
  },
};

export const ZERO_TRAFFIC: Scenario = {
  name: 'stays quiet while a job serves no requests at all',
  interval: '1m',
  phases: [healthy(120, 0)],
  evalTime: '120m',
  fromZero: true,
};
