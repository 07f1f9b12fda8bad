// Training rows with simulated labels (the *training* generator; the held-out evaluation uses a
// different one, simulate-shock.ts, so the metrics do not only measure how well trees copy this
// formula). The label "the pool is interrupted within the next 7 days" (the decision horizon,
// the same one real labels use) is drawn from an hourly hazard built from the features:
//   base hazard  = -ln(1 - monthly rate of the Spot Advisor band) / 730 h
//   hazard       = base x exp(price near On-Demand + rising price + volatility + low placement
//                  score + recent interruptions + rebalance recommendations + older interruptions)
// Because the label depends only on the features, P(label | features) does not depend on how
// often each kind of pool is drawn; the draw oversamples stressed pools so the trees see them.
// The placement score is missing in 30% of rows, as when the API is not allowed or throttled.

import { DAY, HOUR } from '../../lib/clock.js';
import { HOURS_PER_MONTH } from '../../pricing/savings.js';
import { BAND_MONTHLY_RATE, type SpotAdvisor } from '../advisor.js';
import {
  FEATURE_COUNT,
  MISSING_PLACEMENT_SCORE,
  type PoolSnapshot,
  priceStats,
  writeFeatures,
} from '../features.js';
import type { Prng } from './prng.js';

/** A real moment of a real Spot price series: price relative to its mean, trend, volatility. */
export interface PriceContext {
  relativePrice: number;
  trend24h: number;
  volatility7d: number;
}

/** DescribeSpotPriceHistory response shape (the parts used). */
export interface SpotPriceHistory {
  SpotPriceHistory: { AvailabilityZone: string; SpotPrice: string; Timestamp: string }[];
}

/** Hourly price contexts of every AZ in a price history, from 7 days after its start. */
export function priceContexts(history: SpotPriceHistory): PriceContext[] {
  const byAz = new Map<string, { at: Date; price: number }[]>();
  for (const row of history.SpotPriceHistory) {
    const list = byAz.get(row.AvailabilityZone) ?? [];
    list.push({ at: new Date(row.Timestamp), price: Number(row.SpotPrice) });
    byAz.set(row.AvailabilityZone, list);
  }
  const out: PriceContext[] = [];
  for (const az of [...byAz.keys()].sort()) {
    const series = byAz.get(az)!.sort((a, b) => a.at.getTime() - b.at.getTime());
    const mean = series.reduce((a, p) => a + p.price, 0) / series.length;
    const first = series[0]!.at.getTime();
    const last = series[series.length - 1]!.at.getTime();
    for (let t = first + 7 * DAY; t <= last; t += HOUR) {
      const s = priceStats(series, new Date(t));
      out.push({ relativePrice: s.price! / mean, trend24h: s.trend24h, volatility7d: s.volatility7d });
    }
  }
  if (out.length === 0) throw new Error('the price history is shorter than 7 days');
  return out;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** Hours in the label's horizon: 7 days after the decision. */
export const LABEL_HORIZON_HOURS = 7 * 24;

/** The simulation's hourly interruption hazard for a pool. */
export function simulatedHazard(s: PoolSnapshot): number {
  const monthly = BAND_MONTHLY_RATE[clamp(Math.round(s.advisorBand), 0, 4)]!;
  const base = -Math.log(1 - monthly) / HOURS_PER_MONTH;
  const placement = s.placementScore ?? null;
  const ratio = s.onDemandPrice > 0 ? s.spotPrice / s.onDemandPrice : 1;
  const older = Math.max(0, s.interruptions30d - s.interruptions7d);
  const log =
    2.5 * clamp((ratio - 0.5) / 0.5, 0, 1) + // Spot price approaching On-Demand: capacity is tight
    6 * clamp(s.priceTrend24h, 0, 0.5) + // rising price
    15 * Math.min(s.priceVolatility7d, 0.2) + // unsettled pool
    (placement === null || placement < 1 ? 0 : 0.25 * (7 - clamp(placement, 1, 10))) + // AWS says capacity is short
    1.3 * Math.min(s.interruptions7d, 5) + // AWS has been reclaiming this pool
    0.5 * Math.min(s.rebalances7d, 6) +
    0.25 * Math.min(older, 8);
  return base * Math.exp(log);
}

/** Probability of at least one interruption within the label horizon (7 days) under that hazard. */
export function simulatedProbability(s: PoolSnapshot): number {
  return 1 - Math.exp(-simulatedHazard(s) * LABEL_HORIZON_HOURS);
}

export interface SimulatedRows {
  x: Float32Array;
  y: Uint8Array;
  /** The simulation's own probability per row: the ceiling any model can reach. */
  truth: Float64Array;
  rows: number;
}

const SIMULATION_START = Date.UTC(2025, 0, 1);

/** Draws `rows` pools from the advisor snapshot and the price contexts, with labels. */
export function simulateRows(
  rng: Prng,
  advisor: SpotAdvisor,
  contexts: readonly PriceContext[],
  rows: number,
): SimulatedRows {
  const pools = [...advisor.entries()];
  const x = new Float32Array(rows * FEATURE_COUNT);
  const y = new Uint8Array(rows);
  const truth = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const pool = pools[rng.int(pools.length)]!;
    const band = pool.band;
    // Stressed pools (capacity pressure), more likely in the higher bands. Each factor takes its
    // own random share of the stress so the trees also see uneven combinations (many
    // interruptions at a steady price, a price spike without interruptions, ...).
    const stress = rng.bernoulli(0.25 + 0.08 * band) ? rng.uniform(0.05, 1) : 0;
    const share = () => stress * rng.uniform(0, 1.5);
    const ctx = contexts[rng.int(contexts.length)]!;
    const baseRatio = clamp(1 - pool.savingsPercent / 100, 0.05, 2);
    const ratio = clamp(baseRatio * ctx.relativePrice * (1 + 0.8 * share()), 0.02, 2);
    const interruptions7d = rng.poisson(share() * (0.5 + 0.6 * band));
    const placementScore = rng.bernoulli(0.3)
      ? null
      : clamp(Math.round(9 - 7 * share() + rng.normal()), 1, 10);
    const snapshot: PoolSnapshot = {
      advisorBand: band,
      at: new Date(SIMULATION_START + rng.int(365 * 24) * HOUR),
      placementScore,
      spotPrice: ratio,
      onDemandPrice: 1,
      priceTrend24h: ctx.trend24h + 0.25 * share() * (rng.bernoulli(0.8) ? 1 : -1),
      priceVolatility7d: ctx.volatility7d + 0.08 * share(),
      interruptions7d,
      rebalances7d: rng.poisson(share() * (1 + 0.8 * band)),
      interruptions30d: interruptions7d + rng.poisson(share() * (1 + band) + 0.05 * band),
    };
    writeFeatures(snapshot, x, i);
    // The label is drawn from the float32 features the model sees, not the float64 draws.
    const p = simulatedProbability(snapshotFromRow(x, i));
    truth[i] = p;
    y[i] = rng.bernoulli(p) ? 1 : 0;
  }
  return { x, y, truth, rows };
}

/** Rebuilds a snapshot from a feature row (the inverse of writeFeatures, with On-Demand = 1). */
export function snapshotFromRow(x: Float32Array, row: number): PoolSnapshot {
  const o = row * FEATURE_COUNT;
  const placement = x[o + 4]!;
  return {
    advisorBand: x[o]!,
    at: new Date(0),
    spotPrice: x[o + 1]!,
    onDemandPrice: 1,
    priceTrend24h: x[o + 2]!,
    priceVolatility7d: x[o + 3]!,
    placementScore: placement === MISSING_PLACEMENT_SCORE ? null : placement,
    interruptions7d: x[o + 5]!,
    rebalances7d: x[o + 6]!,
    interruptions30d: x[o + 7]!,
  };
}
