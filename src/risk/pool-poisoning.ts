// Global pool poisoning: a Spot interruption in a PROD account marks the pool (region + AZ + type)
// poisoned for every account for N days. Every launch path asks isPoolPoisoned() before using a pool.
// LAB interruptions and rebalance recommendations are evidence for the risk model, never poison.
import { and, count, eq, gt, gte, lte, sql } from 'drizzle-orm';
import { isAzId } from '../aws/zones.js';
import type { Db } from '../db/client.js';
import { poolEvents, spotPoolRisk } from '../db/schema.js';
import { type Clock, DAY, systemClock } from '../lib/clock.js';
import { UserError } from '../lib/errors.js';

export interface PoolRef {
  region: string;
  az: string;
  instanceType: string;
}

export const DEFAULT_POISON_DAYS = 15;

export const formatPoolRef = (p: PoolRef): string => `${p.region}/${p.az}/${p.instanceType}`;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9-]+$/;

/**
 * `us-east-1/use1-az1/m5.large` -> pool; UserError (shown in Slack) when it is not one. Pools
 * are keyed by AZ ID (the same physical zone for every account; AZ names are per-account
 * aliases), as `/spot pools` shows them.
 */
export function parsePoolRef(text: string): PoolRef {
  const parts = text.trim().split('/');
  const usage = `a pool looks like us-east-1/use1-az1/m5.large (region/AZ ID/type, as /spot pools shows), got "${text.trim()}"`;
  if (parts.length !== 3) throw new UserError(usage);
  const [region, az, instanceType] = parts as [string, string, string];
  if (!REGION.test(region) || !INSTANCE_TYPE.test(instanceType)) throw new UserError(usage);
  if (az.startsWith(region)) {
    throw new UserError(
      `${az} is an AZ name, which differs between accounts: use its AZ ID (like use1-az1), as /spot pools shows it`,
    );
  }
  if (!isAzId(az)) throw new UserError(usage);
  return { region, az, instanceType };
}

const poolWhere = (p: PoolRef) =>
  and(
    eq(spotPoolRisk.region, p.region),
    eq(spotPoolRisk.availabilityZone, p.az),
    eq(spotPoolRisk.instanceType, p.instanceType),
  );

export interface PoisonStatus {
  poisoned: boolean;
  expiresAt?: Date;
  interruptionCount: number;
}

/** The one check every launch path makes. A poison whose time has passed no longer counts, cleared or not. */
export async function isPoolPoisoned(db: Db, pool: PoolRef, clock: Clock): Promise<PoisonStatus> {
  const [row] = await db.select().from(spotPoolRisk).where(poolWhere(pool));
  if (!row) return { poisoned: false, interruptionCount: 0 };
  const live = row.isPoisoned && !!row.poisonExpiresAt && row.poisonExpiresAt > clock.now();
  return live
    ? { poisoned: true, expiresAt: row.poisonExpiresAt!, interruptionCount: row.interruptionCount }
    : { poisoned: false, interruptionCount: row.interruptionCount };
}

export interface InterruptionSource {
  accountId: number | null;
  environment: 'PROD' | 'LAB';
  at: Date;
}

/**
 * An interruption seen in an account. PROD: poison the pool until at + poisonDays (a later expiry already
 * set is kept), count it. LAB: nothing here (the event stays in pool_events); returns the current status.
 */
export async function recordInterruption(
  db: Db,
  pool: PoolRef,
  source: InterruptionSource,
  opts: { poisonDays?: number } = {},
): Promise<PoisonStatus> {
  if (source.environment !== 'PROD') {
    const [row] = await db.select().from(spotPoolRisk).where(poolWhere(pool));
    const live = !!row?.isPoisoned && !!row.poisonExpiresAt && row.poisonExpiresAt > source.at;
    return live
      ? { poisoned: true, expiresAt: row.poisonExpiresAt!, interruptionCount: row.interruptionCount }
      : { poisoned: false, interruptionCount: row?.interruptionCount ?? 0 };
  }
  const expiresAt = new Date(source.at.getTime() + (opts.poisonDays ?? DEFAULT_POISON_DAYS) * DAY);
  const [row] = await db
    .insert(spotPoolRisk)
    .values({
      region: pool.region,
      availabilityZone: pool.az,
      instanceType: pool.instanceType,
      isPoisoned: true,
      poisonExpiresAt: expiresAt,
      interruptionCount: 1,
      lastInterruptionAt: source.at,
      poisonedByAccountId: source.accountId,
      updatedAt: source.at,
    })
    .onConflictDoUpdate({
      target: [spotPoolRisk.region, spotPoolRisk.availabilityZone, spotPoolRisk.instanceType],
      set: {
        isPoisoned: true,
        // A late-delivered older event must not shorten a poison set by a newer one.
        poisonExpiresAt: sql`greatest(case when ${spotPoolRisk.isPoisoned} then ${spotPoolRisk.poisonExpiresAt} end, excluded.poison_expires_at)`,
        interruptionCount: sql`${spotPoolRisk.interruptionCount} + 1`,
        lastInterruptionAt: sql`greatest(${spotPoolRisk.lastInterruptionAt}, excluded.last_interruption_at)`,
        poisonedByAccountId: source.accountId,
        updatedAt: source.at,
      },
    })
    .returning();
  return { poisoned: true, expiresAt: row!.poisonExpiresAt!, interruptionCount: row!.interruptionCount };
}

/** A rebalance recommendation: a risk signal (count, last time), never a poison. */
export async function recordRebalance(
  db: Db,
  pool: PoolRef,
  at: Date,
): Promise<{ rebalanceCount: number; lastRebalanceAt: Date }> {
  const [row] = await db
    .insert(spotPoolRisk)
    .values({
      region: pool.region,
      availabilityZone: pool.az,
      instanceType: pool.instanceType,
      rebalanceCount: 1,
      lastRebalanceAt: at,
      updatedAt: at,
    })
    .onConflictDoUpdate({
      target: [spotPoolRisk.region, spotPoolRisk.availabilityZone, spotPoolRisk.instanceType],
      set: {
        rebalanceCount: sql`${spotPoolRisk.rebalanceCount} + 1`,
        lastRebalanceAt: sql`greatest(${spotPoolRisk.lastRebalanceAt}, excluded.last_rebalance_at)`,
        updatedAt: at,
      },
    })
    .returning();
  return { rebalanceCount: row!.rebalanceCount, lastRebalanceAt: row!.lastRebalanceAt! };
}

export interface PoisonedPool extends PoolRef {
  expiresAt: Date;
  interruptionCount: number;
  lastInterruptionAt: Date | null;
  poisonedByAccountId: number | null;
}

const toPoisoned = (r: typeof spotPoolRisk.$inferSelect): PoisonedPool => ({
  region: r.region,
  az: r.availabilityZone,
  instanceType: r.instanceType,
  expiresAt: r.poisonExpiresAt!,
  interruptionCount: r.interruptionCount,
  lastInterruptionAt: r.lastInterruptionAt,
  poisonedByAccountId: r.poisonedByAccountId,
});

/** Clears every poison whose time has passed; returns the pools it cleared (for a "pool is back" note). */
export async function expirePoisons(db: Db, clock: Clock): Promise<PoisonedPool[]> {
  const now = clock.now();
  const before = await db
    .update(spotPoolRisk)
    .set({ isPoisoned: false, updatedAt: now })
    .where(and(eq(spotPoolRisk.isPoisoned, true), lte(spotPoolRisk.poisonExpiresAt, now)))
    .returning();
  return before.map(toPoisoned);
}

/** Pools poisoned now, soonest expiry first. */
export async function listPoisonedPools(db: Db, clock: Clock): Promise<PoisonedPool[]> {
  const rows = await db
    .select()
    .from(spotPoolRisk)
    .where(and(eq(spotPoolRisk.isPoisoned, true), gt(spotPoolRisk.poisonExpiresAt, clock.now())))
    .orderBy(spotPoolRisk.poisonExpiresAt, spotPoolRisk.region, spotPoolRisk.availabilityZone);
  return rows.map(toPoisoned);
}

/** `/spot pool clear`: lifts a poison by hand; true when the pool was poisoned. Counts are kept. */
export async function clearPool(db: Db, pool: PoolRef, clock: Clock = systemClock): Promise<boolean> {
  const cleared = await db
    .update(spotPoolRisk)
    .set({ isPoisoned: false, poisonExpiresAt: null, updatedAt: clock.now() })
    .where(and(poolWhere(pool), eq(spotPoolRisk.isPoisoned, true)))
    .returning();
  return cleared.length > 0;
}

/** Interruptions of a pool in the last `sinceDays` days, from every account (PROD and LAB): a model feature. */
export async function poolInterruptions(
  db: Db,
  pool: PoolRef,
  sinceDays: number,
  clock: Clock = systemClock,
): Promise<number> {
  return poolEventCount(db, pool, 'interruption', sinceDays, clock);
}

/** Events of one kind (interruption | rebalance) in a pool in the last `sinceDays` days, every account. */
export async function poolEventCount(
  db: Db,
  pool: PoolRef,
  kind: 'interruption' | 'rebalance',
  sinceDays: number,
  clock: Clock = systemClock,
): Promise<number> {
  const since = new Date(clock.now().getTime() - sinceDays * DAY);
  const [row] = await db
    .select({ n: count() })
    .from(poolEvents)
    .where(
      and(
        eq(poolEvents.kind, kind),
        eq(poolEvents.region, pool.region),
        eq(poolEvents.availabilityZone, pool.az),
        eq(poolEvents.instanceType, pool.instanceType),
        gte(poolEvents.at, since),
      ),
    );
  return Number(row?.n ?? 0);
}
