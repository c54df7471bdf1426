// The SLO alerts' promtool scenarios for objectives whose error budget cannot
// hold the designed burns (a burn rate is at most 1 / budget): rebuilt at
// every request failing, with the firing minute that arithmetic gives.
import { describe, expect, test } from 'vitest';
import { withinBudget } from '../../alerts/slo/feasible-scenarios.ts';
import { BURN_SCENARIOS, scenarioCounters } from '../../alerts/slo/scenarios.ts';
import { BURN_RATE_POLICY, burnRateFactor, errorBudget } from '../../signals/slo/spec.ts';

const [page1h, page6h] = BURN_RATE_POLICY;
const scenarios = (long: string) => BURN_SCENARIOS[long]!;

describe('scenarios within the budget', () => {
  test('a 99.5% objective keeps every designed scenario as it is', () => {
    for (const p of BURN_RATE_POLICY) {
      const s = scenarios(p.long);
      expect(withinBudget(s.fires, p, burnRateFactor(p.budgetShare, '30d', p.long), 0.005)).toBe(s.fires);
      expect(withinBudget(s.spike, p, burnRateFactor(p.budgetShare, '30d', p.long), 0.005)).toBe(s.spike);
    }
  });

  test('at 95% the 1h/5m page fires 43 minutes into every request failing (20 × 43 / 59 = 14.58 > 14.4), not at 42 (14.24)', () => {
    const s = withinBudget(scenarios('1h').fires, page1h!, 14.4, errorBudget(0.95));
    expect(s).toEqual({
      name: 'the 1h/5m alert fires 43 minutes into a burn at 20× (every request failing), not a minute earlier',
      interval: '1m',
      // One interval of history holding ten times the burn's requests, so the longer windows stay quiet.
      phases: [
        { samples: 1, burn: 0, traffic: 12_000_000 },
        { samples: 17, burn: 0 },
        { samples: 48, burn: 20 },
      ],
      evalTime: '61m',
      quietAt: ['60m'],
      fires: { burnRate: '14.58' },
    });
    // Every request of the burn fails: the good counter stands still.
    expect(scenarioCounters(s.phases, errorBudget(0.95)).good).toBe('99000000 111000000 111001000+1000x16 111017000+0x47');
  });

  test('at 95% the 6h/30m page keeps its designed burn at 10×, which fits in the budget', () => {
    expect(withinBudget(scenarios('6h').fires, page6h!, 6, errorBudget(0.95))).toBe(scenarios('6h').fires);
  });

  test('at 85% the 6h/30m page, at 5-minute samples, fires after 64 failing ones (6.67 × 64 / 71 = 6.01 > 6), not at 63 (5.92)', () => {
    const s = withinBudget(scenarios('6h').fires, page6h!, 6, errorBudget(0.85));
    expect([s.phases, s.evalTime, s.quietAt, s.fires]).toEqual([
      [
        { samples: 1, burn: 0, traffic: 4_801_000 },
        { samples: 8, burn: 0 },
        { samples: 69, burn: 6.66666666667 },
      ],
      '365m',
      ['364m'],
      { burnRate: '6.01' },
    ]);
  });

  test('a spike is capped at every request failing, and still must not page', () => {
    const s = withinBudget(scenarios('1h').spike, page1h!, 14.4, errorBudget(0.95));
    expect(s.phases.map((p) => p.burn)).toEqual([0, 0, 20, 0]);
    expect(s.fires).toBeUndefined();
    expect(s.name).toMatch(/capped at 20×/);
  });

  test('at 90% the 1h/5m page can never fire (10× at most, the factor is 14.4): its test shows it quiet with every request failing', () => {
    const s = withinBudget(scenarios('1h').fires, page1h!, 14.4, errorBudget(0.9));
    expect(s).toMatchObject({
      name: 'the 1h/5m alert can never fire: even every request failing burns at only 10×, not above 14.4',
      phases: [
        { samples: 1, burn: 0, traffic: 6_000_000 },
        { samples: 61, burn: 10 },
      ],
      evalTime: '61m',
    });
    expect(s.fires).toBeUndefined();
  });
});
