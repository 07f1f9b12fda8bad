import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { poolEvents } from '../../src/db/schema.js';
import { DAY, HOUR, ManualClock } from '../../src/lib/clock.js';
import { UserError } from '../../src/lib/errors.js';
import {
  clearPool,
  expirePoisons,
  isPoolPoisoned,
  listPoisonedPools,
  parsePoolRef,
  poolInterruptions,
  recordInterruption,
  recordRebalance,
} from '../../src/risk/pool-poisoning.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const pool = { region: 'us-east-1', az: 'use1-az1', instanceType: 'm5.large' };
const other = { region: 'us-east-1', az: 'use1-az2', instanceType: 'm5.large' };

describe('pool poisoning', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  beforeEach(async () => {
    t = await createTestDatabase();
    clock = new ManualClock('2026-05-01T12:00:00Z');
  });
  afterEach(() => t.destroy());

  it('poisons a pool for 15 days after a PROD interruption, then lets it go', async () => {
    const at = clock.now();
    const status = await recordInterruption(t.db, pool, { accountId: null, environment: 'PROD', at });
    const expiresAt = new Date(at.getTime() + 15 * DAY);
    expect(status).toEqual({ poisoned: true, expiresAt, interruptionCount: 1 });
    expect(await isPoolPoisoned(t.db, pool, clock)).toEqual({
      poisoned: true,
      expiresAt,
      interruptionCount: 1,
    });
    expect(await isPoolPoisoned(t.db, other, clock)).toEqual({ poisoned: false, interruptionCount: 0 });

    clock.advance(15 * DAY - HOUR);
    expect((await isPoolPoisoned(t.db, pool, clock)).poisoned).toBe(true);
    expect(await expirePoisons(t.db, clock)).toEqual([]);

    clock.advance(HOUR);
    expect((await isPoolPoisoned(t.db, pool, clock)).poisoned).toBe(false);
    const cleared = await expirePoisons(t.db, clock);
    expect(cleared).toMatchObject([{ ...pool, interruptionCount: 1 }]);
    expect(await expirePoisons(t.db, clock)).toEqual([]);
    expect(await listPoisonedPools(t.db, clock)).toEqual([]);
  });

  it('takes the poison length from the option and keeps the later expiry on a late older event', async () => {
    const at = clock.now();
    await recordInterruption(t.db, pool, { accountId: 1, environment: 'PROD', at }, { poisonDays: 3 });
    const older = new Date(at.getTime() - 2 * DAY);
    const status = await recordInterruption(
      t.db,
      pool,
      { accountId: 2, environment: 'PROD', at: older },
      { poisonDays: 3 },
    );
    expect(status.expiresAt).toEqual(new Date(at.getTime() + 3 * DAY));
    expect(status.interruptionCount).toBe(2);
  });

  it('re-poisons after an expiry from the new interruption, not the old expiry', async () => {
    await recordInterruption(
      t.db,
      pool,
      { accountId: 1, environment: 'PROD', at: clock.now() },
      { poisonDays: 1 },
    );
    clock.advance(2 * DAY);
    await expirePoisons(t.db, clock);
    const status = await recordInterruption(
      t.db,
      pool,
      { accountId: 1, environment: 'PROD', at: clock.now() },
      { poisonDays: 1 },
    );
    expect(status.expiresAt).toEqual(new Date(clock.now().getTime() + DAY));
  });

  it('never poisons from a LAB interruption', async () => {
    const status = await recordInterruption(t.db, pool, {
      accountId: 3,
      environment: 'LAB',
      at: clock.now(),
    });
    expect(status).toEqual({ poisoned: false, interruptionCount: 0 });
    expect(await isPoolPoisoned(t.db, pool, clock)).toEqual({ poisoned: false, interruptionCount: 0 });
  });

  it('counts rebalance recommendations without poisoning', async () => {
    await recordRebalance(t.db, pool, clock.now());
    const second = await recordRebalance(t.db, pool, new Date(clock.now().getTime() + HOUR));
    expect(second.rebalanceCount).toBe(2);
    expect(second.lastRebalanceAt).toEqual(new Date(clock.now().getTime() + HOUR));
    expect((await isPoolPoisoned(t.db, pool, clock)).poisoned).toBe(false);
  });

  it('lists live poisons soonest first and clears one by hand', async () => {
    await recordInterruption(
      t.db,
      pool,
      { accountId: 1, environment: 'PROD', at: clock.now() },
      { poisonDays: 10 },
    );
    await recordInterruption(
      t.db,
      other,
      { accountId: 1, environment: 'PROD', at: clock.now() },
      { poisonDays: 5 },
    );
    expect((await listPoisonedPools(t.db, clock)).map((p) => p.az)).toEqual(['use1-az2', 'use1-az1']);
    expect(await clearPool(t.db, other, clock)).toBe(true);
    expect(await clearPool(t.db, other, clock)).toBe(false);
    expect((await listPoisonedPools(t.db, clock)).map((p) => p.az)).toEqual(['use1-az1']);
    expect(await isPoolPoisoned(t.db, other, clock)).toEqual({ poisoned: false, interruptionCount: 1 });
  });

  it('counts a pool’s interruptions from pool_events within the window', async () => {
    const event = (id: string, daysAgo: number, kind = 'interruption', az = 'use1-az1') => ({
      eventId: id,
      kind,
      awsAccountId: '111122223333',
      region: 'us-east-1',
      availabilityZone: az,
      instanceType: 'm5.large',
      instanceId: `i-0${id}`,
      at: new Date(clock.now().getTime() - daysAgo * DAY),
      raw: {},
    });
    await t.db
      .insert(poolEvents)
      .values([
        event('a', 1),
        event('b', 6),
        event('c', 20),
        event('d', 2, 'rebalance'),
        event('e', 1, 'interruption', 'use1-az2'),
      ]);
    expect(await poolInterruptions(t.db, pool, 7, clock)).toBe(2);
    expect(await poolInterruptions(t.db, pool, 30, clock)).toBe(3);
  });
});

describe('parsePoolRef', () => {
  it('reads region/az/type', () => {
    expect(parsePoolRef(' us-east-1/use1-az1/m5.large ')).toEqual(pool);
    expect(parsePoolRef('us-west-2/usw2-lax1-az1/c5d.2xlarge')).toEqual({
      region: 'us-west-2',
      az: 'usw2-lax1-az1',
      instanceType: 'c5d.2xlarge',
    });
  });

  it('explains what a pool looks like when given something else', () => {
    expect(() => parsePoolRef('m5.large')).toThrow(UserError);
    expect(() => parsePoolRef('us-east-1/use1-az1/m5.large/x')).toThrow(/us-east-1\/use1-az1\/m5.large/);
    expect(() => parsePoolRef('us-east-1/us-east-1a/m5.large')).toThrow(
      /AZ name, which differs between accounts/,
    );
    expect(() => parsePoolRef('us-east-1/zone-b/m5.large')).toThrow(/region\/AZ ID\/type/);
  });
});
