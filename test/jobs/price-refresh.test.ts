// The price refresh reads a region's whole On-Demand price list weekly (so an unseen type still
// has its own region's price when the API is down), and only the followed types in between.
import {
  DescribeAvailabilityZonesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onDemandPrices } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { refreshPrices } from '../../src/jobs/price-refresh.js';
import { DAY, ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const pricing = mockClient(PricingClient);
const ec2 = mockClient(EC2Client);

const item = (instanceType: string, usd: string) =>
  JSON.stringify({
    product: {
      attributes: { instanceType, operatingSystem: 'Linux', preInstalledSw: 'NA', capacitystatus: 'Used' },
    },
    terms: { OnDemand: { a: { priceDimensions: { b: { unit: 'Hrs', pricePerUnit: { USD: usd } } } } } },
  });

describe('price refresh', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  let deps: Deps;
  beforeEach(async () => {
    pricing.reset();
    ec2.reset();
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [] });
    ec2.on(DescribeAvailabilityZonesCommand).resolves({ AvailabilityZones: [] });
    pricing
      .on(GetProductsCommand)
      .resolves({ PriceList: [item('m5.large', '0.096'), item('x2iedn.32xlarge', '26.676')] });
    t = await createTestDatabase();
    clock = new ManualClock('2026-11-24T00:00:00Z');
    await verifiedAccount(t.db, { name: 'payments', environment: 'PROD' });
    deps = {
      db: t.db,
      clock,
      log: silentLogger,
      config: { PRICE_GAP_MINUTES: 60 },
      operator: { pricing: (region: string) => new PricingClient({ region }) },
      awsFor: () => ({ ec2: (region: string) => new EC2Client({ region }) }),
    } as unknown as Deps;
  });
  afterEach(() => t.destroy());

  const typeFilters = () =>
    pricing
      .commandCalls(GetProductsCommand)
      .map((c) => c.args[0].input.Filters?.find((f) => f.Field === 'instanceType')?.Value ?? '*');

  it('reads the whole region when its list was never read, then only followed types until a week has passed', async () => {
    await t.db.insert(onDemandPrices).values({
      region: 'us-east-1',
      instanceType: 'm5.large',
      pricePerHour: 0.096,
      source: 'pricing-api',
      asOf: clock.now(),
      fetchedAt: clock.now(),
    });
    await refreshPrices(deps);
    expect(typeFilters()).toEqual(['*']); // whole region
    // Pretend the full list is cached (hundreds of types), fresh.
    await t.db.insert(onDemandPrices).values(
      Array.from({ length: 120 }, (_, i) => ({
        region: 'us-east-1',
        instanceType: `zz${i}.large`,
        pricePerHour: 1,
        source: 'pricing-api',
        asOf: clock.now(),
        fetchedAt: clock.now(),
      })),
    );
    pricing.resetHistory();
    clock.advance(DAY);
    await refreshPrices(deps);
    expect(typeFilters()).not.toContain('*');
    pricing.resetHistory();
    clock.advance(7 * DAY);
    await refreshPrices(deps);
    expect(typeFilters()).toEqual(['*']);
  });
});
