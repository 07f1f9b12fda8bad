// Measured savings per execution: from how long the Spot instance ran and the observed Spot
// prices of its pool, never the card's estimate copied.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account } from '../../src/db/schema.js';
import {
  executions,
  instances,
  measuredSavings,
  onDemandPrices,
  poolEvents,
  recommendations,
  spotPrices,
} from '../../src/db/schema.js';
import {
  measuredSavingsByKind,
  measurementLine,
  measureRecentExecutions,
  spotInstanceIds,
} from '../../src/engine/measured-savings.js';
import { HOUR, ManualClock } from '../../src/lib/clock.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const T = new Date('2026-11-20T00:00:00Z');
const at = (hours: number) => new Date(T.getTime() + hours * HOUR);
const CLONE = 'i-0spotclone000001';

describe('measured savings', () => {
  let t: TestDatabase;
  let clock: ManualClock;
  let account: Account;
  const deps = () => ({
    db: t.db,
    clock,
    prices: {
      pricing: () => {
        throw new Error('the Pricing API is not asked: the cached price is fresh');
      },
    },
  });

  beforeEach(async () => {
    t = await createTestDatabase();
    clock = new ManualClock(at(48));
    account = await verifiedAccount(t.db, { name: 'payments', environment: 'PROD' });
    await t.db.insert(onDemandPrices).values({
      region: 'us-east-1',
      instanceType: 'm5.large',
      pricePerHour: 0.096,
      source: 'pricing-api',
      asOf: at(47),
      fetchedAt: at(47),
    });
    // The pool's price changes: 0.04 (in force before the move), 0.035 from +20 h, 0.05 from +30 h.
    await t.db.insert(spotPrices).values(
      [
        [-1, 0.04],
        [20, 0.035],
        [30, 0.05],
      ].map(([h, price]) => ({
        region: 'us-east-1',
        availabilityZone: 'use1-az4',
        instanceType: 'm5.large',
        product: 'Linux/UNIX',
        at: at(h!),
        price: price!,
      })),
    );
  });
  afterEach(() => t.destroy());

  async function spotMove(status: 'succeeded' | 'rolled_back', lifecycle = 'spot') {
    const [rec] = await t.db
      .insert(recommendations)
      .values({
        fingerprint: `fp-${status}-${lifecycle}`,
        kind: 'spot-lab',
        executor: 'spot-lab-switch',
        accountId: account.id,
        region: 'us-east-1',
        resourceId: 'i-0old',
        title: 'Move i-0old to Spot',
        params: {},
        evidence: {},
        monthlySavingsUsd: 40.66,
      })
      .returning();
    const [exec] = await t.db
      .insert(executions)
      .values({
        recommendationId: rec!.id,
        accountId: account.id,
        region: 'us-east-1',
        executor: 'spot-lab-switch',
        params: { instanceId: 'i-0old', instanceType: 'm5.large', targetAz: 'us-east-1a', maxPrice: 0.096 },
        requestedBy: 'U0BOB',
        dryRun: false,
        status,
        undo: { imageId: 'ami-0keep', cloneId: CLONE, oldInstanceId: 'i-0old' },
        estimatedMonthlySavings: 40.66,
        // What executions.ts wrote before: the estimate copied. Measurement must not read it.
        actualMonthlySavings: 40.66,
        finishedAt: T,
      })
      .returning();
    await t.db
      .insert(instances)
      .values({
        accountId: account.id,
        region: 'us-east-1',
        instanceId: CLONE,
        instanceType: 'm5.large',
        availabilityZone: 'use1-az4',
        lifecycle,
        state: 'running',
      })
      .onConflictDoNothing();
    return exec!;
  }

  it('measures a Spot move that ran 48 h against the observed price series, to the cent', async () => {
    const exec = await spotMove('succeeded');
    const [m] = await measureRecentExecutions(deps());
    // 20 h x (0.096 - 0.04) + 10 h x (0.096 - 0.035) + 18 h x (0.096 - 0.05) = 1.12 + 0.61 + 0.828
    expect(m).toMatchObject({ executionId: exec.id, method: 'spot-price-series', hours: 48, savedUsd: 2.56 });
    // Run rate: 2.558 rounded, over 48 h, as a 730-hour month.
    expect(m!.monthlyRateUsd).toBeCloseTo((2.56 / 48) * 730, 2);
    const [row] = await t.db.select().from(measuredSavings);
    expect(row).toMatchObject({ executionId: exec.id, savedUsd: 2.56, estimatedMonthlyUsd: 40.66 });
    expect(measurementLine(m!)).toMatch(
      /Measured savings: \$2\.56 over 48\.0 h; now \$38\.93\/month against \$40\.66\/month estimated \(96% of the estimate\)/,
    );
  });

  it('reports 0 for a rolled-back move, whatever the execution row says it realised', async () => {
    await spotMove('rolled_back');
    const [m] = await measureRecentExecutions(deps());
    expect(m).toMatchObject({ method: 'rolled-back', savedUsd: 0, monthlyRateUsd: 0, hours: 0 });
    const [kind] = await measuredSavingsByKind(t.db);
    expect(kind).toMatchObject({
      kind: 'spot-lab',
      measuredMonthlyUsd: 0,
      estimatedMonthlyUsd: 40.66,
      ratio: 0,
    });
  });

  it('stops counting at the interruption, and the run rate drops to 0 once no Spot instance runs', async () => {
    await spotMove('succeeded');
    await t.db.insert(poolEvents).values({
      eventId: 'evt-1',
      kind: 'interruption',
      accountId: account.id,
      awsAccountId: '444455556666',
      region: 'us-east-1',
      availabilityZone: 'use1-az4',
      instanceType: 'm5.large',
      instanceId: CLONE,
      at: at(24),
      raw: {},
    });
    const [m] = await measureRecentExecutions(deps());
    // 20 h x 0.056 + (4 h + 2 min warning) x 0.061
    expect(m!.hours).toBeCloseTo(24 + 2 / 60, 6);
    expect(m!.savedUsd).toBe(1.37);
    expect(m!.monthlyRateUsd).toBe(0);
  });

  it('counts nothing when the replacement runs On-Demand', async () => {
    await spotMove('succeeded', 'on-demand');
    const [m] = await measureRecentExecutions(deps());
    expect(m).toMatchObject({ savedUsd: 0, monthlyRateUsd: 0 });
  });

  it('finds the Spot instances of each Spot executor in its undo', () => {
    expect(spotInstanceIds({ cloneId: 'i-1' })).toEqual(['i-1']);
    expect(spotInstanceIds({ swaps: [{ cloneId: 'i-2' }, { cloneId: 'i-3' }] })).toEqual(['i-2', 'i-3']);
    expect(spotInstanceIds({ replacements: [{ cloneId: 'i-4' }] })).toEqual(['i-4']);
    expect(spotInstanceIds(null)).toEqual([]);
  });
});
