// Training rows with simulated labels. There is no public per-pool interruption history, so
// the label "interrupted within the next 60 minutes" is drawn from an hourly hazard built from
// the features themselves:
//   base hazard  = -ln(1 - monthly rate of the Spot Advisor band) / 720 h
//   hazard       = base x exp(price near On-Demand + rising price + volatility + recent
//                  interruptions + rebalance recommendations + older interruptions)
// Because the label depends only on the features, P(label | features) does not depend on how
// often each kind of pool is drawn; the draw oversamples stressed pools so the trees see them.
// Hour and weekday have no effect in this simulation (no public evidence to set one); they are
// features so that real interruption events, once recorded, can teach them.

import { DAY, HOUR } from '../../lib/clock.js';
import { BAND_MONTHLY_RATE, type SpotAdvisor } from '../advisor.js';
import { FEATURE_COUNT, type PoolSnapshot, priceStats, writeFeatures } from '../features.js';
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

/** The simulation's hourly interruption hazard for a pool. */
export function simulatedHazard(s: PoolSnapshot): number {
  const monthly = BAND_MONTHLY_RATE[clamp(Math.round(s.advisorBand), 0, 4)]!;
  const base = -Math.log(1 - monthly) / (30 * 24);
  const ratio = s.onDemandPrice > 0 ? s.spotPrice / s.onDemandPrice : 1;
  const older = Math.max(0, s.interruptions30d - s.interruptions7d);
  const log =
    2.5 * clamp((ratio - 0.5) / 0.5, 0, 1) + // Spot price approaching On-Demand: capacity is tight
    6 * clamp(s.priceTrend24h, 0, 0.5) + // rising price
    15 * Math.min(s.priceVolatility7d, 0.2) + // unsettled pool
    1.3 * Math.min(s.interruptions7d, 5) + // AWS has been reclaiming this pool
    0.5 * Math.min(s.rebalances7d, 6) +
    0.25 * Math.min(older, 8);
  return base * Math.exp(log);
}

/** Probability of at least one interruption within the next 60 minutes under that hazard. */
export function simulatedProbability(s: PoolSnapshot): number {
  return 1 - Math.exp(-simulatedHazard(s));
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
    const snapshot: PoolSnapshot = {
      advisorBand: band,
      at: new Date(SIMULATION_START + rng.int(365 * 24) * HOUR + rng.int(60) * 60_000),
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

/** Rebuilds the numeric parts of a snapshot from a feature row (hour/day are not needed by the hazard). */
function snapshotFromRow(x: Float32Array, row: number): PoolSnapshot {
  const o = row * FEATURE_COUNT;
  return {
    advisorBand: x[o]!,
    at: new Date(0),
    spotPrice: x[o + 3]!,
    onDemandPrice: 1,
    priceTrend24h: x[o + 4]!,
    priceVolatility7d: x[o + 5]!,
    interruptions7d: x[o + 6]!,
    rebalances7d: x[o + 7]!,
    interruptions30d: x[o + 8]!,
  };
}
