import { describe, expect, it } from 'vitest';
import {
  cheapestPrice,
  HOURS_PER_MONTH,
  monthlyCost,
  monthlySavings,
  roundUsd,
  savingsPercent,
  spotToOnDemandRatio,
} from '../../src/pricing/savings.js';

describe('savings', () => {
  it('is instances x 730 h x (On-Demand - Spot)', () => {
    expect(HOURS_PER_MONTH).toBe(730);
    // 3 x m5.large: 0.096 On-Demand, 0.0404 mean Spot (the real January 2021 sample).
    expect(roundUsd(monthlySavings(3, 0.096, 0.0404))).toBe(121.76);
    expect(monthlySavings(1, 0.05, 0.06)).toBeCloseTo(-7.3, 10);
    expect(monthlyCost(0.096, 2)).toBeCloseTo(140.16, 10);
  });

  it('gives the discount and the price ratio, safe for a missing On-Demand price', () => {
    expect(savingsPercent(0.1, 0.03)).toBeCloseTo(70, 10);
    expect(spotToOnDemandRatio(0.1, 0.03)).toBeCloseTo(0.3, 10);
    expect(savingsPercent(0, 0.03)).toBe(0);
    expect(spotToOnDemandRatio(0, 0.03)).toBe(1);
  });

  it('picks the cheapest allowed AZ', () => {
    const prices = [
      { az: 'us-east-1a', price: 0.04 },
      { az: 'us-east-1b', price: 0.03 },
      { az: 'us-east-1c', price: 0.035 },
    ];
    expect(cheapestPrice(prices)?.az).toBe('us-east-1b');
    expect(cheapestPrice(prices, (az) => az !== 'us-east-1b')?.az).toBe('us-east-1c');
    expect(cheapestPrice(prices, () => false)).toBeUndefined();
  });
});
