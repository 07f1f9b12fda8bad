// Spot prices: EC2 DescribeSpotPriceHistory per region, through the quality pipeline into `spot_prices`.
// History (since a date, paginated) feeds trends; StartTime=now answers the price in effect in every AZ.
import type {
  _InstanceType,
  DescribeSpotPriceHistoryCommandInput,
  EC2Client,
  SpotPrice,
} from '@aws-sdk/client-ec2';
import { ec2Sdk } from '../aws/sdk.js';
import { zoneIds } from '../aws/zones.js';
import type { Db } from '../db/client.js';
import { type Clock, MINUTE } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import { type Logger, silentLogger } from '../lib/logger.js';
import { latestStoredPrices, type PricePoint, type StoreResult, storeSpotPrices } from './quality.js';

export { spotPriceSeries } from './quality.js';

export const DEFAULT_PRODUCT = 'Linux/UNIX';

export interface SpotDeps {
  db: Db;
  /** An EC2 client for the region. AZ names are per-account aliases: use one account's view consistently. */
  ec2: (region: string) => EC2Client;
  clock: Clock;
  /** config.PRICE_GAP_MINUTES */
  gapMinutes: number;
  logger?: Logger;
}

/**
 * One API row -> a point; undefined for rows without the fields a point needs. The pool's AZ is
 * the AZ ID (stable across accounts): from the row, else from the account's name->ID map.
 */
export function toPricePoint(
  region: string,
  row: SpotPrice,
  zoneIds?: ReadonlyMap<string, string>,
): PricePoint | undefined {
  const price = Number.parseFloat(row.SpotPrice ?? '');
  const at = row.Timestamp ? new Date(row.Timestamp) : undefined;
  const az =
    row.AvailabilityZoneId ??
    (row.AvailabilityZone && (zoneIds?.get(row.AvailabilityZone) ?? row.AvailabilityZone));
  if (!az || !row.InstanceType || !row.ProductDescription) return undefined;
  if (!Number.isFinite(price) || !at || Number.isNaN(at.getTime())) return undefined;
  return {
    region,
    availabilityZone: az,
    instanceType: row.InstanceType,
    product: row.ProductDescription,
    at,
    price,
    filled: false,
  };
}

async function describeHistory(
  ec2: EC2Client,
  region: string,
  input: DescribeSpotPriceHistoryCommandInput,
): Promise<PricePoint[]> {
  const points: PricePoint[] = [];
  // Rows carry AvailabilityZoneId in current API versions; the map covers answers without it.
  const ids = await zoneIds(ec2).catch(() => undefined);
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new ec2Sdk.DescribeSpotPriceHistoryCommand({ ...input, MaxResults: 1000, NextToken }),
    );
    for (const row of page.SpotPriceHistory ?? []) {
      const p = toPricePoint(region, row, ids);
      if (p) points.push(p);
    }
    // EC2 ends the history with an empty-string token on some pages; treat it as the end.
    NextToken = page.NextToken || undefined;
  } while (NextToken);
  return points;
}

export interface FetchOptions {
  since: Date;
  products?: readonly string[];
}

/**
 * Price history of the given types in a region from `since` to now, stored through the quality pipeline
 * (dedupe, gaps filled up to now and recorded). Returns what the pipeline did.
 */
export async function fetchSpotPrices(
  deps: SpotDeps,
  region: string,
  instanceTypes: readonly string[],
  opts: FetchOptions,
): Promise<StoreResult> {
  const now = deps.clock.now();
  let points: PricePoint[];
  try {
    points = await describeHistory(deps.ec2(region), region, {
      InstanceTypes: [...instanceTypes] as _InstanceType[],
      ProductDescriptions: [...(opts.products ?? [DEFAULT_PRODUCT])],
      StartTime: opts.since,
      EndTime: now,
    });
  } catch (err) {
    throw new Error(`fetching Spot price history for ${region} since ${opts.since.toISOString()}`, {
      cause: err,
    });
  }
  return storeSpotPrices(deps.db, points, { gapMs: deps.gapMinutes * MINUTE, until: now });
}

export interface CurrentSpotPrice {
  az: string;
  price: number;
  at: Date;
}

/**
 * The Spot price in effect now in every AZ offering the type (StartTime=now answers the latest change per
 * AZ). The answer is stored; when EC2 cannot be asked, the latest stored prices answer instead.
 */
export async function currentSpotPrices(
  deps: SpotDeps,
  region: string,
  instanceType: string,
  product: string = DEFAULT_PRODUCT,
): Promise<CurrentSpotPrice[]> {
  const now = deps.clock.now();
  let points: PricePoint[];
  try {
    points = await describeHistory(deps.ec2(region), region, {
      InstanceTypes: [instanceType as _InstanceType],
      ProductDescriptions: [product],
      StartTime: now,
    });
  } catch (err) {
    (deps.logger ?? silentLogger).warn(
      { region, instanceType, err: describeError(err) },
      'DescribeSpotPriceHistory failed; answering from stored Spot prices',
    );
    points = await latestStoredPrices(deps.db, region, instanceType, product);
    return points.map((p) => ({ az: p.availabilityZone, price: p.price, at: p.at })).sort(byAz);
  }
  // No `until`: each point is the price in effect since its own time, not a silence to fill up to now.
  await storeSpotPrices(deps.db, points, { gapMs: deps.gapMinutes * MINUTE });
  const latest = new Map<string, PricePoint>();
  for (const p of points) {
    const seen = latest.get(p.availabilityZone);
    if (!seen || seen.at < p.at) latest.set(p.availabilityZone, p);
  }
  return [...latest.values()].map((p) => ({ az: p.availabilityZone, price: p.price, at: p.at })).sort(byAz);
}

const byAz = (a: CurrentSpotPrice, b: CurrentSpotPrice) => a.az.localeCompare(b.az);
