import { readFileSync } from 'node:fs';
import { DescribeSpotPriceHistoryCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { priceGaps, spotPrices } from '../../src/db/schema.js';
import { ManualClock } from '../../src/lib/clock.js';
import { currentSpotPrices, fetchSpotPrices, type SpotDeps } from '../../src/pricing/spot.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const history = JSON.parse(
  readFileSync(
    new URL(
      '../fixtures/pricing/ec2-DescribeSpotPriceHistory.m5.large.us-east-1.2021-01.json',
      import.meta.url,
    ),
    'utf8',
  ),
).SpotPriceHistory.map((r: { Timestamp: string }) => ({ ...r, Timestamp: new Date(r.Timestamp) }));

const ec2Mock = mockClient(EC2Client);

describe('Spot prices', () => {
  let t: TestDatabase;
  let deps: SpotDeps;
  let clock: ManualClock;
  beforeEach(async () => {
    ec2Mock.reset();
    t = await createTestDatabase();
    clock = new ManualClock('2021-02-09T02:00:00Z');
    deps = {
      db: t.db,
      clock,
      gapMinutes: 360,
      ec2: (region) =>
        new EC2Client({ region, credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'x' } }),
    };
  });
  afterEach(() => t.destroy());

  it('pages through the real history, asks for Linux/UNIX from since to now and stores it deduplicated', async () => {
    ec2Mock
      .on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce({ SpotPriceHistory: history.slice(0, 100), NextToken: 'next' })
      .resolvesOnce({ SpotPriceHistory: history.slice(100), NextToken: '' });
    const since = new Date('2021-01-08T00:00:00Z');
    const result = await fetchSpotPrices(deps, 'us-east-1', ['m5.large'], { since });

    const calls = ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input).toMatchObject({
      InstanceTypes: ['m5.large'],
      ProductDescriptions: ['Linux/UNIX'],
      StartTime: since,
      EndTime: clock.now(),
    });
    expect(calls[1]!.args[0].input.NextToken).toBe('next');
    expect(result).toMatchObject({ observed: 159, duplicates: 91 });

    const stored = await t.db.select().from(spotPrices);
    expect(stored.filter((r) => !r.filled)).toHaveLength(159);
    expect(new Set(stored.map((r) => r.availabilityZone))).toEqual(
      new Set(['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f']),
    );
    // us-east-1d's last change was at 19:14 on the 8th: more than 6 h before now is an open gap.
    const gaps = await t.db.select().from(priceGaps);
    expect(
      gaps.some((g) => g.availabilityZone === 'us-east-1d' && g.gapEnd.getTime() === clock.now().getTime()),
    ).toBe(true);
  });

  it('says why when EC2 refuses the history', async () => {
    ec2Mock.on(DescribeSpotPriceHistoryCommand).rejects(new Error('UnauthorizedOperation'));
    await expect(
      fetchSpotPrices(deps, 'us-east-1', ['m5.large'], { since: new Date('2021-02-01T00:00:00Z') }),
    ).rejects.toThrow(/fetching Spot price history for us-east-1 since 2021-02-01/);
  });

  it('answers the price in effect per AZ from StartTime=now, and the stored prices when EC2 fails', async () => {
    const latest = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'].map(
      (az) => history.find((r: { AvailabilityZone: string }) => r.AvailabilityZone === az)!,
    );
    ec2Mock.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: latest });
    const now = await currentSpotPrices(deps, 'us-east-1', 'm5.large');
    expect(ec2Mock.commandCalls(DescribeSpotPriceHistoryCommand)[0]!.args[0].input).toMatchObject({
      StartTime: clock.now(),
      InstanceTypes: ['m5.large'],
    });
    expect(now).toEqual([
      { az: 'us-east-1a', price: 0.0423, at: new Date('2021-02-08T23:58:38Z') },
      { az: 'us-east-1b', price: 0.0389, at: new Date('2021-02-08T21:46:09Z') },
      { az: 'us-east-1c', price: 0.0381, at: new Date('2021-02-08T20:38:39Z') },
      { az: 'us-east-1d', price: 0.0431, at: new Date('2021-02-08T19:14:31Z') },
      { az: 'us-east-1f', price: 0.0437, at: new Date('2021-02-09T01:40:10Z') },
    ]);

    ec2Mock.on(DescribeSpotPriceHistoryCommand).rejects(new Error('RequestLimitExceeded'));
    expect(await currentSpotPrices(deps, 'us-east-1', 'm5.large')).toEqual(now);
  });
});
