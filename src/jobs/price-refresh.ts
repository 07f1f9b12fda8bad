// Price refresh: for every region a verified account uses, the On-Demand list prices and the
// last day of Spot price history of the instance types spotops already follows (those it has
// evaluated), through the data-quality pipeline. Once a week the whole region's On-Demand price
// list is read (every type, paginated GetProducts) and cached, so a type never evaluated before
// still has its own region's price when the Pricing API is down.
import { count, eq, min } from 'drizzle-orm';
import { verifiedAccounts } from '../accounts/store.js';
import { onDemandPrices } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { DAY } from '../lib/clock.js';

/** A region's whole price list is re-read when its oldest cached answer is older than this. */
export const FULL_REFRESH_MS = 7 * DAY;
/** Fewer cached types than this means the region's whole list was never read (a region has hundreds). */
const FULL_LIST_MIN_TYPES = 100;

import { refreshOnDemandPrices } from '../pricing/on-demand.js';
import { fetchSpotPrices } from '../pricing/spot.js';

export async function refreshPrices(deps: Deps): Promise<string> {
  const accounts = await verifiedAccounts(deps.db);
  const byRegion = new Map<string, (typeof accounts)[number]>();
  for (const a of accounts) for (const r of a.regions) if (!byRegion.has(r)) byRegion.set(r, a);
  const lines: string[] = [];
  for (const [region, account] of byRegion) {
    const followed = await deps.db
      .selectDistinct({ type: onDemandPrices.instanceType })
      .from(onDemandPrices)
      .where(eq(onDemandPrices.region, region));
    const types = followed.map((r) => r.type);
    if (types.length === 0) continue;
    const [cache] = await deps.db
      .select({ oldest: min(onDemandPrices.fetchedAt), types: count() })
      .from(onDemandPrices)
      .where(eq(onDemandPrices.region, region));
    // Weekly: the whole region (every type); in between, only the types spotops follows.
    const whole =
      Number(cache?.types ?? 0) < FULL_LIST_MIN_TYPES ||
      !cache?.oldest ||
      deps.clock.now().getTime() - new Date(cache.oldest).getTime() >= FULL_REFRESH_MS;
    const od = await refreshOnDemandPrices(
      { db: deps.db, pricing: deps.operator.pricing, clock: deps.clock, logger: deps.log },
      region,
      whole ? [] : types,
    );
    // Spot history is public per region; AZ IDs make one account's view valid for every account.
    const spot = await fetchSpotPrices(
      {
        db: deps.db,
        ec2: (r) => deps.awsFor(account).ec2(r),
        clock: deps.clock,
        gapMinutes: deps.config.PRICE_GAP_MINUTES,
        logger: deps.log,
      },
      region,
      types,
      { since: new Date(deps.clock.now().getTime() - DAY) },
    ).catch((err) => {
      deps.log.warn({ err, region }, 'Spot price refresh failed');
      return undefined;
    });
    lines.push(
      `${region}: ${od.updated} On-Demand prices, ${spot ? `${spot.observed} Spot points` : 'Spot failed'}`,
    );
  }
  return lines.join('; ') || 'nothing followed yet';
}
