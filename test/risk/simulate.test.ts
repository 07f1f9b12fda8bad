import { describe, expect, it } from 'vitest';
import type { PoolSnapshot } from '../../src/risk/features.js';
import { simulatedHazard, simulatedProbability } from '../../src/risk/model/simulate.js';

const calm: PoolSnapshot = {
  advisorBand: 4,
  at: new Date('2026-01-01T00:00:00Z'),
  spotPrice: 0.3,
  onDemandPrice: 1,
  priceTrend24h: 0,
  priceVolatility7d: 0,
  interruptions7d: 0,
  rebalances7d: 0,
  interruptions30d: 0,
};

describe('label simulation', () => {
  it('turns the monthly rate of a calm pool band into an hourly hazard over a 730-hour month', () => {
    // >20% band: 25% a month -> -ln(0.75) / 730 per hour
    expect(simulatedHazard(calm)).toBeCloseTo(-Math.log(0.75) / 730, 12);
    expect(simulatedHazard({ ...calm, advisorBand: 0 })).toBeCloseTo(-Math.log(0.975) / 730, 12);
    // the label is "interrupted within 7 days": 168 calm hours
    expect(simulatedProbability(calm)).toBeCloseTo(1 - 0.75 ** (168 / 730), 10);
  });

  it('raises the hazard when AWS gives a low placement score and ignores a missing one', () => {
    const base = simulatedHazard(calm);
    expect(simulatedHazard({ ...calm, placementScore: 2 })).toBeGreaterThan(base);
    expect(simulatedHazard({ ...calm, placementScore: null })).toBe(base);
  });

  it('raises the hazard with each stress signal and ignores the hour and weekday', () => {
    const base = simulatedHazard(calm);
    expect(simulatedHazard({ ...calm, spotPrice: 0.9 })).toBeGreaterThan(base);
    expect(simulatedHazard({ ...calm, priceTrend24h: 0.2 })).toBeGreaterThan(base);
    expect(simulatedHazard({ ...calm, priceTrend24h: -0.2 })).toBe(base);
    expect(simulatedHazard({ ...calm, priceVolatility7d: 0.05 })).toBeGreaterThan(base);
    expect(simulatedHazard({ ...calm, interruptions7d: 1, interruptions30d: 1 })).toBeCloseTo(
      base * Math.exp(1.3),
      12,
    );
    expect(simulatedHazard({ ...calm, rebalances7d: 2 })).toBeCloseTo(base * Math.exp(1), 12);
    expect(simulatedHazard({ ...calm, at: new Date('2026-06-06T13:00:00Z') })).toBe(base);
  });
});
