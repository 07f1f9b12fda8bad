// Before an Auto Scaling group is offered for a Spot swap: can the swap run at all, and what
// should the approver know? Read-only. The swap launches a clone from the group's launch template
// in a group subnet of the old instance's AZ, attaches it, detaches the old one and terminates it,
// so it needs: a subnet per AZ, a launch template, no instance refresh, no warm pool (scale-outs
// would come back On-Demand from it), no terminating lifecycle hook (a detached instance is
// terminated outside the group: the hook would be skipped), and Launch/Terminate/AddToLoadBalancer
// not suspended (someone froze the group, or the clone would get no traffic).
import type { AutoScalingClient, AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { awsErrorCode } from '../lib/errors.js';
import { findGroup, groupSubnets, instanceRefreshInProgress, launchTemplateOf } from './asg.js';
import { autoScalingSdk, ec2Sdk } from './sdk.js';

export interface PreflightFinding {
  code: string;
  title: string;
  objects: string[];
}

export interface AsgPreflight {
  /** Why the swap cannot run; empty = it can. */
  refusals: PreflightFinding[];
  /** Facts that do not stop it ("subnets: us-east-1a subnet-1, ..."). */
  notes: string[];
}

/** Suspended processes that stop the swap. */
const BLOCKING_PROCESSES = ['Launch', 'Terminate', 'AddToLoadBalancer'];

export const ASG_PREFLIGHT_PERMISSIONS = [
  'autoscaling:DescribeAutoScalingGroups',
  'autoscaling:DescribeInstanceRefreshes',
  'autoscaling:DescribeWarmPool',
  'autoscaling:DescribeLifecycleHooks',
  'ec2:DescribeSubnets',
] as const;

/** A read the role may lack: the card says it could not check rather than failing the evaluation. */
async function optional<T>(read: () => Promise<T>): Promise<T | 'denied'> {
  try {
    return await read();
  } catch (err) {
    const code = awsErrorCode(err) ?? '';
    if (code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'UnauthorizedOperation')
      return 'denied';
    throw err;
  }
}

/** The AZs the group's On-Demand instances run in: each needs a subnet for its clone. */
function instanceAzs(group: AutoScalingGroup): string[] {
  return [
    ...new Set((group.Instances ?? []).flatMap((i) => (i.AvailabilityZone ? [i.AvailabilityZone] : []))),
  ].sort();
}

export async function asgPreflight(
  asg: AutoScalingClient,
  ec2: EC2Client,
  groupName: string,
  known?: AutoScalingGroup,
): Promise<AsgPreflight> {
  const refusals: PreflightFinding[] = [];
  const notes: string[] = [];
  const group = known ?? (await findGroup(asg, groupName));
  if (!group)
    return {
      refusals: [{ code: 'no-group', title: 'the group no longer exists', objects: [groupName] }],
      notes,
    };

  // Subnets per AZ.
  const subnets = groupSubnets(group);
  const azs = instanceAzs(group);
  if (subnets.length === 0) {
    refusals.push({
      code: 'no-subnets',
      title: `defined by AvailabilityZones only (${(group.AvailabilityZones ?? []).join(', ') || 'none'}), no subnets: a clone needs a subnet in its instance's AZ`,
      objects: [],
    });
  } else {
    const out = await ec2.send(new ec2Sdk.DescribeSubnetsCommand({ SubnetIds: subnets }));
    const byAz = new Map<string, string[]>();
    for (const s of out.Subnets ?? [])
      if (s.AvailabilityZone && s.SubnetId)
        byAz.set(s.AvailabilityZone, [...(byAz.get(s.AvailabilityZone) ?? []), s.SubnetId]);
    const missing = azs.filter((az) => !byAz.has(az));
    if (missing.length > 0)
      refusals.push({
        code: 'no-subnet-in-az',
        title: 'instances run in AZs where the group has no subnet',
        objects: missing,
      });
    notes.push(
      `Subnets: ${[...byAz]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([az, ids]) => `${az} ${ids.join(', ')}`)
        .join('; ')}`,
    );
  }

  // Launch template vs launch configuration, mixed instances policy.
  const template = launchTemplateOf(group);
  if (group.LaunchConfigurationName)
    refusals.push({
      code: 'launch-configuration',
      title: 'launches from a launch configuration; a clone needs a launch template',
      objects: [group.LaunchConfigurationName],
    });
  else if (!template?.LaunchTemplateId && !template?.LaunchTemplateName)
    refusals.push({ code: 'no-launch-template', title: 'has no launch template', objects: [] });
  else
    notes.push(
      `Launch template ${template.LaunchTemplateName ?? template.LaunchTemplateId} (version ${template.Version ?? '$Default'})`,
    );
  const mixed = group.MixedInstancesPolicy?.InstancesDistribution;
  if (group.MixedInstancesPolicy)
    notes.push(
      `Mixed instances policy: On-Demand base ${mixed?.OnDemandBaseCapacity ?? 0}, ${mixed?.OnDemandPercentageAboveBaseCapacity ?? 100}% On-Demand above it; new launches follow the policy, not the swap`,
    );

  // Suspended processes.
  const suspended = (group.SuspendedProcesses ?? []).flatMap((p) => (p.ProcessName ? [p.ProcessName] : []));
  const blocking = suspended.filter((p) => BLOCKING_PROCESSES.includes(p));
  if (blocking.length > 0)
    refusals.push({
      code: 'suspended-processes',
      title: 'processes the swap needs are suspended',
      objects: blocking,
    });
  const other = suspended.filter((p) => !BLOCKING_PROCESSES.includes(p));
  if (other.length > 0) notes.push(`Suspended: ${other.join(', ')}`);

  // Instance refresh, warm pool, lifecycle hooks.
  if (await instanceRefreshInProgress(asg, groupName))
    refusals.push({ code: 'instance-refresh', title: 'an instance refresh is in progress', objects: [] });
  const warm = await optional(() =>
    asg.send(new autoScalingSdk.DescribeWarmPoolCommand({ AutoScalingGroupName: groupName })),
  );
  if (warm === 'denied') notes.push('Warm pool not checked (the role lacks autoscaling:DescribeWarmPool)');
  else if (warm.WarmPoolConfiguration)
    refusals.push({
      code: 'warm-pool',
      title: 'has a warm pool: scale-outs would come back On-Demand from it',
      objects: [
        `${warm.Instances?.length ?? 0} warm instance(s), state ${warm.WarmPoolConfiguration.PoolState ?? '?'}`,
      ],
    });
  const hooks = await optional(() =>
    asg.send(new autoScalingSdk.DescribeLifecycleHooksCommand({ AutoScalingGroupName: groupName })),
  );
  if (hooks === 'denied')
    notes.push('Lifecycle hooks not checked (the role lacks autoscaling:DescribeLifecycleHooks)');
  else {
    const all = hooks.LifecycleHooks ?? [];
    const terminating = all.filter((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_TERMINATING');
    if (terminating.length > 0)
      refusals.push({
        code: 'terminating-hook',
        title:
          'terminating lifecycle hooks would be skipped (the old instance is detached before it is terminated)',
        objects: terminating.map((h) => h.LifecycleHookName ?? '?'),
      });
    const launching = all.filter((h) => h.LifecycleTransition === 'autoscaling:EC2_INSTANCE_LAUNCHING');
    if (launching.length > 0)
      notes.push(
        `Launching lifecycle hooks: ${launching.map((h) => h.LifecycleHookName).join(', ')} (check that they accept attached instances)`,
      );
  }
  return { refusals, notes };
}
