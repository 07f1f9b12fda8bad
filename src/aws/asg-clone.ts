// Planning Spot clones of an Auto Scaling group's On-Demand InService instances, shared by the
// ASG swap and the EKS node replacement: which instances, in which subnet and AZ (ID), and the
// RunInstances input that clones one from the group's own launch template.
import type { AutoScalingGroup, LaunchTemplateSpecification } from '@aws-sdk/client-auto-scaling';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import type { ExecutorContext, Verdict } from '../executors/types.js';
import { PermissionError } from '../lib/errors.js';
import { findGroup, inService, instanceRefreshInProgress, launchTemplateOf, subnetInAz } from './asg.js';
import { isPermissionDenied } from './ec2-lookup.js';
import { isGone } from './instances.js';
import { tagMap } from './paginate.js';
import { ec2Sdk } from './sdk.js';
import {
  azIdOf,
  cloneTags,
  type LaunchInput,
  launchOne,
  poisonedPoolVerdict,
  REPLACES_TAG,
  spotMarketOptions,
  terminate,
} from './spot-launch.js';
import { attempting, dryRunCheck, OK, stale } from './verdicts.js';

/** One On-Demand instance to replace, and where its clone goes. */
export interface CloneTarget {
  instance: Instance;
  instanceId: string;
  az: string;
  azId: string;
  subnetId: string;
  instanceType: string;
}

export interface ClonePlan<T extends CloneTarget = CloneTarget> {
  group: AutoScalingGroup;
  template: LaunchTemplateSpecification;
  targets: T[];
}

export const isClonePlan = <P extends ClonePlan<CloneTarget>>(x: P | Verdict): x is P => 'targets' in x;

export async function describeInstances(ec2: EC2Client, ids: readonly string[]): Promise<Instance[]> {
  if (ids.length === 0) return [];
  try {
    const out = await ec2.send(new ec2Sdk.DescribeInstancesCommand({ InstanceIds: [...ids] }));
    return out.Reservations?.flatMap((r) => r.Instances ?? []) ?? [];
  } catch (err) {
    if (isPermissionDenied(err))
      throw new PermissionError('ec2:DescribeInstances', undefined, { cause: err });
    throw new Error(`describing ${ids.join(', ')}`, { cause: err });
  }
}

/**
 * The group's On-Demand InService instances and where each clone goes, or why there is nothing
 * to do (stale: the world moved on) or it can never work (no launch template, no subnet).
 */
export async function planClones(
  ctx: ExecutorContext,
  groupName: string,
  instanceType: string | undefined,
): Promise<ClonePlan | Verdict> {
  const asg = ctx.aws.autoScaling(ctx.region);
  const ec2 = ctx.aws.ec2(ctx.region);
  const group = await findGroup(asg, groupName);
  if (!group) return stale(`${groupName} no longer exists`);
  if (await instanceRefreshInProgress(asg, groupName))
    return stale(`paused: instance refresh in progress in ${groupName}`);
  const template = launchTemplateOf(group);
  if (!template?.LaunchTemplateId && !template?.LaunchTemplateName) {
    return {
      ok: false,
      reason: `${groupName} launches from ${group.LaunchConfigurationName ? `launch configuration ${group.LaunchConfigurationName}` : 'no launch template'}; a clone needs a launch template`,
    };
  }
  const running = await describeInstances(ec2, inService(group));
  const onDemand = running.filter((i) => !i.InstanceLifecycle && !isGone(i) && i.InstanceId);
  if (onDemand.length === 0) return stale(`${groupName} has no On-Demand InService instances left`);
  const targets: CloneTarget[] = [];
  for (const instance of onDemand) {
    const az = instance.Placement?.AvailabilityZone ?? '';
    const subnetId = await subnetInAz(ec2, group, az, instance.SubnetId);
    if (!subnetId) {
      return {
        ok: false,
        reason: `${groupName} has no subnet in ${az} for the clone of ${instance.InstanceId}`,
      };
    }
    targets.push({
      instance,
      instanceId: instance.InstanceId as string,
      az,
      azId: await azIdOf(ec2, instance),
      subnetId,
      instanceType: instanceType ?? instance.InstanceType ?? '',
    });
  }
  return { group, template, targets };
}

/** The clone of one target: the group's launch template (its user data, e.g. a node bootstrap), Spot. */
export function cloneInput(plan: ClonePlan<CloneTarget>, t: CloneTarget, maxPrice: number): LaunchInput {
  const { LaunchTemplateId, LaunchTemplateName, Version } = plan.template;
  const tags = cloneTags(t.instance.Tags, t.instanceId);
  return {
    // RunInstances takes the id or the name, not both.
    LaunchTemplate: LaunchTemplateId
      ? { LaunchTemplateId, Version: Version ?? '$Default' }
      : { LaunchTemplateName, Version: Version ?? '$Default' },
    InstanceType: t.instanceType as LaunchInput['InstanceType'],
    SubnetId: t.subnetId,
    InstanceMarketOptions: spotMarketOptions(maxPrice),
    TagSpecifications: [
      { ResourceType: 'instance', Tags: tags },
      { ResourceType: 'volume', Tags: tags },
    ],
  };
}

/** One launch per distinct (subnet, type): what the DryRun of the launches needs to cover. */
export function distinctLaunches<T extends CloneTarget>(plan: ClonePlan<T>): T[] {
  const seen = new Set<string>();
  return plan.targets.filter((t) => {
    const key = `${t.subnetId}|${t.instanceType}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * What every clone plan must pass before it runs: none of its pools is poisoned, and AWS
 * accepts (DryRun) each distinct launch and the termination of the old instances.
 */
export async function checkClonePlan(
  ctx: ExecutorContext,
  plan: ClonePlan<CloneTarget>,
  maxPrice: number,
): Promise<Verdict> {
  const pools = plan.targets.map((t) => ({ region: ctx.region, az: t.azId, instanceType: t.instanceType }));
  const poisoned = await poisonedPoolVerdict(ctx.poolGuard, pools);
  if (poisoned) return poisoned;
  const ec2 = ctx.aws.ec2(ctx.region);
  for (const t of distinctLaunches(plan)) {
    await dryRunCheck('ec2:RunInstances', () =>
      ec2.send(
        new ec2Sdk.RunInstancesCommand({
          ...cloneInput(plan, t, maxPrice),
          MinCount: 1,
          MaxCount: 1,
          DryRun: true,
        }),
      ),
    );
  }
  await dryRunCheck('ec2:TerminateInstances', () =>
    ec2.send(
      new ec2Sdk.TerminateInstancesCommand({
        InstanceIds: plan.targets.map((t) => t.instanceId),
        DryRun: true,
      }),
    ),
  );
  return OK;
}

/**
 * The dry-run path of a clone plan: the launches and the termination go out as DryRun requests
 * only (the primitives decide); Auto Scaling calls, which have no DryRun, are not sent at all.
 */
export async function rehearseClones(
  ctx: ExecutorContext,
  plan: ClonePlan<CloneTarget>,
  maxPrice: number,
): Promise<void> {
  const ec2 = ctx.aws.ec2(ctx.region);
  for (const t of distinctLaunches(plan)) {
    await attempting(`launching a Spot clone in ${t.subnetId}`, () =>
      launchOne(ctx, ec2, cloneInput(plan, t, maxPrice)),
    );
  }
  const olds = plan.targets.map((t) => t.instanceId);
  await attempting(`terminating ${olds.join(', ')}`, () => terminate(ctx, ec2, olds));
}

/**
 * After a swap: InService capacity is at least the desired count, the clones are Spot, and no
 * instance a clone replaces is still InService. Answers the replaced instance ids when it holds.
 */
export async function verifyGroupSwapped(
  ctx: ExecutorContext,
  groupName: string,
): Promise<{ ok: true; replaced: string[] } | { ok: false; reason: string }> {
  const group = await findGroup(ctx.aws.autoScaling(ctx.region), groupName);
  if (!group) return { ok: false, reason: `${groupName} no longer exists` };
  const ids = inService(group);
  const desired = group.DesiredCapacity ?? 0;
  if (ids.length < desired) {
    return {
      ok: false,
      reason: `${groupName} has ${ids.length} InService instances for a desired ${desired}`,
    };
  }
  const instances = await describeInstances(ctx.aws.ec2(ctx.region), ids);
  const clones = instances.filter((i) => tagMap(i.Tags)[REPLACES_TAG]);
  if (clones.length === 0) return { ok: false, reason: `${groupName} has no InService Spot clone` };
  const notSpot = clones.find((c) => c.InstanceLifecycle !== 'spot');
  if (notSpot) return { ok: false, reason: `${notSpot.InstanceId} is not a Spot instance` };
  const replaced = [...new Set(clones.map((c) => tagMap(c.Tags)[REPLACES_TAG] as string))];
  const left = ids.filter((id) => replaced.includes(id));
  if (left.length > 0) return { ok: false, reason: `${left.join(', ')} is still InService in ${groupName}` };
  return { ok: true, replaced };
}
