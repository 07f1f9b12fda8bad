import { readFileSync } from 'node:fs';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onDemandPrices } from '../../src/db/schema.js';
import { DAY, ManualClock } from '../../src/lib/clock.js';
import {
  type OnDemandDeps,
  offlineCoverage,
  offlineOnDemandPrice,
  onDemandFilters,
  onDemandPrice,
  parsePriceListItem,
  pricingEndpointRegion,
  refreshOnDemandPrices,
} from '../../src/pricing/on-demand.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/pricing/${name}`, import.meta.url), 'utf8');
const m5Item = JSON.parse(fixture('pricing-GetProducts.PriceList-item.m5.large.us-east-1.json'));
const envelope = JSON.parse(fixture('pricing-GetProducts.response.aws-cli-example.json'));

/** The real m5.large item re-labelled as another type and price, as the API would send it (a JSON string). */
function itemFor(instanceType: string, usd: string, region = 'us-east-1'): string {
  const item = structuredClone(m5Item);
  item.product.attributes.instanceType = instanceType;
  item.product.attributes.regionCode = region;
  for (const term of Object.values(item.terms.OnDemand) as any[]) {
    for (const dim of Object.values(term.priceDimensions) as any[]) dim.pricePerUnit.USD = usd;
  }
  return JSON.stringify(item);
}

const pricingMock = mockClient(PricingClient);

describe('parsePriceListItem', () => {
  it('reads 0.096 USD/h for m5.large from the real decoded PriceList element', () => {
    expect(parsePriceListItem(m5Item)).toEqual({ instanceType: 'm5.large', pricePerHour: 0.096 });
  });

  it('decodes an element sent as a JSON string, as on the wire', () => {
    expect(parsePriceListItem(JSON.stringify(m5Item))).toEqual({
      instanceType: 'm5.large',
      pricePerHour: 0.096,
    });
  });

  it('ignores the EBS product of the aws-cli envelope: it is not an instance', () => {
    expect(envelope.PriceList).toHaveLength(1);
    expect(parsePriceListItem(envelope.PriceList[0])).toBeUndefined();
  });

  it('refuses a Windows product and a zero price', () => {
    const windows = structuredClone(m5Item);
    windows.product.attributes.operatingSystem = 'Windows';
    expect(parsePriceListItem(windows)).toBeUndefined();
    expect(parsePriceListItem(itemFor('m5.large', '0.0000000000'))).toBeUndefined();
  });
});

describe('Pricing API request shape', () => {
  it('routes regions to the few endpoints the API lives in', () => {
    expect(pricingEndpointRegion('eu-west-1')).toBe('eu-central-1');
    expect(pricingEndpointRegion('ap-northeast-1')).toBe('ap-south-1');
    expect(pricingEndpointRegion('us-west-2')).toBe('us-east-1');
    expect(pricingEndpointRegion('sa-east-1')).toBe('us-east-1');
    expect(pricingEndpointRegion('us-gov-west-1')).toBeUndefined();
  });

  it('filters Linux, shared tenancy, no pre-installed software, used capacity, one region and type', () => {
    const filters = Object.fromEntries(
      (onDemandFilters('eu-west-1', 'm5.large') ?? []).map((f) => [f.Field, f.Value]),
    );
    expect(filters).toMatchObject({
      regionCode: 'eu-west-1',
      instanceType: 'm5.large',
      operatingSystem: 'Linux',
      tenancy: 'Shared',
      preInstalledSw: 'NA',
      capacitystatus: 'Used',
      productFamily: 'Compute Instance',
    });
    const metal = Object.fromEntries(
      (onDemandFilters('us-east-1', 'm5.metal') ?? []).map((f) => [f.Field, f.Value]),
    );
    expect(metal).toMatchObject({ tenancy: 'Dedicated', productFamily: 'Compute Instance (bare metal)' });
  });
});

describe('onDemandPrice', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  let deps: OnDemandDeps;
  const endpoints: string[] = [];

  beforeEach(async () => {
    pricingMock.reset();
    endpoints.length = 0;
    t = await createTestDatabase();
    clock = new ManualClock('2026-11-01T00:00:00Z');
    deps = {
      db: t.db,
      clock,
      pricing: (region) => {
        endpoints.push(region);
        return new PricingClient({
          region,
          credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' },
        });
      },
    };
  });
  afterEach(() => t.destroy());

  it('asks the Pricing API, caches the answer and says it came from the API as of now', async () => {
    pricingMock
      .on(GetProductsCommand)
      .resolves({ FormatVersion: 'aws_v1', PriceList: [itemFor('m5.large', '0.1070000000', 'eu-west-1')] });
    const price = await onDemandPrice(deps, 'eu-west-1', 'm5.large');
    expect(price).toEqual({
      pricePerHour: 0.107,
      source: 'pricing-api',
      asOf: clock.now(),
      priceRegion: 'eu-west-1',
    });
    expect(endpoints).toEqual(['eu-central-1']);
    const sent = pricingMock.commandCalls(GetProductsCommand)[0]!.args[0].input;
    expect(sent.ServiceCode).toBe('AmazonEC2');
    expect(sent.Filters).toContainEqual({ Type: 'TERM_MATCH', Field: 'regionCode', Value: 'eu-west-1' });

    const rows = await t.db.select().from(onDemandPrices);
    expect(rows).toMatchObject([
      { region: 'eu-west-1', instanceType: 'm5.large', pricePerHour: 0.107, source: 'pricing-api' },
    ]);
  });

  it('answers from the cache until it is older than the max age, then asks again', async () => {
    pricingMock.on(GetProductsCommand).resolves({ PriceList: [itemFor('m5.large', '0.0960000000')] });
    await onDemandPrice(deps, 'us-east-1', 'm5.large');
    clock.advance(6 * DAY);
    await onDemandPrice(deps, 'us-east-1', 'm5.large');
    expect(pricingMock.commandCalls(GetProductsCommand)).toHaveLength(1);
    clock.advance(2 * DAY);
    pricingMock.on(GetProductsCommand).resolves({ PriceList: [itemFor('m5.large', '0.0990000000')] });
    expect((await onDemandPrice(deps, 'us-east-1', 'm5.large'))?.pricePerHour).toBe(0.099);
    expect(pricingMock.commandCalls(GetProductsCommand)).toHaveLength(2);
  });

  it('falls back to the offline table, with its date, when the API throws', async () => {
    pricingMock
      .on(GetProductsCommand)
      .rejects(Object.assign(new Error('connect ETIMEDOUT'), { name: 'TimeoutError' }));
    const price = await onDemandPrice(deps, 'us-east-1', 'm5.large');
    expect(price).toEqual({
      pricePerHour: 0.096,
      source: 'offline',
      asOf: new Date('2026-07-20T13:44:30Z'),
      priceRegion: 'us-east-1',
    });
  });

  it("never answers a region with another region's price: no price rather than us-east-1's", async () => {
    // Before: eu-west-1 got us-east-1's 0.096 silently (priceRegion was dropped before the card).
    pricingMock.on(GetProductsCommand).rejects(new Error('AccessDeniedException'));
    expect(await onDemandPrice(deps, 'eu-west-1', 'm5.large')).toBeUndefined();
    expect(offlineOnDemandPrice('sa-east-1', 'm5.large')).toBeUndefined();
  });

  it("prices x2iedn.32xlarge in sa-east-1 from sa-east-1's own offline row (52.02, not us-east-1's 26.676)", async () => {
    pricingMock.on(GetProductsCommand).rejects(new Error('connect ETIMEDOUT'));
    expect(await onDemandPrice(deps, 'sa-east-1', 'x2iedn.32xlarge')).toMatchObject({
      source: 'offline',
      pricePerHour: 52.02,
      priceRegion: 'sa-east-1',
    });
    expect(offlineOnDemandPrice('us-east-1', 'x2iedn.32xlarge')?.pricePerHour).toBe(26.676);
  });

  it('ships an offline table for every region of the x2iedn.32xlarge record (25) and all types for us-east-1', () => {
    const coverage = offlineCoverage();
    expect(coverage).toHaveLength(25);
    expect(coverage.find((c) => c.region === 'us-east-1')?.types).toBeGreaterThan(1300);
    for (const c of coverage) expect(offlineOnDemandPrice(c.region, 'x2iedn.32xlarge')).toBeDefined();
  });

  it('falls back to the offline table when the API has no product for the type', async () => {
    pricingMock.on(GetProductsCommand).resolves({ PriceList: [] });
    expect(await onDemandPrice(deps, 'us-east-1', 'c5.large')).toMatchObject({
      source: 'offline',
      pricePerHour: 0.085,
    });
  });

  it('prefers a stale API answer to the offline table when the API fails', async () => {
    pricingMock.on(GetProductsCommand).resolves({ PriceList: [itemFor('m5.large', '0.1000000000')] });
    await onDemandPrice(deps, 'us-east-1', 'm5.large');
    clock.advance(30 * DAY);
    pricingMock.on(GetProductsCommand).rejects(new Error('ThrottlingException'));
    expect(await onDemandPrice(deps, 'us-east-1', 'm5.large')).toMatchObject({
      source: 'pricing-api',
      pricePerHour: 0.1,
      asOf: new Date('2026-11-01T00:00:00Z'),
    });
  });

  it('answers GovCloud from its own offline table without calling the API', async () => {
    const price = await onDemandPrice(deps, 'us-gov-west-1', 'm5.large');
    expect(price?.priceRegion).toBe('us-gov-west-1');
    expect(price?.source).toBe('offline');
    expect(pricingMock.commandCalls(GetProductsCommand)).toHaveLength(0);
  });

  it('returns undefined for a type nobody knows', async () => {
    pricingMock.on(GetProductsCommand).resolves({ PriceList: [] });
    expect(await onDemandPrice(deps, 'us-east-1', 'zz9.huge')).toBeUndefined();
    expect(offlineOnDemandPrice('us-east-1', 'zz9.huge')).toBeUndefined();
  });
});

describe('refreshOnDemandPrices', () => {
  let t: TestDatabase;
  let deps: OnDemandDeps;
  beforeEach(async () => {
    pricingMock.reset();
    t = await createTestDatabase();
    deps = {
      db: t.db,
      clock: new ManualClock('2026-11-01T00:00:00Z'),
      pricing: (region) =>
        new PricingClient({ region, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' } }),
    };
  });
  afterEach(() => t.destroy());

  it('follows NextToken across pages of a whole-region query and caches every type', async () => {
    pricingMock
      .on(GetProductsCommand)
      .resolvesOnce({ PriceList: [itemFor('m5.large', '0.096')], NextToken: 'page-2' })
      .resolvesOnce({ PriceList: [itemFor('c5.large', '0.085')] });
    const result = await refreshOnDemandPrices(deps, 'us-east-1');
    expect(result).toEqual({ region: 'us-east-1', updated: 2, missing: [], failed: [] });
    expect(pricingMock.commandCalls(GetProductsCommand)[1]!.args[0].input.NextToken).toBe('page-2');
    const rows = await t.db.select().from(onDemandPrices);
    expect(rows.map((r) => [r.instanceType, r.pricePerHour]).sort()).toEqual([
      ['c5.large', 0.085],
      ['m5.large', 0.096],
    ]);
  });

  it('reports types the API does not know and queries that failed, keeping earlier prices', async () => {
    pricingMock.on(GetProductsCommand).callsFake((input) => {
      const type = input.Filters.find((f: { Field: string }) => f.Field === 'instanceType')?.Value;
      if (type === 'm5.large') return { PriceList: [itemFor('m5.large', '0.096')] };
      if (type === 'x9.large') return { PriceList: [] };
      throw new Error('ThrottlingException: Rate exceeded');
    });
    const result = await refreshOnDemandPrices(deps, 'us-east-1', ['m5.large', 'x9.large', 'c5.large']);
    expect(result.updated).toBe(1);
    expect(result.missing).toEqual(['x9.large']);
    expect(result.failed).toEqual([
      {
        instanceType: 'c5.large',
        error: 'fetching On-Demand prices for us-east-1: ThrottlingException: Rate exceeded',
      },
    ]);
  });
});
