// One EC2 event -> database effects. Finds the connected account, maps the instance to its pool by
// describing it in that account (the inventory answers when the instance is already gone), records the
// event once (pool_events.event_id is the dedupe key) and applies the pool-risk rule in the same
// transaction: a PROD interruption poisons for every account, LAB is recorded only, rebalance never poisons.

import type { EC2Client } from '@aws-sdk/client-ec2';
import { and, asc, eq } from 'drizzle-orm';
import type { AccountAccess } from '../aws/clients.js';
import { ec2Sdk } from '../aws/sdk.js';
import { azIdOf } from '../aws/zones.js';
import type { Db } from '../db/client.js';
import { type Account, accounts, instances, poolEvents } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { awsErrorCode, describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import { formatPoolRef, type PoolRef, recordInterruption, recordRebalance } from '../risk/pool-poisoning.js';
import { type Ec2Event, eventKind, eventTime, type PoolEventKind } from './parse.js';

export interface HandleDeps {
  db: Db;
  /** Read access to a connected account (its role); used for DescribeInstances. */
  aws: (account: Account) => AccountAccess;
  clock: Clock;
  logger: Logger;
  /** config.POOL_POISON_DAYS */
  poisonDays: number;
}

export interface AccountSummary {
  id: number;
  name: string;
  environment: 'PROD' | 'LAB';
  awsAccountId: string;
}

/** What an event did; the consumer hands it to onPoolEvent (the lead's Slack alert). */
export type PoolEventOutcome =
  | {
      kind: 'poisoned';
      eventId: string;
      pool: PoolRef;
      account: AccountSummary;
      instanceId: string;
      expiresAt: Date;
      interruptionCount: number;
    }
  | {
      kind: 'interruption-recorded';
      eventId: string;
      pool: PoolRef;
      account: AccountSummary;
      instanceId: string;
    }
  | {
      kind: 'rebalance';
      eventId: string;
      pool: PoolRef;
      account: AccountSummary;
      instanceId: string;
      rebalanceCount: number | null;
    }
  | {
      kind: 'state-change';
      eventId: string;
      pool: PoolRef;
      account: AccountSummary;
      instanceId: string;
      state: string;
    }
  | {
      kind: 'unattributed';
      eventId: string;
      event: PoolEventKind;
      account: AccountSummary;
      instanceId: string;
    }
  | { kind: 'duplicate'; eventId: string }
  | { kind: 'ignored'; eventId: string; reason: string }
  | { kind: 'dropped'; eventId: string; reason: 'unknown-account'; awsAccountId: string };

interface InstancePlacement {
  instanceType: string;
  az: string;
  lifecycle: 'spot' | 'on-demand' | 'scheduled' | 'capacity-block' | string;
}

/** The instance's type, AZ and lifecycle as EC2 sees it now; undefined when EC2 no longer knows it. */
async function describeInstance(ec2: EC2Client, instanceId: string): Promise<InstancePlacement | undefined> {
  try {
    const out = await ec2.send(new ec2Sdk.DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    const inst = out.Reservations?.flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId);
    if (!inst?.InstanceType || !inst.Placement?.AvailabilityZone) return undefined;
    return {
      instanceType: inst.InstanceType,
      // Pools are keyed by AZ ID: the same physical zone for every account.
      az: inst.Placement.AvailabilityZoneId ?? (await azIdOf(ec2, inst.Placement.AvailabilityZone)),
      lifecycle: inst.InstanceLifecycle ?? 'on-demand',
    };
  } catch (err) {
    if (awsErrorCode(err) === 'InvalidInstanceID.NotFound') return undefined;
    throw new Error(`describing ${instanceId}`, { cause: err });
  }
}

async function fromInventory(
  db: Db,
  accountId: number,
  region: string,
  instanceId: string,
): Promise<InstancePlacement | undefined> {
  const [row] = await db
    .select()
    .from(instances)
    .where(
      and(
        eq(instances.accountId, accountId),
        eq(instances.region, region),
        eq(instances.instanceId, instanceId),
      ),
    );
  if (!row?.availabilityZone) return undefined;
  return { instanceType: row.instanceType, az: row.availabilityZone, lifecycle: row.lifecycle };
}

/** EC2 first; the inventory when EC2 says the instance is gone or cannot be asked. Throws if neither knows. */
async function placement(deps: HandleDeps, account: Account, event: Ec2Event, instanceId: string) {
  try {
    const seen = await describeInstance(deps.aws(account).ec2(event.region), instanceId);
    return seen ?? (await fromInventory(deps.db, account.id, event.region, instanceId));
  } catch (err) {
    const known = await fromInventory(deps.db, account.id, event.region, instanceId);
    if (known) {
      deps.logger.warn(
        { instanceId, account: account.name, err: describeError(err) },
        'DescribeInstances failed; using the inventory to find the pool',
      );
      return known;
    }
    throw err; // leaves the message for redelivery: a throttle or an outage heals
  }
}

export async function handleEvent(deps: HandleDeps, event: Ec2Event): Promise<PoolEventOutcome> {
  const eventId = event.id;
  const kind = eventKind(event);
  const instanceId = event.detail['instance-id'];
  const [account] = await deps.db
    .select()
    .from(accounts)
    .where(eq(accounts.awsAccountId, event.account))
    .orderBy(asc(accounts.id))
    .limit(1);
  if (!account) {
    deps.logger.warn(
      { eventId, awsAccountId: event.account, detailType: event['detail-type'], instanceId },
      'event from an AWS account that is not connected; dropped',
    );
    return { kind: 'dropped', eventId, reason: 'unknown-account', awsAccountId: event.account };
  }
  const summary: AccountSummary = {
    id: account.id,
    name: account.name,
    environment: account.environment,
    awsAccountId: event.account,
  };

  const [seen] = await deps.db
    .select({ id: poolEvents.id })
    .from(poolEvents)
    .where(eq(poolEvents.eventId, eventId));
  if (seen) return { kind: 'duplicate', eventId };

  const at = eventTime(event, deps.clock.now());
  const where = await placement(deps, account, event, instanceId);
  if (kind === 'state-change' && where?.lifecycle !== 'spot') {
    // Only Spot lifecycles say anything about a Spot pool; other state changes are not kept.
    return { kind: 'ignored', eventId, reason: 'not a Spot instance' };
  }
  const pool: PoolRef | undefined = where
    ? { region: event.region, az: where.az, instanceType: where.instanceType }
    : undefined;

  return deps.db.transaction(async (tx): Promise<PoolEventOutcome> => {
    const inserted = await tx
      .insert(poolEvents)
      .values({
        eventId,
        kind,
        accountId: account.id,
        awsAccountId: event.account,
        environment: account.environment,
        region: event.region,
        availabilityZone: pool?.az ?? null,
        instanceType: pool?.instanceType ?? null,
        instanceId,
        at,
        raw: event,
      })
      .onConflictDoNothing({ target: poolEvents.eventId })
      .returning({ id: poolEvents.id });
    // Another replica recorded it between the check above and here.
    if (inserted.length === 0) return { kind: 'duplicate', eventId };
    if (!pool) {
      deps.logger.warn(
        { eventId, instanceId, account: account.name, kind },
        'event recorded without a pool: the instance is unknown to EC2 and to the inventory',
      );
      return { kind: 'unattributed', eventId, event: kind, account: summary, instanceId };
    }
    const base = { eventId, pool, account: summary, instanceId };
    if (kind === 'interruption') {
      if (account.environment !== 'PROD') {
        deps.logger.info(
          { ...base, pool: formatPoolRef(pool) },
          'LAB interruption recorded; pool not poisoned',
        );
        return { kind: 'interruption-recorded', ...base };
      }
      const status = await recordInterruption(
        tx,
        pool,
        { accountId: account.id, environment: account.environment, at },
        { poisonDays: deps.poisonDays },
      );
      deps.logger.info(
        { ...base, pool: formatPoolRef(pool), expiresAt: status.expiresAt },
        'PROD interruption: pool poisoned for every account',
      );
      return {
        kind: 'poisoned',
        ...base,
        expiresAt: status.expiresAt!,
        interruptionCount: status.interruptionCount,
      };
    }
    if (kind === 'rebalance') {
      // The same rule as interruptions: only PROD evidence reaches the shared pool table.
      const counted = account.environment === 'PROD' ? await recordRebalance(tx, pool, at) : undefined;
      return { kind: 'rebalance', ...base, rebalanceCount: counted?.rebalanceCount ?? null };
    }
    return {
      kind: 'state-change',
      ...base,
      state: event['detail-type'] === 'EC2 Instance State-change Notification' ? event.detail.state : '',
    };
  });
}
