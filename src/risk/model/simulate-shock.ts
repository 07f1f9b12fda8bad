// The held-out evaluation world: a generator that is NOT the training one, so `spotops model
// evaluate` measures more than how well trees copy their own formula. Here interruptions come
// from capacity shocks per availability zone (shared by every type in the AZ, persistent with
// some probability), and each pool's true monthly rate differs from its Spot Advisor band (the
// band is a noisy regional average). Observable signals are noisy views of that latent state:
// the placement score drops in a shock (when the API answers at all), the Spot price rises with
// it, past interruptions are Poisson draws of the past hazard. The label is drawn from the
// *future* hazard over 7 days; none of it is a function of the features.
import { BAND_MONTHLY_RATE, type SpotAdvisor } from '../advisor.js';
import { FEATURE_COUNT, type PoolSnapshot, writeFeatures } from '../features.js';
import type { Prng } from './prng.js';
import { LABEL_HORIZON_HOURS, type PriceContext, type SimulatedRows } from './simulate.js';

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const HOURS_PER_MONTH = 730;

/** Knobs of the shock world (fixed: the evaluation is reproducible from the seed). */
export const SHOCK_WORLD = {
  azsPerRegion: 4,
  /** Chance an AZ is in a capacity shock during the past week. */
  shockRate: 0.12,
  /** Chance a past shock goes on into the next 7 days; a calm AZ starts one with shockRate / 3. */
  persistence: 0.6,
  /** Hazard multiplier in a shock. */
  shockMultiplier: 10,
  /** Spread (log-normal sigma) of a pool's true rate around its Advisor band's rate. */
  bandNoise: 0.9,
  /** Chance the placement score is not available. */
  placementMissing: 0.3,
} as const;

/** Draws `rows` pool-moments from the shock world. */
export function simulateShockRows(
  rng: Prng,
  advisor: SpotAdvisor,
  contexts: readonly PriceContext[],
  rows: number,
): SimulatedRows {
  const pools = [...advisor.entries()];
  const x = new Float32Array(rows * FEATURE_COUNT);
  const y = new Uint8Array(rows);
  const truth = new Float64Array(rows);
  const w = SHOCK_WORLD;
  for (let i = 0; i < rows; i++) {
    const pool = pools[rng.int(pools.length)]!;
    const band = pool.band;
    // The pool's true rate: the band is a regional average over types and AZs, not this pool.
    const monthly = clamp(BAND_MONTHLY_RATE[band]! * Math.exp(w.bandNoise * rng.normal() - 0.4), 0.002, 0.9);
    const base = -Math.log(1 - monthly) / HOURS_PER_MONTH;
    const shockedPast = rng.bernoulli(w.shockRate);
    const shockedFuture = shockedPast ? rng.bernoulli(w.persistence) : rng.bernoulli(w.shockRate / 3);
    const pastHazard = base * (shockedPast ? w.shockMultiplier : 1);
    const futureHazard = base * (shockedFuture ? w.shockMultiplier : 1);
    const ctx = contexts[rng.int(contexts.length)]!;
    const baseRatio = clamp(1 - pool.savingsPercent / 100, 0.05, 2);
    const interruptions7d = rng.poisson(pastHazard * 168 * 3); // a pool holds several instances
    const placementScore = rng.bernoulli(w.placementMissing)
      ? null
      : clamp(Math.round((shockedPast ? 4 : 8) + 1.5 * rng.normal()), 1, 10);
    const snapshot: PoolSnapshot = {
      advisorBand: band,
      at: new Date(0),
      spotPrice: clamp(baseRatio * ctx.relativePrice * (shockedPast ? 1.25 : 1), 0.02, 2),
      onDemandPrice: 1,
      priceTrend24h: ctx.trend24h + (shockedPast ? 0.1 * rng.uniform(0, 1) : 0),
      priceVolatility7d: ctx.volatility7d + (shockedPast ? 0.05 * rng.uniform(0, 1) : 0),
      placementScore,
      interruptions7d,
      rebalances7d: rng.poisson(pastHazard * 168 * 6),
      interruptions30d: interruptions7d + rng.poisson(base * 23 * 24 * 3),
    };
    writeFeatures(snapshot, x, i);
    const p = 1 - Math.exp(-futureHazard * LABEL_HORIZON_HOURS);
    truth[i] = p;
    y[i] = rng.bernoulli(p) ? 1 : 0;
  }
  return { x, y, truth, rows };
}
