// Auto Scaling building blocks for the ASG swap: read a group and its instance refreshes, find its
// launch template and a subnet per AZ, and change it (max size, attach, detach) through the
// no-DryRun primitive (Auto Scaling has no DryRun: in dry-run mode nothing is sent).
import type {
  AutoScalingClient,
  AutoScalingGroup,
  LaunchTemplateSpecification,
} from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { PermissionError } from '../lib/errors.js';
import { type MutationContext, mutateWithoutDryRun } from './dry-run.js';
import { isPermissionDenied } from './ec2-lookup.js';
import { autoScalingSdk, ec2Sdk } from './sdk.js';
import { pollUntil } from './spot-waiters.js';
import type { WaitContext } from './waiters.js';

async function reading<T>(action: string, what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (isPermissionDenied(err)) throw new PermissionError(action, undefined, { cause: err });
    throw new Error(`describing ${what}`, { cause: err });
  }
}

export async function findGroup(
  asg: AutoScalingClient,
  groupName: string,
): Promise<AutoScalingGroup | undefined> {
  const out = await reading('autoscaling:DescribeAutoScalingGroups', groupName, () =>
    asg.send(new autoScalingSdk.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] })),
  );
  return out.AutoScalingGroups?.find((g) => g.AutoScalingGroupName === groupName);
}

/** Refresh states during which the group replaces instances itself. */
const REFRESHING = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress', 'Baking']);

export async function instanceRefreshInProgress(asg: AutoScalingClient, groupName: string): Promise<boolean> {
  const out = await reading(
    'autoscaling:DescribeInstanceRefreshes',
    `instance refreshes of ${groupName}`,
    () => asg.send(new autoScalingSdk.DescribeInstanceRefreshesCommand({ AutoScalingGroupName: groupName })),
  );
  return (out.InstanceRefreshes ?? []).some((r) => REFRESHING.has(r.Status ?? ''));
}

/** The launch template the group launches from (directly or through a mixed instances policy). */
export function launchTemplateOf(group: AutoScalingGroup): LaunchTemplateSpecification | undefined {
  return group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
}

export function inService(group: AutoScalingGroup): string[] {
  return (group.Instances ?? []).flatMap((i) =>
    i.LifecycleState === 'InService' && i.InstanceId ? [i.InstanceId] : [],
  );
}

export function groupSubnets(group: AutoScalingGroup): string[] {
  return (group.VPCZoneIdentifier ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * A subnet of the group in the given AZ: the old instance's own when the group still lists it,
 * else the first group subnet EC2 places in that AZ.
 */
export async function subnetInAz(
  ec2: EC2Client,
  group: AutoScalingGroup,
  az: string,
  preferred?: string,
): Promise<string | undefined> {
  const subnets = groupSubnets(group);
  if (preferred && subnets.includes(preferred)) return preferred;
  if (subnets.length === 0) return undefined;
  const out = await reading('ec2:DescribeSubnets', `subnets of ${group.AutoScalingGroupName}`, () =>
    ec2.send(new ec2Sdk.DescribeSubnetsCommand({ SubnetIds: subnets })),
  );
  return out.Subnets?.find((s) => s.AvailabilityZone === az)?.SubnetId;
}

export function setMaxSize(ctx: MutationContext, asg: AutoScalingClient, groupName: string, maxSize: number) {
  return mutateWithoutDryRun(ctx, 'autoscaling:UpdateAutoScalingGroup', () =>
    asg.send(
      new autoScalingSdk.UpdateAutoScalingGroupCommand({ AutoScalingGroupName: groupName, MaxSize: maxSize }),
    ),
  );
}

/** Attach raises desired capacity by the number of instances. */
export function attach(
  ctx: MutationContext,
  asg: AutoScalingClient,
  groupName: string,
  instanceIds: string[],
) {
  return mutateWithoutDryRun(ctx, 'autoscaling:AttachInstances', () =>
    asg.send(
      new autoScalingSdk.AttachInstancesCommand({
        AutoScalingGroupName: groupName,
        InstanceIds: instanceIds,
      }),
    ),
  );
}

/** Detach with decrement: desired capacity drops by the number of instances, nothing is launched. */
export function detach(
  ctx: MutationContext,
  asg: AutoScalingClient,
  groupName: string,
  instanceIds: string[],
) {
  return mutateWithoutDryRun(ctx, 'autoscaling:DetachInstances', () =>
    asg.send(
      new autoScalingSdk.DetachInstancesCommand({
        AutoScalingGroupName: groupName,
        InstanceIds: instanceIds,
        ShouldDecrementDesiredCapacity: true,
      }),
    ),
  );
}

async function current(asg: AutoScalingClient, groupName: string): Promise<AutoScalingGroup> {
  const group = await findGroup(asg, groupName);
  if (!group) throw new Error(`${groupName} no longer exists`);
  return group;
}

/** Until every one of the instances is InService in the group (lifecycle hooks included). */
export async function waitInService(
  ctx: WaitContext,
  asg: AutoScalingClient,
  groupName: string,
  instanceIds: readonly string[],
): Promise<void> {
  await pollUntil(ctx, `${instanceIds.join(', ')} to be InService in ${groupName}`, async () => {
    const ready = new Set(inService(await current(asg, groupName)));
    return instanceIds.every((id) => ready.has(id));
  });
}

/** Until the group no longer lists any of the instances (detaching drains load balancers first). */
export async function waitDetached(
  ctx: WaitContext,
  asg: AutoScalingClient,
  groupName: string,
  instanceIds: readonly string[],
): Promise<void> {
  await pollUntil(ctx, `${instanceIds.join(', ')} to leave ${groupName}`, async () => {
    const listed = new Set((await current(asg, groupName)).Instances?.map((i) => i.InstanceId));
    return instanceIds.every((id) => !listed.has(id));
  });
}
