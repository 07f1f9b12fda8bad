// The risk model's features: one definition shared by training and inference, in a fixed
// order, as float32 (the ONNX model's input type). Changing the order or a unit means a new
// model version.
import { DAY, HOUR } from '../lib/clock.js';

/** What is known about a Spot pool (region + AZ + instance type) at one moment. */
export interface PoolSnapshot {
  /** Spot Advisor interruption band for the region + type: 0 `<5%` .. 4 `>20%`. */
  advisorBand: number;
  /** When the assessment is for (prices and counts are taken up to it; not a feature). */
  at: Date;
  /** USD per hour. */
  spotPrice: number;
  /** USD per hour, same region, OS and *this candidate's own* instance type. */
  onDemandPrice: number;
  /** Relative Spot price change over the last 24 h (0.1 = rose 10%). See priceStats(). */
  priceTrend24h: number;
  /** Coefficient of variation of the hourly Spot price over the last 7 days. See priceStats(). */
  priceVolatility7d: number;
  /** GetSpotPlacementScores for this type in this AZ (1..10); null/undefined = not available. */
  placementScore?: number | null;
  /** Spot interruption warnings recorded in this pool in the last 7 days (all accounts). */
  interruptions7d: number;
  /** Rebalance recommendations recorded in this pool in the last 7 days (all accounts). */
  rebalances7d: number;
  /** Interruption warnings in this pool in the last 30 days (includes the last 7). */
  interruptions30d: number;
}

/**
 * Features the bot can really serve, from its own tables and free AWS signals. No clock
 * features: nothing shows yet that hour or weekday matter, and they made scores move on noise.
 */
export const FEATURE_NAMES = [
  'advisor_band',
  'spot_od_price_ratio',
  'price_trend_24h',
  'price_volatility_7d',
  'placement_score',
  'interruptions_7d',
  'rebalances_7d',
  'interruptions_30d',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** The value a missing placement score takes: outside 1..10, so trees can tell "missing" apart. */
export const MISSING_PLACEMENT_SCORE = -1;

/** Units and meaning, for the model card. */
export const FEATURE_UNITS: Record<FeatureName, string> = {
  advisor_band: 'Spot Advisor band index 0..4 (<5%, 5-10%, 10-15%, 15-20%, >20% monthly interruptions)',
  spot_od_price_ratio:
    "Spot price / the candidate type's own On-Demand price in the region (0.4 = Spot costs 40% of On-Demand)",
  price_trend_24h: 'relative Spot price change over 24 h (0.1 = +10%)',
  price_volatility_7d: 'standard deviation / mean of the hourly Spot price over 7 days',
  placement_score: `GetSpotPlacementScores for the type in the AZ, 1..10; ${MISSING_PLACEMENT_SCORE} = not available (missing, not faked)`,
  interruptions_7d: 'interruption warnings in the pool (pool_events, all accounts), last 7 days',
  rebalances_7d: 'rebalance recommendations in the pool (pool_events, all accounts), last 7 days',
  interruptions_30d: 'interruption warnings in the pool (pool_events, all accounts), last 30 days',
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
  out[o + 1] = s.onDemandPrice > 0 ? s.spotPrice / s.onDemandPrice : 1;
  out[o + 2] = s.priceTrend24h;
  out[o + 3] = s.priceVolatility7d;
  out[o + 4] =
    s.placementScore === null || s.placementScore === undefined ? MISSING_PLACEMENT_SCORE : s.placementScore;
  out[o + 5] = s.interruptions7d;
  out[o + 6] = s.rebalances7d;
  out[o + 7] = Math.max(s.interruptions30d, s.interruptions7d);
}

/** A feature row back as named values (what risk_assessments stores; `missing` lists absent signals). */
export function featureRecord(s: PoolSnapshot): {
  values: Record<FeatureName, number>;
  missing: FeatureName[];
} {
  const v = featureVector(s);
  const values = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, v[i]!])) as Record<FeatureName, number>;
  const missing: FeatureName[] =
    values.placement_score === MISSING_PLACEMENT_SCORE ? ['placement_score'] : [];
  return { values, missing };
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
