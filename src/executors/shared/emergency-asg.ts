// Emergency replacement of an Auto Scaling group member that AWS is about to reclaim: launch a
// replacement from the group's launch template in a healthy pool (On-Demand when none is), wait
// until it is healthy, attach it (desired N -> N+1, max raised for the moment if needed), then
// detach the warned instance with decrement (N+1 -> N) and terminate it. InService capacity never
// drops below desired: the warned instance serves until the replacement is InService. A group with
// Capacity Rebalancing replaces its Spot instances itself, so that case is only reported.
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { EC2Client, Instance, InstanceMarketOptionsRequest } from '@aws-sdk/client-ec2';
import {
  attach,
  detach,
  findGroup,
  groupSubnets,
  launchTemplateOf,
  setMaxSize,
  waitDetached,
  waitInService,
} from '../../aws/asg.js';
import { describeInstances } from '../../aws/asg-clone.js';
import { ec2Sdk } from '../../aws/sdk.js';
import { azIdOf, azIdOfName, cloneTags, launchOne, terminate, waitHealthy } from '../../aws/spot-launch.js';
import { findTaggedInstances } from '../../aws/tagged.js';
import { describeError } from '../../lib/errors.js';
import { clientToken, step, stepTags } from '../steps.js';
import type { ExecutorContext } from '../types.js';
import { choosePool, orderCandidates, type Placement, type PoolChoice } from './emergency-pools.js';

export interface EmergencyOutcome {
  summary: string;
  replacementId?: string;
  onDemand: boolean;
  requestedAt?: string;
  healthyAt?: string;
  placement?: Placement;
  /** true: nothing was launched (Capacity Rebalancing, or dry run) and the story is only told. */
  reportOnly: boolean;
}

/** Spot without a price cap (the On-Demand price is the ceiling AWS applies), or On-Demand. */
export function marketOf(choice: PoolChoice): InstanceMarketOptionsRequest | undefined {
  return choice.onDemand
    ? undefined
    : {
        MarketType: 'spot',
        SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
      };
}

/** Instance types the group may launch: its mixed-instances overrides, else the warned one's type. */
function groupTypes(group: AutoScalingGroup, fallback: string): string[] {
  const overrides =
    group.MixedInstancesPolicy?.LaunchTemplate?.Overrides?.flatMap((o) =>
      o.InstanceType ? [o.InstanceType] : [],
    ) ?? [];
  return [...new Set([fallback, ...overrides])];
}

async function groupPlacements(
  ec2: EC2Client,
  group: AutoScalingGroup,
  types: string[],
): Promise<Placement[]> {
  const subnets = groupSubnets(group);
  if (subnets.length === 0) return [];
  const out = await ec2.send(new ec2Sdk.DescribeSubnetsCommand({ SubnetIds: subnets }));
  const placements: Placement[] = [];
  for (const s of out.Subnets ?? []) {
    if (!s.SubnetId || !s.AvailabilityZone) continue;
    const azId = s.AvailabilityZoneId ?? (await azIdOfName(ec2, s.AvailabilityZone));
    for (const instanceType of types)
      placements.push({ subnetId: s.SubnetId, az: s.AvailabilityZone, azId, instanceType });
  }
  return placements;
}

export async function placementOf(ec2: EC2Client, instance: Instance): Promise<Placement> {
  return {
    subnetId: instance.SubnetId ?? '',
    az: instance.Placement?.AvailabilityZone ?? '',
    azId: await azIdOf(ec2, instance),
    instanceType: instance.InstanceType ?? '',
  };
}

/** DRY_RUN: what would have been launched, after AWS's DryRun of the launch passed. */
export function rehearsal(old: string, where: string, choice: PoolChoice): EmergencyOutcome {
  return {
    summary: `DryRun only (DRY_RUN is on): would replace ${old}${where ? ` in ${where}` : ''} with ${choice.onDemand ? 'an On-Demand instance' : `Spot in ${choice.azId}/${choice.instanceType}`}; the launch's DryRun check passed`,
    onDemand: choice.onDemand,
    placement: choice,
    reportOnly: true,
  };
}

interface AsgPlan {
  reportOnly: boolean;
  reason?: string;
  choice?: PoolChoice;
  template?: { LaunchTemplateId?: string; LaunchTemplateName?: string; Version?: string };
  tags?: { Key?: string; Value?: string }[];
}

export async function replaceAsgMember(
  ctx: ExecutorContext,
  p: { instanceId: string; groupName: string },
): Promise<EmergencyOutcome> {
  const asg = ctx.aws.autoScaling(ctx.region);
  const ec2 = ctx.aws.ec2(ctx.region);
  const old = p.instanceId;
  const name = p.groupName;

  const plan = await step<AsgPlan>(ctx, {
    name: 'plan',
    run: async () => {
      const group = await findGroup(asg, name);
      if (!group) return { reportOnly: true, reason: `${name} no longer exists` };
      if (group.CapacityRebalance)
        return {
          reportOnly: true,
          reason: `${name} has Capacity Rebalancing on: Auto Scaling launches the replacement itself, so spotops did not launch a second one`,
        };
      const template = launchTemplateOf(group);
      if (!template?.LaunchTemplateId && !template?.LaunchTemplateName)
        return { reportOnly: true, reason: `${name} has no launch template to launch a replacement from` };
      const [instance] = await describeInstances(ec2, [old]);
      if (!instance)
        return { reportOnly: true, reason: `${old} is already gone; ${name} replaces it itself` };
      const here = await placementOf(ec2, instance);
      const candidates = orderCandidates(
        await groupPlacements(ec2, group, groupTypes(group, here.instanceType)),
        here,
      );
      const choice = await choosePool(ctx, candidates, here);
      return {
        reportOnly: false,
        choice,
        template: {
          LaunchTemplateId: template.LaunchTemplateId,
          LaunchTemplateName: template.LaunchTemplateId ? undefined : template.LaunchTemplateName,
          Version: template.Version ?? '$Default',
        },
        tags: cloneTags(instance.Tags, old),
      };
    },
  });
  if (plan.reportOnly || !plan.choice)
    return { summary: plan.reason ?? `nothing to replace in ${name}`, onDemand: false, reportOnly: true };
  const choice = plan.choice;

  const launched = await step<{ replacementId: string; requestedAt: string }>(ctx, {
    name: 'launch',
    run: async (again) => {
      const tags = [...(plan.tags ?? []), ...stepTags(ctx, 'launch')];
      if (again) {
        const [found] = await findTaggedInstances(ec2, stepTags(ctx, 'launch'));
        if (found?.InstanceId)
          return { replacementId: found.InstanceId, requestedAt: ctx.clock.now().toISOString() };
      }
      const id = await launchOne(ctx, ec2, {
        LaunchTemplate: plan.template,
        InstanceType: choice.instanceType as never,
        SubnetId: choice.subnetId,
        InstanceMarketOptions: marketOf(choice),
        TagSpecifications: [
          { ResourceType: 'instance', Tags: tags },
          { ResourceType: 'volume', Tags: tags },
        ],
        ClientToken: clientToken(ctx, 'launch'),
      });
      const requestedAt = ctx.clock.now().toISOString();
      if (!id) return { replacementId: '', requestedAt }; // DRY_RUN: the DryRun check passed
      await ctx.progress?.(
        `Launched ${id} (${choice.onDemand ? 'On-Demand: no healthy Spot pool' : `Spot in ${choice.azId}/${choice.instanceType}`}) to replace ${old} in ${name}.`,
      );
      return { replacementId: id, requestedAt };
    },
    compensate: async (out) => {
      await terminate(ctx, ec2, [out.replacementId]);
      return `terminated the replacement ${out.replacementId}`;
    },
  });
  const id = launched.replacementId;
  if (!id) return rehearsal(old, name, choice);

  const healthy = await step<{ healthyAt: string }>(ctx, {
    name: 'healthy',
    run: async () => {
      await waitHealthy(ctx, ec2, id);
      return { healthyAt: ctx.clock.now().toISOString() };
    },
  });

  const attached = await step<{ maxBefore: number; raised: boolean }>(ctx, {
    name: 'attach',
    run: async () => {
      // Other warnings in the same group may be attaching at the same moment: when AWS refuses
      // for the max size, read the group again and raise it again.
      let maxBefore: number | undefined;
      let raised = false;
      for (let attempt = 1; ; attempt++) {
        const group = await findGroup(asg, name);
        if (!group) throw new Error(`attaching ${id}: ${name} no longer exists`);
        if ((group.Instances ?? []).some((i) => i.InstanceId === id)) break;
        maxBefore ??= group.MaxSize ?? 0;
        try {
          if ((group.DesiredCapacity ?? 0) + 1 > (group.MaxSize ?? 0)) {
            await setMaxSize(ctx, asg, name, (group.DesiredCapacity ?? 0) + 1);
            raised = true;
          }
          await attach(ctx, asg, name, [id]);
          break;
        } catch (err) {
          if (attempt >= 5 || !/max size/i.test(describeError(err))) throw err;
        }
      }
      await waitInService(ctx, asg, name, [id]);
      return { maxBefore: maxBefore ?? 0, raised };
    },
  });
  await step(ctx, {
    name: 'detach',
    run: async () => {
      const group = await findGroup(asg, name);
      if ((group?.Instances ?? []).some((i) => i.InstanceId === old)) {
        await detach(ctx, asg, name, [old]);
        await waitDetached(ctx, asg, name, [old]);
      }
      if (attached.raised) {
        // Never below what the group needs now (another replacement may still be attached).
        const now = await findGroup(asg, name);
        await setMaxSize(ctx, asg, name, Math.max(attached.maxBefore, now?.DesiredCapacity ?? 0));
      }
      return { detached: old };
    },
  });

  // AWS reclaims it anyway; terminating it now stops the bill and any work it still takes.
  const note = await step<{ note: string }>(ctx, {
    name: 'terminate-warned',
    run: async () => {
      try {
        await terminate(ctx, ec2, [old]);
        return { note: `terminated ${old}` };
      } catch (err) {
        return { note: `${old} is left to AWS (${describeError(err)})` };
      }
    },
  });
  return {
    summary: `Replaced ${old} in ${name} with ${id} (${choice.onDemand ? 'On-Demand' : `Spot, ${choice.azId}/${choice.instanceType}`}) before AWS reclaimed it; ${note.note}`,
    replacementId: id,
    onDemand: choice.onDemand,
    requestedAt: launched.requestedAt,
    healthyAt: healthy.healthyAt,
    placement: choice,
    reportOnly: false,
  };
}
