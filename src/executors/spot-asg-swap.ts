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
import { findTaggedInstances } from '../aws/tagged.js';
import { attempting, guardValidation, OK } from '../aws/verdicts.js';
import { describeError } from '../lib/errors.js';
import { checkGroupPreflight, GROUP_PREFLIGHT_PERMISSIONS } from './shared/group-preflight.js';
import { clientToken, isStepControl, step, stepTags } from './steps.js';
import type { Executor, ExecutorContext, Verdict } from './types.js';

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
  // Step names carry the batch (its old instances): unique within the execution.
  const key = olds.join('+');
  const fail = (step: string, undone: string, cause: unknown) =>
    new Error(
      `swapping ${olds.join(', ')} in ${name} failed while ${step}; ${undone}; ${olds.join(', ')} untouched`,
      {
        cause,
      },
    );

  // 1. Launch the clones and wait until they are healthy. Compensation: terminate them.
  const clones: string[] = [];
  let doing = `launching Spot clones of ${olds.join(', ')}`;
  try {
    for (const t of batch) {
      const stepName = `launch-clone:${t.instanceId}`;
      const { cloneId } = await step<{ cloneId: string }>(ctx, {
        name: stepName,
        run: async (again) => {
          if (again) {
            const [found] = await findTaggedInstances(ec2, stepTags(ctx, stepName));
            if (found?.InstanceId) {
              await ctx.progress?.(
                `Found the Spot clone ${found.InstanceId} of ${t.instanceId} launched before the restart; using it.`,
              );
              return { cloneId: found.InstanceId };
            }
          }
          const input = cloneInput(plan, t, p.maxPrice);
          const tags = stepTags(ctx, stepName);
          const id = await launchOne(ctx, ec2, {
            ...input,
            TagSpecifications: input.TagSpecifications?.map((spec) => ({
              ...spec,
              Tags: [...(spec.Tags ?? []), ...tags],
            })),
            ClientToken: clientToken(ctx, stepName),
          });
          if (!id) throw new Error('RunInstances answered without an instance id');
          await ctx.progress?.(`Launched ${id} to replace ${t.instanceId} in ${name}.`);
          return { cloneId: id };
        },
        compensate: async ({ cloneId }) => terminateQuietly(ctx, ec2, [cloneId]),
      });
      clones.push(cloneId);
    }
    doing = `waiting for ${clones.join(', ')} to become healthy`;
    await step(ctx, {
      name: `clones-healthy:${key}`,
      run: async () => {
        for (const id of clones) await waitHealthy(ctx, ec2, id);
      },
    });
  } catch (cause) {
    if (isStepControl(cause)) throw cause;
    throw fail(doing, await terminateQuietly(ctx, ec2, clones), cause);
  }

  // 2. IMPORTANT: InService capacity never below desired. The clones join (desired N -> N+n) and
  // must be InService before the old instances leave with a decrement (N+n -> N), so the group
  // always has at least N InService instances. MaxSize is raised for the overlap and always restored.
  let raisedFrom: number | undefined;
  const restoreMax = async (): Promise<string | undefined> => {
    if (raisedFrom === undefined) return undefined;
    const from = raisedFrom;
    try {
      await step(ctx, { name: `restore-max:${key}`, run: () => setMaxSize(ctx, asg, name, from) });
      return undefined;
    } catch (err) {
      if (isStepControl(err)) throw err;
      ctx.log.error({ err, name }, 'restoring MaxSize failed');
      return `restoring the MaxSize of ${name} to ${from} failed (${describeError(err)}); set it by hand`;
    }
  };
  let attached = false;
  try {
    doing = `reading ${name}`;
    // Read once and recorded: after a restart the group's max may already be raised by this run.
    const sizes = await step<{ desired: number; max: number }>(ctx, {
      name: `read-group:${key}`,
      run: async () => {
        const group = await findGroup(asg, name);
        if (!group) throw new Error(`${name} no longer exists`);
        return { desired: group.DesiredCapacity ?? 0, max: group.MaxSize ?? 0 };
      },
    });
    if (sizes.desired + clones.length > sizes.max) {
      doing = `raising the MaxSize of ${name} to ${sizes.desired + clones.length}`;
      await step(ctx, {
        name: `raise-max:${key}`,
        run: () => setMaxSize(ctx, asg, name, sizes.desired + clones.length),
        compensate: async () => {
          await setMaxSize(ctx, asg, name, sizes.max);
          return `restored the MaxSize of ${name} to ${sizes.max}`;
        },
      });
      raisedFrom = sizes.max;
    }
    doing = `attaching ${clones.join(', ')} to ${name}`;
    await step(ctx, {
      name: `attach:${key}`,
      run: async (again) => {
        if (again) {
          const listed = new Set((await findGroup(asg, name))?.Instances?.map((i) => i.InstanceId));
          if (clones.every((id) => listed.has(id))) {
            await ctx.progress?.(`${clones.join(', ')} already in ${name} (attached before the restart).`);
            return;
          }
        }
        await attach(ctx, asg, name, clones);
        await ctx.progress?.(`Attached ${clones.join(', ')} to ${name}; waiting for InService...`);
      },
      compensate: async () => {
        await detach(ctx, asg, name, clones);
        return `detached ${clones.join(', ')} from ${name}`;
      },
    });
    attached = true;
    doing = `waiting for ${clones.join(', ')} to be InService in ${name}`;
    await step(ctx, { name: `in-service:${key}`, run: () => waitInService(ctx, asg, name, clones) });
    doing = `detaching ${olds.join(', ')} from ${name}`;
    await step(ctx, {
      name: `detach-old:${key}`,
      run: async (again) => {
        if (again) {
          const listed = new Set((await findGroup(asg, name))?.Instances?.map((i) => i.InstanceId));
          if (olds.every((id) => !listed.has(id))) return;
        }
        await detach(ctx, asg, name, olds);
      },
    });
  } catch (cause) {
    if (isStepControl(cause)) throw cause;
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
    throw fail(doing, restored ? `${undone}; ${restored}` : undone, cause);
  }

  // 3. The old instances are out of the group; capacity is held by the clones.
  const restored = await restoreMax();
  await step(ctx, {
    name: `old-detached:${key}`,
    run: () =>
      attempting(
        `waiting for ${olds.join(', ')} to leave ${name} (they are detached; terminate them by hand)`,
        () => waitDetached(ctx, asg, name, olds),
      ),
  });
  await step(ctx, {
    name: `terminate-old:${key}`,
    run: () =>
      attempting(`terminating ${olds.join(', ')} (detached from ${name}; terminate them by hand)`, () =>
        terminate(ctx, ec2, olds),
      ),
  });
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
  risk: () => 'HIGH', // an ASG swap replaces every On-Demand instance of the group

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

  // Durable steps per batch (launch clones, healthy, attach, InService, detach old, terminate old),
  // each finding its earlier work after a crash; the plan itself is a step, so a resumed run swaps
  // the same instances even though the group has changed since.
  resumable: true,

  async execute(ctx, p) {
    const planned = await step<Plan | Verdict>(ctx, {
      name: 'plan',
      run: () => attempting(`planning the Spot swap of ${p.groupName}`, () => plan(ctx, p)),
    });
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
