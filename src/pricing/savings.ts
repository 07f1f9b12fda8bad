// Savings math: what moving instances from On-Demand to Spot saves per month (730 hours, AWS's convention).
export const HOURS_PER_MONTH = 730;

/** Monthly cost of `instances` running all month at `pricePerHour`. */
export function monthlyCost(pricePerHour: number, instances = 1): number {
  return instances * HOURS_PER_MONTH * pricePerHour;
}

/** Monthly savings = instances x 730 h x (On-Demand - Spot). Negative when Spot costs more. */
export function monthlySavings(instances: number, onDemandPerHour: number, spotPerHour: number): number {
  return instances * HOURS_PER_MONTH * (onDemandPerHour - spotPerHour);
}

/** Spot discount in percent of the On-Demand price (0 when there is no On-Demand price). */
export function savingsPercent(onDemandPerHour: number, spotPerHour: number): number {
  return onDemandPerHour > 0 ? ((onDemandPerHour - spotPerHour) / onDemandPerHour) * 100 : 0;
}

/** Spot/On-Demand price ratio, a risk-model feature (1 when there is no On-Demand price). */
export function spotToOnDemandRatio(onDemandPerHour: number, spotPerHour: number): number {
  return onDemandPerHour > 0 ? spotPerHour / onDemandPerHour : 1;
}

/** Cents-rounded USD for display and storage. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 100) / 100;
}

/** The cheapest AZ price among those allowed (e.g. not poisoned); undefined when none is left. */
export function cheapestPrice<T extends { az: string; price: number }>(
  prices: readonly T[],
  allowed: (az: string) => boolean = () => true,
): T | undefined {
  let best: T | undefined;
  for (const p of prices) if (allowed(p.az) && (!best || p.price < best.price)) best = p;
  return best;
}
