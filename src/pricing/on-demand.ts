// On-Demand list prices: the AWS Price List Query API (GetProducts) first, cached per region+type in
// `on_demand_prices`; the offline table shipped in ./data answers when the API cannot. Every answer
// says where it came from and as of when, so a card can say "list price as of <date>".
import type { GetProductsCommandInput, PricingClient } from '@aws-sdk/client-pricing';
import { and, eq, sql } from 'drizzle-orm';
import { pricingSdk } from '../aws/sdk.js';
import type { Db } from '../db/client.js';
import { onDemandPrices } from '../db/schema.js';
import { type Clock, DAY } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import { type Logger, silentLogger } from '../lib/logger.js';
import { mapLimit } from '../lib/retry.js';
import offline from './data/on-demand-offline.json' with { type: 'json' };

export type PriceSource = 'pricing-api' | 'offline';

export interface OnDemandPrice {
  pricePerHour: number;
  source: PriceSource;
  asOf: Date;
  /** The region whose list price this is; differs from the asked region when the offline table stood in. */
  priceRegion: string;
}

export interface OnDemandDeps {
  db: Db;
  /** A Pricing client for an endpoint region (see pricingEndpointRegion); operator credentials suffice. */
  pricing: (endpointRegion: string) => PricingClient;
  clock: Clock;
  logger?: Logger;
  /** A cached API answer younger than this is used without asking again (default 7 days). */
  maxAgeMs?: number;
}

const OPERATING_SYSTEM = 'Linux';
const DEFAULT_MAX_AGE_MS = 7 * DAY;

/** The Pricing API is served from a few regions only (Karpenter's mapping); undefined = no live prices. */
export function pricingEndpointRegion(region: string): string | undefined {
  if (region.startsWith('us-gov-')) return undefined; // not served to GovCloud: offline table only
  if (region.startsWith('ap-')) return 'ap-south-1';
  if (region.startsWith('eu-')) return 'eu-central-1';
  if (region.startsWith('cn-')) return 'cn-northwest-1';
  return 'us-east-1';
}

/** GetProducts filters for "EC2 On-Demand, Linux, no pre-installed software, one region" (+ one type). */
export function onDemandFilters(region: string, instanceType?: string): GetProductsCommandInput['Filters'] {
  // Karpenter asks for bare metal separately: Dedicated tenancy, its own product family.
  const metal = instanceType?.endsWith('.metal') ?? false;
  const terms: Record<string, string> = {
    regionCode: region,
    serviceCode: 'AmazonEC2',
    operatingSystem: OPERATING_SYSTEM,
    preInstalledSw: 'NA',
    capacitystatus: 'Used',
    marketoption: 'OnDemand',
    tenancy: metal ? 'Dedicated' : 'Shared',
    productFamily: metal ? 'Compute Instance (bare metal)' : 'Compute Instance',
    ...(instanceType ? { instanceType } : {}),
  };
  return Object.entries(terms).map(([Field, Value]) => ({ Type: 'TERM_MATCH', Field, Value }));
}

interface PriceListItem {
  product?: { attributes?: Record<string, string | undefined> };
  terms?: {
    OnDemand?: Record<
      string,
      { priceDimensions?: Record<string, { unit?: string; pricePerUnit?: Record<string, string> }> }
    >;
  };
}

/**
 * One PriceList element (a JSON string on the wire, or already decoded) -> instance type and USD/hour.
 * Undefined for anything that is not a priced Linux/NA/Used instance (0 prices are skipped, as Karpenter does).
 */
export function parsePriceListItem(
  item: unknown,
): { instanceType: string; pricePerHour: number } | undefined {
  const doc = (typeof item === 'string' ? JSON.parse(item) : item) as PriceListItem;
  const attrs = doc.product?.attributes ?? {};
  if (!attrs.instanceType) return undefined;
  // The filters should guarantee these; a loose answer must not put a Windows or Reserved-host price on a card.
  if (attrs.operatingSystem && attrs.operatingSystem !== OPERATING_SYSTEM) return undefined;
  if (attrs.preInstalledSw && attrs.preInstalledSw !== 'NA') return undefined;
  if (attrs.capacitystatus && attrs.capacitystatus !== 'Used') return undefined;
  for (const term of Object.values(doc.terms?.OnDemand ?? {})) {
    for (const dim of Object.values(term.priceDimensions ?? {})) {
      if (dim.unit && dim.unit !== 'Hrs') continue;
      const usd = Number.parseFloat(dim.pricePerUnit?.USD ?? '');
      if (Number.isFinite(usd) && usd > 0) return { instanceType: attrs.instanceType, pricePerHour: usd };
    }
  }
  return undefined;
}

/** Every page of GetProducts for a region (optionally one type) -> instance type -> USD/hour. */
export async function fetchOnDemandPrices(
  pricing: PricingClient,
  region: string,
  instanceType?: string,
): Promise<Map<string, number>> {
  const prices = new Map<string, number>();
  let NextToken: string | undefined;
  do {
    const page = await pricing.send(
      new pricingSdk.GetProductsCommand({
        ServiceCode: 'AmazonEC2',
        FormatVersion: 'aws_v1',
        Filters: onDemandFilters(region, instanceType),
        MaxResults: 100,
        NextToken,
      }),
    );
    const list = (page.PriceList ?? []) as unknown as readonly unknown[];
    for (const item of list) {
      const parsed = parsePriceListItem(item);
      if (parsed && !prices.has(parsed.instanceType)) prices.set(parsed.instanceType, parsed.pricePerHour);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return prices;
}

interface OfflineTable {
  asOf: Record<string, string>;
  regions: Record<string, Record<string, number>>;
}
const table = offline as OfflineTable;

/** Regions the shipped table knows, and how many types each (for SOURCES.md and `/spot pools`). */
export function offlineCoverage(): { region: string; types: number; asOf: string }[] {
  return Object.keys(table.regions)
    .sort()
    .map((region) => ({
      region,
      types: Object.keys(table.regions[region] ?? {}).length,
      asOf: table.asOf[region] ?? '',
    }));
}

/**
 * The shipped table: the region's own price only. Another region's price is never used: a region
 * can cost twice us-east-1 (x2iedn.32xlarge: 52.02 in sa-east-1, 26.68 in us-east-1), and a card
 * built on the wrong one shows a loss as a saving or the reverse.
 */
export function offlineOnDemandPrice(region: string, instanceType: string): OnDemandPrice | undefined {
  const price = table.regions[region]?.[instanceType];
  const asOf = table.asOf[region];
  if (price === undefined || !asOf) return undefined;
  return { pricePerHour: price, source: 'offline', asOf: new Date(asOf), priceRegion: region };
}

async function cached(db: Db, region: string, instanceType: string) {
  const [row] = await db
    .select()
    .from(onDemandPrices)
    .where(
      and(
        eq(onDemandPrices.region, region),
        eq(onDemandPrices.instanceType, instanceType),
        eq(onDemandPrices.operatingSystem, OPERATING_SYSTEM),
      ),
    );
  return row;
}

async function store(db: Db, region: string, prices: Map<string, number>, at: Date): Promise<void> {
  const rows = [...prices].map(([instanceType, pricePerHour]) => ({
    region,
    instanceType,
    operatingSystem: OPERATING_SYSTEM,
    pricePerHour,
    source: 'pricing-api',
    asOf: at,
    fetchedAt: at,
  }));
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insert(onDemandPrices)
      .values(rows.slice(i, i + 500))
      .onConflictDoUpdate({
        target: [onDemandPrices.region, onDemandPrices.instanceType, onDemandPrices.operatingSystem],
        set: {
          pricePerHour: sqlExcluded('price_per_hour'),
          source: sqlExcluded('source'),
          asOf: sqlExcluded('as_of'),
          fetchedAt: sqlExcluded('fetched_at'),
        },
      });
  }
}

const sqlExcluded = (column: string) => sql.raw(`excluded.${column}`);

/**
 * The On-Demand Linux list price of a type in a region: a fresh cached API answer, else the API now (and
 * cache it), else a stale cached API answer, else the offline table. Undefined only when nothing knows the type.
 */
export async function onDemandPrice(
  deps: OnDemandDeps,
  region: string,
  instanceType: string,
): Promise<OnDemandPrice | undefined> {
  const log = deps.logger ?? silentLogger;
  const now = deps.clock.now();
  const row = await cached(deps.db, region, instanceType);
  const fromRow = (r: NonNullable<typeof row>): OnDemandPrice => ({
    pricePerHour: r.pricePerHour,
    source: r.source as PriceSource,
    asOf: r.asOf,
    priceRegion: region,
  });
  if (row && now.getTime() - row.fetchedAt.getTime() < (deps.maxAgeMs ?? DEFAULT_MAX_AGE_MS))
    return fromRow(row);

  const endpoint = pricingEndpointRegion(region);
  if (endpoint) {
    try {
      const prices = await fetchOnDemandPrices(deps.pricing(endpoint), region, instanceType);
      const price = prices.get(instanceType);
      if (price !== undefined) {
        await store(deps.db, region, prices, now);
        return { pricePerHour: price, source: 'pricing-api', asOf: now, priceRegion: region };
      }
      log.warn({ region, instanceType }, 'the Pricing API has no On-Demand Linux price for this type');
    } catch (err) {
      log.warn(
        { region, instanceType, err: describeError(err) },
        'Pricing API unreachable; using cached or offline On-Demand price',
      );
    }
  }
  if (row) return fromRow(row);
  return offlineOnDemandPrice(region, instanceType);
}

export interface RefreshResult {
  region: string;
  updated: number;
  missing: string[];
  failed: { instanceType: string; error: string }[];
}

/**
 * Refresh job: asks the API for the given types (or, with none given, the whole region in one paginated
 * query) and caches every answer. Failures are reported, never thrown: the previous prices stay.
 */
export async function refreshOnDemandPrices(
  deps: OnDemandDeps,
  region: string,
  types: readonly string[] = [],
): Promise<RefreshResult> {
  const result: RefreshResult = { region, updated: 0, missing: [], failed: [] };
  const endpoint = pricingEndpointRegion(region);
  if (!endpoint) {
    result.failed.push(
      ...(types.length ? types : ['*']).map((instanceType) => ({
        instanceType,
        error: `the Pricing API does not serve ${region}`,
      })),
    );
    return result;
  }
  const client = deps.pricing(endpoint);
  const now = deps.clock.now();
  const queries: (string | undefined)[] = types.length ? [...new Set(types)] : [undefined];
  await mapLimit(queries, 4, async (instanceType) => {
    try {
      const prices = await fetchOnDemandPrices(client, region, instanceType);
      if (instanceType && !prices.has(instanceType)) result.missing.push(instanceType);
      await store(deps.db, region, prices, now);
      result.updated += prices.size;
    } catch (err) {
      const error = describeError(new Error(`fetching On-Demand prices for ${region}`, { cause: err }));
      result.failed.push({ instanceType: instanceType ?? '*', error });
    }
  });
  return result;
}
