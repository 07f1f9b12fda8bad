// The risk model's features: one definition shared by training and inference, in a fixed
// order, as float32 (the ONNX model's input type). Changing the order or a unit means a new
// model version.
import { DAY, HOUR } from '../lib/clock.js';

/** What is known about a Spot pool (region + AZ + instance type) at one moment. */
export interface PoolSnapshot {
  /** Spot Advisor interruption band for the region + type: 0 `<5%` .. 4 `>20%`. */
  advisorBand: number;
  /** When the assessment is for; hour and weekday are taken in UTC. */
  at: Date;
  /** USD per hour. */
  spotPrice: number;
  /** USD per hour, same region, type and OS. */
  onDemandPrice: number;
  /** Relative Spot price change over the last 24 h (0.1 = rose 10%). See priceStats(). */
  priceTrend24h: number;
  /** Coefficient of variation of the hourly Spot price over the last 7 days. See priceStats(). */
  priceVolatility7d: number;
  /** Spot interruption warnings the bot recorded in this pool in the last 7 days. */
  interruptions7d: number;
  /** Rebalance recommendations recorded in this pool in the last 7 days. */
  rebalances7d: number;
  /** Interruption warnings in this pool in the last 30 days (includes the last 7). */
  interruptions30d: number;
}

export const FEATURE_NAMES = [
  'advisor_band',
  'hour_utc',
  'day_of_week_utc',
  'spot_od_price_ratio',
  'price_trend_24h',
  'price_volatility_7d',
  'interruptions_7d',
  'rebalances_7d',
  'interruptions_30d',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Units and meaning, for the model card. */
export const FEATURE_UNITS: Record<FeatureName, string> = {
  advisor_band: 'Spot Advisor band index 0..4 (<5%, 5-10%, 10-15%, 15-20%, >20% monthly interruptions)',
  hour_utc: 'hour of day, UTC, 0..23',
  day_of_week_utc: 'day of week, UTC, 0 = Sunday .. 6 = Saturday',
  spot_od_price_ratio: 'Spot price / On-Demand price (dimensionless; 0.4 = Spot costs 40% of On-Demand)',
  price_trend_24h: 'relative Spot price change over 24 h (0.1 = +10%)',
  price_volatility_7d: 'standard deviation / mean of the hourly Spot price over 7 days',
  interruptions_7d: 'count of interruption warnings in the pool, last 7 days',
  rebalances_7d: 'count of rebalance recommendations in the pool, last 7 days',
  interruptions_30d: 'count of interruption warnings in the pool, last 30 days',
};

/** The feature values of one snapshot, in FEATURE_NAMES order. */
export function featureVector(s: PoolSnapshot): Float32Array {
  const out = new Float32Array(FEATURE_COUNT);
  writeFeatures(s, out, 0);
  return out;
}

/** Writes one snapshot's features into `out` at row `row` (row-major, FEATURE_COUNT wide). */
export function writeFeatures(s: PoolSnapshot, out: Float32Array, row: number): void {
  const o = row * FEATURE_COUNT;
  out[o] = s.advisorBand;
  out[o + 1] = s.at.getUTCHours();
  out[o + 2] = s.at.getUTCDay();
  out[o + 3] = s.onDemandPrice > 0 ? s.spotPrice / s.onDemandPrice : 1;
  out[o + 4] = s.priceTrend24h;
  out[o + 5] = s.priceVolatility7d;
  out[o + 6] = s.interruptions7d;
  out[o + 7] = s.rebalances7d;
  out[o + 8] = Math.max(s.interruptions30d, s.interruptions7d);
}

/** Row-major feature matrix for a batch. */
export function featureMatrix(snapshots: readonly PoolSnapshot[]): Float32Array {
  const out = new Float32Array(snapshots.length * FEATURE_COUNT);
  for (let i = 0; i < snapshots.length; i++) writeFeatures(snapshots[i]!, out, i);
  return out;
}

export interface PricePoint {
  at: Date;
  price: number;
}

export interface PriceStats {
  /** The price in force at `at` (undefined when the series starts later). */
  price: number | undefined;
  trend24h: number;
  volatility7d: number;
}

/**
 * Trend and volatility at `at` from a Spot price series. Each point is a price change (as
 * DescribeSpotPriceHistory returns them): a price holds until the next point. The trend compares
 * the price in force at `at` with the one in force 24 h earlier (or the earliest known, when the
 * series is younger); the volatility is the coefficient of variation of the price sampled every
 * hour over the 7 days before `at`. Points after `at` are ignored.
 */
export function priceStats(series: readonly PricePoint[], at: Date): PriceStats {
  const points = series
    .filter((p) => p.at.getTime() <= at.getTime() && Number.isFinite(p.price))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  if (points.length === 0) return { price: undefined, trend24h: 0, volatility7d: 0 };
  // Binary search: the last point at or before t.
  const priceAt = (t: number): number | undefined => {
    let lo = 0;
    let hi = points.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (points[mid]!.at.getTime() <= t) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : points[found]!.price;
  };
  const now = at.getTime();
  const price = priceAt(now)!;
  const before = priceAt(now - DAY) ?? points[0]!.price;
  const trend24h = before > 0 ? price / before - 1 : 0;

  const samples: number[] = [];
  for (let t = now - 7 * DAY; t <= now; t += HOUR) {
    const p = priceAt(t);
    if (p !== undefined) samples.push(p);
  }
  let volatility7d = 0;
  // A constant price is exactly calm (the mean of equal floats need not equal them).
  if (samples.length >= 2 && Math.min(...samples) !== Math.max(...samples)) {
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
    const variance = samples.reduce((a, b) => a + (b - mean) ** 2, 0) / samples.length;
    volatility7d = mean > 0 ? Math.sqrt(variance) / mean : 0;
  }
  return { price, trend24h, volatility7d };
}
