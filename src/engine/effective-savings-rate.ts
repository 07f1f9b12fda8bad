// Effective Savings Rate (FinOps Foundation): 1 - what the compute actually costs / what the same
// usage would cost On-Demand. spotops computes it as a run rate over the instances its scans see
// running (inventory): On-Demand instances at their list price, Spot instances at the latest
// observed price of their pool. Reserved Instance and Savings Plan discounts are not in it
// (they need the bill: Cost Explorer), and the answer says so.
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { instances, onDemandPrices, spotPrices } from '../db/schema.js';
import { offlineOnDemandPrice } from '../pricing/on-demand.js';
import { effectiveSavingsRate } from '../pricing/realised.js';

export interface EffectiveSavingsRate {
  /** 0..1, null with no priced instance. */
  rate: number | null;
  onDemandEquivalentPerHour: number;
  actualPerHour: number;
  pricedInstances: number;
  spotInstances: number;
  /** Running instances left out: no On-Demand price for their region (or no Spot price for their pool). */
  unpriced: number;
  scope: string;
}

export const ESR_SCOPE =
  'run rate over running instances in the inventory, Spot at observed pool prices; RI/Savings Plan discounts not included';

export async function effectiveSavingsRateNow(db: Db): Promise<EffectiveSavingsRate> {
  const running = await db.select().from(instances).where(eq(instances.state, 'running'));
  const odCache = new Map<string, number | undefined>();
  const od = async (region: string, type: string) => {
    const key = `${region}|${type}`;
    if (!odCache.has(key)) {
      const [row] = await db
        .select({ price: onDemandPrices.pricePerHour })
        .from(onDemandPrices)
        .where(and(eq(onDemandPrices.region, region), eq(onDemandPrices.instanceType, type)));
      odCache.set(key, row?.price ?? offlineOnDemandPrice(region, type)?.pricePerHour);
    }
    return odCache.get(key);
  };
  let odTotal = 0;
  let actual = 0;
  let priced = 0;
  let spot = 0;
  let unpriced = 0;
  for (const i of running) {
    const list = await od(i.region, i.instanceType);
    if (list === undefined) {
      unpriced++;
      continue;
    }
    let cost = list;
    if (i.lifecycle === 'spot') {
      const [p] = i.availabilityZone
        ? await db
            .select({ price: spotPrices.price })
            .from(spotPrices)
            .where(
              and(
                eq(spotPrices.region, i.region),
                eq(spotPrices.availabilityZone, i.availabilityZone),
                eq(spotPrices.instanceType, i.instanceType),
              ),
            )
            .orderBy(desc(spotPrices.at))
            .limit(1)
        : [];
      if (!p) {
        unpriced++;
        continue;
      }
      cost = p.price;
      spot++;
    }
    odTotal += list;
    actual += cost;
    priced++;
  }
  return {
    rate: effectiveSavingsRate(actual, odTotal),
    onDemandEquivalentPerHour: odTotal,
    actualPerHour: actual,
    pricedInstances: priced,
    spotInstances: spot,
    unpriced,
    scope: ESR_SCOPE,
  };
}
