// Building blocks for launching Spot replacements (lab switch, ASG swap): the Spot market options,
// the pool an instance lives in (by AZ ID), the poisoned-pool check, the tags a clone carries, and
// launch / terminate / wait-healthy through the dry-run primitive.
import type {
  EC2Client,
  Instance,
  InstanceMarketOptionsRequest,
  RunInstancesCommandInput,
  Tag,
} from '@aws-sdk/client-ec2';
import type { PoolGuard, Verdict } from '../executors/types.js';
import { PermissionError } from '../lib/errors.js';
import { type MutationContext, mutateEc2 } from './dry-run.js';
import { writableTags } from './ebs.js';
import { isPermissionDenied } from './ec2-lookup.js';
import { ec2Sdk } from './sdk.js';
import { waitInstanceStatusOk } from './spot-waiters.js';
import { stale } from './verdicts.js';
import { type WaitContext, waitInstanceRunning } from './waiters.js';

type Ctx = MutationContext & WaitContext & { progress?: (message: string) => Promise<void> };

export const MANAGED_BY = { Key: 'ManagedBy', Value: 'SpotOptimizer' } as const;
/** On a clone: the instance it replaced. Verify finds the clone through it. */
export const REPLACES_TAG = 'spotops:replaces';

/** "$0.096/h" */
export const formatPrice = (usdPerHour: number): string => `$${usdPerHour}/h`;

/** One-time Spot that terminates on interruption, capped at `maxPrice` USD/h. */
export function spotMarketOptions(maxPrice: number): InstanceMarketOptionsRequest {
  return {
    MarketType: 'spot',
    SpotOptions: {
      MaxPrice: String(maxPrice),
      SpotInstanceType: 'one-time',
      InstanceInterruptionBehavior: 'terminate',
    },
  };
}

/** The old instance's own tags (without `aws:` keys), plus ManagedBy and the provenance tag. */
export function cloneTags(tags: readonly Tag[] | undefined, replaces: string): Tag[] {
  const own = writableTags(tags).filter((t) => t.Key !== MANAGED_BY.Key && t.Key !== REPLACES_TAG);
  return [...own, { ...MANAGED_BY }, { Key: REPLACES_TAG, Value: replaces }];
}

/**
 * The instance's AZ ID (use1-az1). Pools are keyed by AZ ID because AZ names are per-account
 * aliases; older responses lack Placement.AvailabilityZoneId, so the name is resolved then.
 */
export async function azIdOf(ec2: EC2Client, instance: Instance): Promise<string> {
  const id = instance.Placement?.AvailabilityZoneId;
  if (id) return id;
  const name = instance.Placement?.AvailabilityZone;
  if (!name) throw new Error(`${instance.InstanceId} has no availability zone`);
  return azIdOfName(ec2, name);
}

export async function azIdOfName(ec2: EC2Client, name: string): Promise<string> {
  try {
    const out = await ec2.send(new ec2Sdk.DescribeAvailabilityZonesCommand({ ZoneNames: [name] }));
    const zone = out.AvailabilityZones?.find((z) => z.ZoneName === name);
    if (!zone?.ZoneId) throw new Error(`DescribeAvailabilityZones did not list ${name}`);
    return zone.ZoneId;
  } catch (err) {
    if (isPermissionDenied(err))
      throw new PermissionError('ec2:DescribeAvailabilityZones', undefined, { cause: err });
    throw new Error(`resolving the AZ ID of ${name}`, { cause: err });
  }
}

export interface Pool {
  region: string;
  az: string;
  instanceType: string;
}

/** Stale when any of the pools is poisoned (no guard: none is). */
export async function poisonedPoolVerdict(
  guard: PoolGuard | undefined,
  pools: readonly Pool[],
): Promise<Verdict | undefined> {
  if (!guard) return undefined;
  for (const pool of pools) {
    const status = await guard(pool);
    if (status.poisoned) {
      const until = status.expiresAt ? ` until ${status.expiresAt.toISOString()}` : '';
      return stale(
        `the Spot pool ${pool.region}/${pool.az}/${pool.instanceType} is poisoned${until} after an interruption in production`,
      );
    }
  }
  return undefined;
}

export type LaunchInput = Omit<RunInstancesCommandInput, 'DryRun' | 'MinCount' | 'MaxCount'>;

/** RunInstances of one instance (DryRun first). Returns its id, or undefined in dry-run mode. */
export async function launchOne(
  ctx: MutationContext,
  ec2: EC2Client,
  input: LaunchInput,
): Promise<string | undefined> {
  const res = await mutateEc2(ctx, 'ec2:RunInstances', (dryRun) =>
    ec2.send(new ec2Sdk.RunInstancesCommand({ ...input, MinCount: 1, MaxCount: 1, DryRun: dryRun })),
  );
  if (res.dryRun) return undefined;
  const id = res.result.Instances?.[0]?.InstanceId;
  if (!id) throw new Error('RunInstances answered without an instance id');
  return id;
}

/** TerminateInstances (DryRun first). Returns false in dry-run mode. */
export async function terminate(
  ctx: MutationContext,
  ec2: EC2Client,
  instanceIds: readonly string[],
): Promise<boolean> {
  if (instanceIds.length === 0) return true;
  const res = await mutateEc2(ctx, 'ec2:TerminateInstances', (dryRun) =>
    ec2.send(new ec2Sdk.TerminateInstancesCommand({ InstanceIds: [...instanceIds], DryRun: dryRun })),
  );
  return !res.dryRun;
}

/** Until the instance is running and passes its status checks, telling the thread. */
export async function waitHealthy(ctx: Ctx, ec2: EC2Client, instanceId: string): Promise<void> {
  await ctx.progress?.(`Waiting for ${instanceId} to run and pass its status checks...`);
  await waitInstanceRunning(ctx, ec2, instanceId);
  await waitInstanceStatusOk(ctx, ec2, instanceId);
  await ctx.progress?.(`${instanceId} is running and healthy.`);
}
