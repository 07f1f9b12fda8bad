// spot-asg-swap: replaces an Auto Scaling group's On-Demand InService instances with Spot clones
// launched from the group's own launch template, a batch at a time (default one): launch the clone
// in the old instance's AZ -> wait healthy -> attach it (desired N -> N+1, max raised if needed) ->
// wait InService -> detach the old one with decrement (N+1 -> N) -> restore max -> terminate the
// old one. Auto Scaling has no DryRun: in dry-run mode only the EC2 DryRuns are sent.
// No rollback: the old instances are terminated.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { attach, detach, findGroup, setMaxSize, waitDetached, waitInService } from '../aws/asg.js';
import {
  type ClonePlan,
  type CloneTarget,
  checkClonePlan,
  cloneInput,
  isClonePlan,
  planClones,
  rehearseClones,
  verifyGroupSwapped,
} from '../aws/asg-clone.js';
import { formatPrice, launchOne, terminate, waitHealthy } from '../aws/spot-launch.js';
import { attempting, guardValidation, OK } from '../aws/verdicts.js';
import { describeError } from '../lib/errors.js';
import { checkGroupPreflight, GROUP_PREFLIGHT_PERMISSIONS } from './shared/group-preflight.js';
import type { Executor, ExecutorContext } from './types.js';

const params = z.object({
  groupName: z.string().min(1),
  /** The clones' type; the old instance's own type when absent. */
  instanceType: z
    .string()
    .regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'an instance type such as m5.large')
    .optional(),
  /** USD per hour; the recommendation caps it at the On-Demand price. */
  maxPrice: z.number().positive(),
  /** Instances swapped together (AttachInstances takes at most 20). */
  batchSize: z.number().int().min(1).max(20).optional(),
});
export type SpotAsgSwapParams = z.infer<typeof params>;
export interface Swap {
  oldInstanceId: string;
  cloneId: string;
  availabilityZone: string;
}
export interface SpotAsgSwapUndo {
  swaps: Swap[];
}

type Target = CloneTarget;
type Plan = ClonePlan;

const plan = (ctx: ExecutorContext, p: SpotAsgSwapParams) => planClones(ctx, p.groupName, p.instanceType);
const isPlan = isClonePlan<Plan>;

async function terminateQuietly(ctx: ExecutorContext, ec2: EC2Client, ids: string[]): Promise<string> {
  if (ids.length === 0) return 'no clone was launched';
  try {
    await terminate(ctx, ec2, ids);
    return `terminated the clone${ids.length > 1 ? 's' : ''} ${ids.join(', ')}`;
  } catch (err) {
    ctx.log.error({ err, ids }, 'terminating clones after a failed ASG swap failed');
    return `terminating ${ids.join(', ')} failed too (${describeError(err)}); terminate them by hand`;
  }
}

/** Swaps one batch. Throws with what was attempted and what was undone. */
async function swapBatch(
  ctx: ExecutorContext,
  p: SpotAsgSwapParams,
  plan: Plan,
  batch: Target[],
): Promise<Swap[]> {
  const asg: AutoScalingClient = ctx.aws.autoScaling(ctx.region);
  const ec2 = ctx.aws.ec2(ctx.region);
  const name = p.groupName;
  const olds = batch.map((t) => t.instanceId);
  const fail = (step: string, undone: string, cause: unknown) =>
    new Error(
      `swapping ${olds.join(', ')} in ${name} failed while ${step}; ${undone}; ${olds.join(', ')} untouched`,
      {
        cause,
      },
    );

  // 1. Launch the clones and wait until they are healthy. Compensation: terminate them.
  const clones: string[] = [];
  let step = `launching Spot clones of ${olds.join(', ')}`;
  try {
    for (const t of batch) {
      const id = await launchOne(ctx, ec2, cloneInput(plan, t, p.maxPrice));
      if (!id) throw new Error('RunInstances answered without an instance id');
      clones.push(id);
    }
    await ctx.progress?.(`Launched ${clones.join(', ')} to replace ${olds.join(', ')} in ${name}.`);
    step = `waiting for ${clones.join(', ')} to become healthy`;
    for (const id of clones) await waitHealthy(ctx, ec2, id);
  } catch (cause) {
    throw fail(step, await terminateQuietly(ctx, ec2, clones), cause);
  }

  // 2. IMPORTANT: InService capacity never below desired. The clones join (desired N -> N+n) and
  // must be InService before the old instances leave with a decrement (N+n -> N), so the group
  // always has at least N InService instances. MaxSize is raised for the overlap and always restored.
  let raisedFrom: number | undefined;
  const restoreMax = async (): Promise<string | undefined> => {
    if (raisedFrom === undefined) return undefined;
    try {
      await setMaxSize(ctx, asg, name, raisedFrom);
      return undefined;
    } catch (err) {
      ctx.log.error({ err, name }, 'restoring MaxSize failed');
      return `restoring the MaxSize of ${name} to ${raisedFrom} failed (${describeError(err)}); set it by hand`;
    }
  };
  let attached = false;
  try {
    step = `reading ${name}`;
    const group = await findGroup(asg, name);
    if (!group) throw new Error(`${name} no longer exists`);
    const desired = group.DesiredCapacity ?? 0;
    const max = group.MaxSize ?? 0;
    if (desired + clones.length > max) {
      step = `raising the MaxSize of ${name} to ${desired + clones.length}`;
      await setMaxSize(ctx, asg, name, desired + clones.length);
      raisedFrom = max;
    }
    step = `attaching ${clones.join(', ')} to ${name}`;
    await attach(ctx, asg, name, clones);
    attached = true;
    step = `waiting for ${clones.join(', ')} to be InService in ${name}`;
    await ctx.progress?.(`Attached ${clones.join(', ')} to ${name}; waiting for InService...`);
    await waitInService(ctx, asg, name, clones);
    step = `detaching ${olds.join(', ')} from ${name}`;
    await detach(ctx, asg, name, olds);
  } catch (cause) {
    // Compensation: an attached clone leaves with a decrement (desired back to N), then goes.
    let undone = '';
    if (attached) {
      try {
        await detach(ctx, asg, name, clones);
        undone = `detached ${clones.join(', ')}; `;
      } catch (err) {
        undone = `detaching ${clones.join(', ')} failed (${describeError(err)}); `;
      }
    }
    undone += await terminateQuietly(ctx, ec2, clones);
    const restored = await restoreMax();
    throw fail(step, restored ? `${undone}; ${restored}` : undone, cause);
  }

  // 3. The old instances are out of the group; capacity is held by the clones.
  const restored = await restoreMax();
  await attempting(
    `waiting for ${olds.join(', ')} to leave ${name} (they are detached; terminate them by hand)`,
    () => waitDetached(ctx, asg, name, olds),
  );
  await attempting(`terminating ${olds.join(', ')} (detached from ${name}; terminate them by hand)`, () =>
    terminate(ctx, ec2, olds),
  );
  if (restored) throw new Error(`swapped ${olds.join(', ')} in ${name}, but ${restored}`);
  await ctx.progress?.(`Swapped ${olds.join(', ')} for ${clones.join(', ')} in ${name}.`);
  return batch.map((t, i) => ({
    oldInstanceId: t.instanceId,
    cloneId: clones[i] as string,
    availabilityZone: t.az,
  }));
}

function describeSwap(p: SpotAsgSwapParams): string {
  return `${p.instanceType ? `${p.instanceType}, ` : ''}max ${formatPrice(p.maxPrice)}`;
}

export const spotAsgSwap: Executor<SpotAsgSwapParams, SpotAsgSwapUndo> = {
  kind: 'spot-asg-swap',
  params,
  permissions: [
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeInstanceRefreshes',
    ...GROUP_PREFLIGHT_PERMISSIONS,
    'autoscaling:UpdateAutoScalingGroup',
    'autoscaling:AttachInstances',
    'autoscaling:DetachInstances',
    'ec2:DescribeInstances',
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeSubnets',
    'ec2:DescribeInstanceStatus',
    'ec2:RunInstances',
    'ec2:CreateTags',
    'iam:PassRole',
    'ec2:TerminateInstances',
  ],
  rollbackNote:
    'No rollback: the old On-Demand instances are terminated once their Spot clones are InService. The launch template is unchanged, so the group launches On-Demand again as it replaces instances.',

  // Production capacity moves to an interruptible market.
  risk: (_p, account) => (account.environment === 'PROD' ? 'CRITICAL' : 'HIGH'),

  describe: (p) =>
    `Swap the On-Demand instances of ${p.groupName} to Spot (${describeSwap(p)}, ${p.batchSize ?? 1} at a time)`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const planned = await plan(ctx, p);
      if (!isPlan(planned)) return planned;
      const group = await checkGroupPreflight(ctx, p.groupName);
      if (!group.ok) return group;
      return checkClonePlan(ctx, planned, p.maxPrice);
    }),

  async execute(ctx, p) {
    const planned = await attempting(`planning the Spot swap of ${p.groupName}`, () => plan(ctx, p));
    if (!isPlan(planned))
      throw new Error(`swapping ${p.groupName} to Spot: ${(planned as { reason: string }).reason}`);
    const olds = planned.targets.map((t) => t.instanceId);
    const what = `${olds.length} On-Demand instance${olds.length > 1 ? 's' : ''} of ${p.groupName} (${olds.join(', ')}) to Spot (${describeSwap(p)})`;

    if (ctx.dryRun) {
      await rehearseClones(ctx, planned, p.maxPrice);
      return { summary: `Would have swapped ${what} (dry run)` };
    }

    const size = p.batchSize ?? 1;
    const swaps: Swap[] = [];
    for (let i = 0; i < planned.targets.length; i += size) {
      const batch = planned.targets.slice(i, i + size);
      try {
        swaps.push(...(await swapBatch(ctx, p, planned, batch)));
      } catch (err) {
        if (swaps.length === 0) throw err;
        const done = swaps.map((s) => `${s.oldInstanceId} -> ${s.cloneId}`).join(', ');
        throw new Error(`already swapped ${done}; then`, { cause: err });
      }
    }
    return {
      summary: `Swapped ${what}: ${swaps.map((s) => `${s.oldInstanceId} -> ${s.cloneId}`).join(', ')}`,
      undo: { swaps },
    };
  },

  async verify(ctx, p) {
    const swapped = await verifyGroupSwapped(ctx, p.groupName);
    return swapped.ok ? OK : swapped;
  },
};
