import { describe, expect, it } from 'vitest';
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  featureMatrix,
  featureRecord,
  featureVector,
  MISSING_PLACEMENT_SCORE,
  type PoolSnapshot,
  priceStats,
} from '../../src/risk/features.js';

const pool: PoolSnapshot = {
  advisorBand: 3,
  at: new Date('2026-03-04T17:45:00Z'), // a Wednesday
  spotPrice: 0.0816,
  onDemandPrice: 0.096,
  priceTrend24h: 0.12,
  priceVolatility7d: 0.05,
  placementScore: 6,
  interruptions7d: 2,
  rebalances7d: 4,
  interruptions30d: 5,
};

describe('risk features', () => {
  it('lists only features the bot can serve, in their fixed order, with no clock features', () => {
    // Before: hour_utc and day_of_week_utc were features (no effect in the data, yet 114 splits used them).
    expect(FEATURE_NAMES).toEqual([
      'advisor_band',
      'spot_od_price_ratio',
      'price_trend_24h',
      'price_volatility_7d',
      'placement_score',
      'interruptions_7d',
      'rebalances_7d',
      'interruptions_30d',
    ]);
    expect(FEATURE_COUNT).toBe(8);
  });

  it('turns a snapshot into float32 values in that order', () => {
    const v = featureVector(pool);
    expect(v).toBeInstanceOf(Float32Array);
    expect(Array.from(v)).toEqual(
      [3, Math.fround(0.85), Math.fround(0.12), Math.fround(0.05), 6, 2, 4, 5].map(Math.fround),
    );
  });

  it('gives the same features whatever the hour or weekday of the assessment', () => {
    const later = featureVector({ ...pool, at: new Date('2026-03-07T03:10:00Z') });
    expect(Array.from(later)).toEqual(Array.from(featureVector(pool)));
  });

  it('marks a missing placement score as missing (-1 and listed), never as a made-up score', () => {
    const { values, missing } = featureRecord({ ...pool, placementScore: null });
    expect(values.placement_score).toBe(MISSING_PLACEMENT_SCORE);
    expect(missing).toEqual(['placement_score']);
    expect(featureRecord(pool).missing).toEqual([]);
  });

  it('never lets the 30-day count fall below the 7-day count', () => {
    expect(featureVector({ ...pool, interruptions7d: 3, interruptions30d: 1 })[7]).toBe(3);
  });

  it('lays a batch out row-major', () => {
    const m = featureMatrix([pool, { ...pool, advisorBand: 0 }]);
    expect(m).toHaveLength(2 * FEATURE_COUNT);
    expect(m[0]).toBe(3);
    expect(m[FEATURE_COUNT]).toBe(0);
  });
});

describe('priceStats', () => {
  const at = new Date('2026-03-10T00:00:00Z');
  const h = (hoursBefore: number) => new Date(at.getTime() - hoursBefore * 3_600_000);

  it('compares the price in force now with the one in force 24 hours earlier', () => {
    const series = [
      { at: h(48), price: 0.04 },
      { at: h(30), price: 0.05 }, // in force 24 h ago
      { at: h(2), price: 0.06 },
      { at: h(-1), price: 9 }, // in the future: ignored
    ];
    const s = priceStats(series, at);
    expect(s.price).toBe(0.06);
    expect(s.trend24h).toBeCloseTo(0.2, 10);
  });

  it('measures volatility as the coefficient of variation of the hourly price over 7 days', () => {
    // 0.04 for the first 84 hours of the week, 0.06 after: hourly samples 85 x 0.04 and 84 x 0.06.
    const series = [
      { at: h(24 * 7), price: 0.04 },
      { at: h(83.5), price: 0.06 },
    ];
    const samples = [...Array(85).fill(0.04), ...Array(84).fill(0.06)];
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length);
    expect(priceStats(series, at).volatility7d).toBeCloseTo(sd / mean, 10);
  });

  it('reports a flat, calm price for a constant series and nothing for an empty one', () => {
    expect(priceStats([{ at: h(500), price: 0.04 }], at)).toEqual({
      price: 0.04,
      trend24h: 0,
      volatility7d: 0,
    });
    expect(priceStats([], at)).toEqual({ price: undefined, trend24h: 0, volatility7d: 0 });
  });

  it('uses the earliest known price for the trend when the series is younger than a day', () => {
    const s = priceStats(
      [
        { at: h(5), price: 0.05 },
        { at: h(1), price: 0.04 },
      ],
      at,
    );
    expect(s.trend24h).toBeCloseTo(-0.2, 10);
  });
});
