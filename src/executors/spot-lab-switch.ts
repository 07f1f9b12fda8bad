// spot-lab-switch: moves one On-Demand instance to Spot by cloning it (lab mode). Make before
// break: AMI of the instance -> Spot clone in the same subnet with the same security groups,
// profile, key and tags -> clone running and healthy -> Elastic IP moved -> old instance
// terminated. Any failure before the Elastic IP has moved terminates the clone and leaves the
// old instance untouched. No rollback once the old instance is gone; its AMI is kept.
import type { Address, EC2Client, Image, Instance, Tag } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { findAddress, findInstance, isPermissionDenied } from '../aws/ec2-lookup.js';
import { isGone } from '../aws/instances.js';
import {
  cloneLaunchInput,
  describeLaunchSource,
  LAUNCH_SOURCE_PERMISSIONS,
  type LaunchSource,
} from '../aws/launch-spec.js';
import { tagMap } from '../aws/paginate.js';
import { ec2Sdk } from '../aws/sdk.js';
import {
  azIdOf,
  cloneTags,
  formatPrice,
  type LaunchInput,
  launchOne,
  poisonedPoolVerdict,
  REPLACES_TAG,
  spotMarketOptions,
  terminate,
  waitHealthy,
} from '../aws/spot-launch.js';
import { waitImageAvailable } from '../aws/spot-waiters.js';
import { findTaggedImages, findTaggedInstances } from '../aws/tagged.js';
import { attempting, DryRunRefusal, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import { awsErrorCode, describeError, PermissionError } from '../lib/errors.js';
import { describeImage, leftBehindNote } from './shared/lab-clone.js';
import { clientToken, isStepControl, step, stepTags } from './steps.js';
import type { Executor, ExecutorContext, Verdict } from './types.js';

const params = z.object({
  instanceId: z.string().min(1),
  /** AZ name of the instance: lab mode keeps the subnet, so this is where the clone runs. */
  targetAz: z.string().min(1),
  instanceType: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'an instance type such as m5.large'),
  /** USD per hour; the recommendation caps it at the On-Demand price. */
  maxPrice: z.number().positive(),
});
export type SpotLabSwitchParams = z.infer<typeof params>;
export interface SpotLabSwitchUndo {
  imageId: string;
  cloneId: string;
  oldInstanceId: string;
  allocationId?: string;
}

const EKS_TAG = /^(eks:cluster-name|eks:nodegroup-name|aws:eks:cluster-name|kubernetes\.io\/cluster\/.+)$/;

/** Why this instance cannot be cloned to Spot in lab mode, or undefined. */
function ineligible(instance: Instance, p: SpotLabSwitchParams): Verdict | undefined {
  const id = p.instanceId;
  if (instance.InstanceLifecycle) return stale(`${id} is already a ${instance.InstanceLifecycle} instance`);
  const state = instance.State?.Name;
  if (state === 'pending') return { ok: false, reason: `${id} is pending; try again once it runs` };
  if (state !== 'running') return stale(`${id} is ${state}, not running`);
  const tags = tagMap(instance.Tags);
  const group = tags['aws:autoscaling:groupName'];
  if (group)
    return { ok: false, reason: `${id} belongs to Auto Scaling group ${group}; swap the group instead` };
  if (Object.keys(tags).some((k) => EKS_TAG.test(k)))
    return { ok: false, reason: `${id} is an EKS node; replace it through its node group` };
  if (instance.RootDeviceType !== 'ebs')
    return {
      ok: false,
      reason: `${id} has an ${instance.RootDeviceType ?? 'unknown'} root device; only EBS-backed instances can be cloned`,
    };
  const az = instance.Placement?.AvailabilityZone;
  if (az !== p.targetAz)
    return { ok: false, reason: `${id} is in ${az}, not ${p.targetAz}; lab mode keeps the subnet` };
  if (!instance.SubnetId) return { ok: false, reason: `${id} is not in a VPC subnet` };
  return undefined;
}

/** The Elastic IP on the instance's primary private address (or its only one), if any. */
async function elasticIpOf(ec2: EC2Client, instance: Instance): Promise<Address | undefined> {
  try {
    const out = await ec2.send(
      new ec2Sdk.DescribeAddressesCommand({
        Filters: [{ Name: 'instance-id', Values: [instance.InstanceId ?? ''] }],
      }),
    );
    const mine = (out.Addresses ?? []).filter((a) => a.InstanceId === instance.InstanceId && a.AllocationId);
    return mine.find((a) => a.PrivateIpAddress === instance.PrivateIpAddress) ?? mine[0];
  } catch (err) {
    if (isPermissionDenied(err))
      throw new PermissionError('ec2:DescribeAddresses', undefined, { cause: err });
    throw new Error(`looking up the Elastic IP of ${instance.InstanceId}`, { cause: err });
  }
}

/** On the clone: the Elastic IP it should carry, so verify can check it without the undo. */
const EIP_TAG = 'spotops:elastic-ip';

/**
 * The clone: every volume (through the AMI's snapshots), network interfaces, security groups,
 * profile, key, user data, tags, placement group, hibernation and metadata options
 * (aws/launch-spec.ts); Spot at maxPrice.
 */
function cloneInput(
  src: LaunchSource,
  p: SpotLabSwitchParams,
  imageId: string,
  allocationId?: string,
  image?: Image,
  extraTags: Tag[] = [],
): LaunchInput {
  const tags = [...cloneTags(src.instance.Tags, p.instanceId), ...extraTags];
  if (allocationId) tags.push({ Key: EIP_TAG, Value: allocationId });
  return cloneLaunchInput(src, {
    instanceType: p.instanceType,
    imageId,
    image,
    tags,
    market: spotMarketOptions(p.maxPrice),
  });
}

function imageName(instanceId: string, at: Date): string {
  return `spotops-${instanceId}-${at.toISOString().replace(/[:.]/g, '-')}`;
}

function createImage(ctx: ExecutorContext, ec2: EC2Client, instanceId: string) {
  const tags = [{ Key: 'spotops:source-instance', Value: instanceId }, ...stepTags(ctx, 'create-image')];
  return mutateEc2(ctx, 'ec2:CreateImage', (dryRun) =>
    ec2.send(
      new ec2Sdk.CreateImageCommand({
        InstanceId: instanceId,
        Name: imageName(instanceId, ctx.clock.now()),
        Description: `spotops: ${instanceId} before its move to Spot`,
        // The instance keeps serving: lab mode accepts a crash-consistent image over a reboot.
        NoReboot: true,
        TagSpecifications: [
          { ResourceType: 'image', Tags: tags },
          { ResourceType: 'snapshot', Tags: tags },
        ],
        DryRun: dryRun,
      }),
    ),
  );
}

/**
 * DryRun of the clone's launch. Before the AMI exists the instance's own AMI stands in; if that one
 * has been deregistered the check is inconclusive (the live launch DryRuns again with the new AMI).
 */
async function checkCloneLaunch(ec2: EC2Client, src: LaunchSource, p: SpotLabSwitchParams): Promise<void> {
  try {
    await dryRunCheck('ec2:RunInstances', () =>
      ec2.send(
        new ec2Sdk.RunInstancesCommand({
          ...cloneInput(src, p, src.instance.ImageId ?? ''),
          MinCount: 1,
          MaxCount: 1,
          DryRun: true,
        }),
      ),
    );
  } catch (err) {
    if (err instanceof DryRunRefusal && (awsErrorCode(err.cause) ?? '').startsWith('InvalidAMIID')) return;
    throw err;
  }
}

function associate(ctx: ExecutorContext, ec2: EC2Client, allocationId: string, instanceId: string) {
  return mutateEc2(ctx, 'ec2:AssociateAddress', (dryRun) =>
    ec2.send(
      new ec2Sdk.AssociateAddressCommand({
        AllocationId: allocationId,
        InstanceId: instanceId,
        AllowReassociation: true,
        DryRun: dryRun,
      }),
    ),
  );
}

/** Terminates the clone after a failed step; says what happened for the error message. */
async function discardClone(ctx: ExecutorContext, ec2: EC2Client, cloneId: string): Promise<string> {
  try {
    await terminate(ctx, ec2, [cloneId]);
    return `terminated the clone ${cloneId}`;
  } catch (err) {
    ctx.log.error({ err, cloneId }, 'terminating the clone after a failed lab switch failed');
    return `terminating the clone ${cloneId} failed too (${describeError(err)}); terminate it by hand`;
  }
}

export const spotLabSwitch: Executor<SpotLabSwitchParams, SpotLabSwitchUndo> = {
  kind: 'spot-lab-switch',
  params,
  permissions: [
    'ec2:DescribeInstances',
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeAddresses',
    'ec2:DescribeImages',
    ...LAUNCH_SOURCE_PERMISSIONS,
    'ec2:DescribeInstanceStatus',
    'ec2:CreateImage',
    'ec2:CreateTags',
    'ec2:RunInstances',
    'iam:PassRole',
    'ec2:AssociateAddress',
    'ec2:TerminateInstances',
  ],
  rollbackNote:
    'No rollback: the old instance is terminated once the Spot clone runs. Its AMI is kept for a manual restore.',

  // A new instance replaces the old one (new private IP, interruptible): never routine.
  risk: (_p, account) => (account.environment === 'PROD' ? 'HIGH' : 'MEDIUM'),

  describe: (p) => `Move ${p.instanceId} to Spot (${p.instanceType}, max ${formatPrice(p.maxPrice)})`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const instance = await findInstance(ec2, p.instanceId);
      if (!instance || isGone(instance)) return stale(`${p.instanceId} no longer exists`);
      const refused = ineligible(instance, p);
      if (refused) return refused;
      const pool = { region: ctx.region, az: await azIdOf(ec2, instance), instanceType: p.instanceType };
      const poisoned = await poisonedPoolVerdict(ctx.poolGuard, [pool]);
      if (poisoned) return poisoned;
      await dryRunCheck('ec2:CreateImage', () =>
        ec2.send(
          new ec2Sdk.CreateImageCommand({
            InstanceId: p.instanceId,
            Name: imageName(p.instanceId, ctx.clock.now()),
            NoReboot: true,
            DryRun: true,
          }),
        ),
      );
      await checkCloneLaunch(ec2, await describeLaunchSource(ec2, instance), p);
      const address = await elasticIpOf(ec2, instance);
      if (address?.AllocationId) {
        // The clone does not exist yet: the old instance stands in to check the permission.
        await dryRunCheck('ec2:AssociateAddress', () =>
          ec2.send(
            new ec2Sdk.AssociateAddressCommand({
              AllocationId: address.AllocationId,
              InstanceId: p.instanceId,
              AllowReassociation: true,
              DryRun: true,
            }),
          ),
        );
      }
      await dryRunCheck('ec2:TerminateInstances', () =>
        ec2.send(new ec2Sdk.TerminateInstancesCommand({ InstanceIds: [p.instanceId], DryRun: true })),
      );
      return OK;
    }),

  // Durable steps: image -> image available -> launch clone -> clone healthy -> move EIP ->
  // terminate old. Each finds its own earlier work after a crash (tags, ClientToken, state checks).
  resumable: true,

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const move = `${p.instanceId} to Spot (${p.instanceType}, max ${formatPrice(p.maxPrice)})`;
    // What the old instance looked like when the move began: later steps must not re-read it
    // (after the break it is gone, and the Elastic IP is on the clone).
    const before = await step<{ src: LaunchSource; allocationId: string | null; publicIp: string | null }>(
      ctx,
      {
        name: 'inspect',
        run: async () => {
          const instance = await findInstance(ec2, p.instanceId);
          if (!instance || isGone(instance))
            throw new Error(`moving ${p.instanceId} to Spot: it no longer exists`);
          const address = await elasticIpOf(ec2, instance);
          const src = await attempting(`reading the volumes and user data of ${p.instanceId}`, () =>
            describeLaunchSource(ec2, instance),
          );
          return {
            src,
            allocationId: address?.AllocationId ?? null,
            publicIp: address?.PublicIp ?? null,
          };
        },
      },
    );
    const { src } = before;
    const allocationId = before.allocationId ?? undefined;

    // 1. The AMI: the clone's disks, and the way back once the old instance is gone.
    const image = await step<{ imageId: string | null }>(ctx, {
      name: 'create-image',
      run: async (again) => {
        if (again) {
          const [made] = await findTaggedImages(ec2, stepTags(ctx, 'create-image'));
          if (made?.ImageId) return { imageId: made.ImageId };
        }
        const res = await attempting(`creating an AMI of ${p.instanceId}`, () =>
          createImage(ctx, ec2, p.instanceId),
        );
        if (res.dryRun) return { imageId: null };
        if (!res.result.ImageId)
          throw new Error(`creating an AMI of ${p.instanceId}: CreateImage answered without an ImageId`);
        return { imageId: res.result.ImageId };
      },
      compensate: async ({ imageId }) =>
        imageId ? `kept the AMI ${imageId} of ${p.instanceId}` : 'no AMI was made',
    });
    if (!image.imageId) {
      // Only DryRun requests from here: each primitive checks and returns without mutating.
      await attempting(`launching the Spot clone of ${p.instanceId}`, () => checkCloneLaunch(ec2, src, p));
      if (allocationId)
        await attempting(`moving ${before.publicIp}`, () => associate(ctx, ec2, allocationId, p.instanceId));
      await attempting(`terminating ${p.instanceId}`, () => terminate(ctx, ec2, [p.instanceId]));
      return { summary: `Would have moved ${move} (dry run)` };
    }
    const imageId = image.imageId;
    await step(ctx, {
      name: 'image-available',
      run: () =>
        attempting(`waiting for the AMI ${imageId} of ${p.instanceId}`, async () => {
          await ctx.progress?.(
            `Creating AMI ${imageId} of ${p.instanceId}; waiting for it to become available...`,
          );
          await waitImageAvailable(ctx, ec2, imageId);
          await ctx.progress?.(`AMI ${imageId} is available.`);
        }),
    });
    const ami = await attempting(`reading the AMI ${imageId}`, () => describeImage(ec2, imageId));

    // 2. The clone. Errors before it exists need no compensation: the old instance was not touched.
    const { cloneId } = await step<{ cloneId: string }>(ctx, {
      name: 'launch-clone',
      run: async (again) => {
        if (again) {
          const [found] = await findTaggedInstances(ec2, stepTags(ctx, 'launch-clone'));
          if (found?.InstanceId) {
            await ctx.progress?.(
              `Found the Spot clone ${found.InstanceId} of ${p.instanceId} launched before the restart; using it.`,
            );
            return { cloneId: found.InstanceId };
          }
        }
        const input = cloneInput(src, p, imageId, allocationId, ami, stepTags(ctx, 'launch-clone'));
        const id = await attempting(`launching the Spot clone of ${p.instanceId} from ${imageId}`, () =>
          launchOne(ctx, ec2, { ...input, ClientToken: clientToken(ctx, 'launch-clone') }),
        );
        if (!id) throw new Error(`launching the Spot clone of ${p.instanceId}: no instance id`);
        await ctx.progress?.(`Launched the Spot clone ${id} of ${p.instanceId}.`);
        return { cloneId: id };
      },
      compensate: async ({ cloneId }) => discardClone(ctx, ec2, cloneId),
    });

    // 3-4. IMPORTANT: make before break. Until the Elastic IP is on the clone, the old instance
    // is the one serving: any failure terminates the clone and leaves the old instance untouched.
    let doing = `waiting for the clone ${cloneId} to become healthy`;
    try {
      await step(ctx, { name: 'clone-healthy', run: () => waitHealthy(ctx, ec2, cloneId) });
      if (allocationId) {
        doing = `moving ${before.publicIp} (${allocationId}) to ${cloneId}`;
        await step(ctx, {
          name: 'move-eip',
          run: async (again) => {
            if (again && (await findAddress(ec2, allocationId))?.InstanceId === cloneId) {
              await ctx.progress?.(`${before.publicIp} is already on ${cloneId} (moved before the restart).`);
              return;
            }
            await associate(ctx, ec2, allocationId, cloneId);
            await ctx.progress?.(`Moved ${before.publicIp} to ${cloneId}.`);
          },
          compensate: async () => {
            await associate(ctx, ec2, allocationId, p.instanceId);
            return `moved ${before.publicIp} back to ${p.instanceId}`;
          },
        });
      }
    } catch (cause) {
      if (isStepControl(cause)) throw cause;
      const undone = await discardClone(ctx, ec2, cloneId);
      throw new Error(
        `moving ${p.instanceId} to Spot failed while ${doing}; ${undone}; ${p.instanceId} is untouched (AMI ${imageId} kept)`,
        { cause },
      );
    }

    // 5. Break: the clone serves now.
    await step(ctx, {
      name: 'terminate-old',
      run: async (again) => {
        if (again && isGone(await findInstance(ec2, p.instanceId))) return;
        await attempting(
          `terminating ${p.instanceId} (its Spot clone ${cloneId} is running${allocationId ? ' with its Elastic IP' : ''})`,
          () => terminate(ctx, ec2, [p.instanceId]),
        );
      },
    });
    const eip = allocationId ? `, moved ${before.publicIp}` : '';
    const volumes = `${src.volumes.length} volume${src.volumes.length === 1 ? '' : 's'} restored from the AMI's snapshots`;
    const left = leftBehindNote(ctx.region, src, cloneId, imageId);
    if (left) await ctx.progress?.(`${left}.`);
    return {
      summary: `Moved ${move}: ${cloneId} replaces ${p.instanceId}${eip}; ${volumes}; AMI ${imageId} kept${left ? `. ${left}` : ''}`,
      undo: { imageId, cloneId, oldInstanceId: p.instanceId, ...(allocationId ? { allocationId } : {}) },
    };
  },

  async verify(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const out = await ec2.send(
      new ec2Sdk.DescribeInstancesCommand({
        Filters: [
          { Name: `tag:${REPLACES_TAG}`, Values: [p.instanceId] },
          { Name: 'instance-state-name', Values: ['pending', 'running'] },
        ],
      }),
    );
    const clone = out.Reservations?.flatMap((r) => r.Instances ?? []).find(
      (i) => i.InstanceId !== p.instanceId && i.State?.Name === 'running',
    );
    if (!clone?.InstanceId) return { ok: false, reason: `no running clone of ${p.instanceId} was found` };
    if (clone.InstanceLifecycle !== 'spot')
      return {
        ok: false,
        reason: `${clone.InstanceId} is ${clone.InstanceLifecycle ?? 'On-Demand'}, not Spot`,
      };
    const old = await findInstance(ec2, p.instanceId);
    if (!isGone(old)) return { ok: false, reason: `${p.instanceId} is ${old?.State?.Name}, not terminated` };
    const allocationId = tagMap(clone.Tags)[EIP_TAG];
    if (allocationId) {
      const address = await findAddress(ec2, allocationId);
      if (address?.InstanceId !== clone.InstanceId) {
        return { ok: false, reason: `${address?.PublicIp ?? allocationId} is not on ${clone.InstanceId}` };
      }
    }
    return OK;
  },
};
