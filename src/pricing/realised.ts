// Realised savings, measured from what happened (not the card's estimate copied): the hours a
// Spot instance actually ran x (On-Demand list price - the Spot price observed for its pool in
// that time, from the stored price series). Pure functions; the engine feeds them the run and
// the series (src/engine/measured-savings.ts).
import { HOUR } from '../lib/clock.js';
import { HOURS_PER_MONTH } from './savings.js';

export interface PriceChange {
  at: Date;
  price: number;
}

export interface SpotRun {
  /** When the Spot instance started serving (the execution's finish, or the instance's launch). */
  start: Date;
  /** When it stopped (interruption, termination, replacement) or now when it still runs. */
  end: Date;
  onDemandPerHour: number;
  /** Price changes of the instance's pool (each holds until the next), as DescribeSpotPriceHistory gives them. */
  series: readonly PriceChange[];
}

export interface RunSavings {
  hours: number;
  /** What the hours would have cost On-Demand. */
  onDemandUsd: number;
  /** What they cost at the observed Spot prices. */
  spotUsd: number;
  /** onDemandUsd - spotUsd, rounded to the cent. */
  savedUsd: number;
  /** Hours of the run with no observed price at or before them (not counted as saved). */
  unpricedHours: number;
}

const cents = (usd: number) => Math.round(usd * 100) / 100;

/**
 * Integrates (On-Demand - Spot price in force) over [start, end]. Hours before the first known
 * price are not priced (and not counted as saved): a saving needs an observed price.
 */
export function spotRunSavings(run: SpotRun): RunSavings {
  const start = run.start.getTime();
  const end = Math.max(start, run.end.getTime());
  const points = [...run.series]
    .filter((p) => Number.isFinite(p.price) && p.price >= 0)
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  let spotUsd = 0;
  let pricedMs = 0;
  for (let i = 0; i < points.length; i++) {
    const from = Math.max(start, points[i]!.at.getTime());
    const to = Math.min(end, i + 1 < points.length ? points[i + 1]!.at.getTime() : end);
    if (to <= from) continue;
    spotUsd += ((to - from) / HOUR) * points[i]!.price;
    pricedMs += to - from;
  }
  const hours = (end - start) / HOUR;
  const pricedHours = pricedMs / HOUR;
  const onDemandUsd = pricedHours * run.onDemandPerHour;
  return {
    hours,
    onDemandUsd,
    spotUsd,
    savedUsd: cents(onDemandUsd - spotUsd),
    unpricedHours: hours - pricedHours,
  };
}

/** A measured amount over `hours` as a 730-hour month (0 for no hours). */
export function monthlyRate(savedUsd: number, hours: number): number {
  return hours > 0 ? cents((savedUsd / hours) * HOURS_PER_MONTH) : 0;
}

/** Measured / estimated, or null when nothing was estimated. */
export function realisationRatio(measured: number, estimated: number): number | null {
  return estimated > 0 ? measured / estimated : null;
}

/**
 * Effective Savings Rate (FinOps Foundation): 1 - actual spend / On-Demand-equivalent spend of
 * the same usage. Null when there is no usage to compare.
 */
export function effectiveSavingsRate(actualUsd: number, onDemandEquivalentUsd: number): number | null {
  return onDemandEquivalentUsd > 0 ? 1 - actualUsd / onDemandEquivalentUsd : null;
}
