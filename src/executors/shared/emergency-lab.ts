// Emergency replacement of a lab instance spotops moved to Spot: launch a copy of it from the
// newest AMI of its line (the move's AMI, kept fresh by the lab-snapshots job) in a healthy pool
// or On-Demand, with everything the instance is (aws/launch-spec.ts); once the warned instance has
// stopped, move its Elastic IP to the replacement and reattach the data volumes that outlive it
// (DeleteOnTermination false). Volumes that die with it are restored from the AMI's snapshots.
import type { EC2Client, Image } from '@aws-sdk/client-ec2';
import { describeInstances } from '../../aws/asg-clone.js';
import { mutateEc2 } from '../../aws/dry-run.js';
import { cloneLaunchInput, describeLaunchSource, type LaunchSource } from '../../aws/launch-spec.js';
import { ec2Sdk } from '../../aws/sdk.js';
import { azIdOfName, cloneTags, launchOne, REPLACES_TAG, waitHealthy } from '../../aws/spot-launch.js';
import { pollUntil } from '../../aws/spot-waiters.js';
import { findTaggedInstances } from '../../aws/tagged.js';
import { waitVolumeAvailable } from '../../aws/waiters.js';
import { clientToken, step, stepTags } from '../steps.js';
import type { ExecutorContext } from '../types.js';
import { type EmergencyOutcome, marketOf, placementOf, rehearsal } from './emergency-asg.js';
import { choosePool, orderCandidates, type Placement, type PoolChoice } from './emergency-pools.js';

/** On AMIs of a lab line: the instance the image was taken of (the move's and the schedule's). */
export const SOURCE_TAG = 'spotops:source-instance';

/** The newest available AMI taken of any of the instances (the line: original, then each replacement). */
export async function latestImage(
  ec2: EC2Client,
  instanceIds: readonly string[],
): Promise<Image | undefined> {
  const out = await ec2.send(
    new ec2Sdk.DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: `tag:${SOURCE_TAG}`, Values: [...instanceIds] }],
    }),
  );
  return (out.Images ?? [])
    .filter((i) => i.State === 'available')
    .sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))[0];
}

interface LabPlan {
  choice: PoolChoice;
  imageId: string;
  image: Image;
  src: LaunchSource;
  allocationId?: string;
  reattach: { volumeId: string; deviceName: string }[];
}

async function vpcPlacements(ec2: EC2Client, vpcId: string, instanceType: string): Promise<Placement[]> {
  const out = await ec2.send(
    new ec2Sdk.DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }),
  );
  const placements: Placement[] = [];
  for (const s of out.Subnets ?? []) {
    if (!s.SubnetId || !s.AvailabilityZone) continue;
    const azId = s.AvailabilityZoneId ?? (await azIdOfName(ec2, s.AvailabilityZone));
    placements.push({ subnetId: s.SubnetId, az: s.AvailabilityZone, azId, instanceType });
  }
  return placements;
}

export async function replaceLabInstance(
  ctx: ExecutorContext,
  p: { instanceId: string },
): Promise<EmergencyOutcome> {
  const ec2 = ctx.aws.ec2(ctx.region);
  const old = p.instanceId;

  const plan = await step<LabPlan>(ctx, {
    name: 'plan',
    run: async () => {
      const [instance] = await describeInstances(ec2, [old]);
      if (!instance)
        throw new Error(`describing ${old}: EC2 no longer knows it, so there is nothing to copy`);
      const src = await describeLaunchSource(ec2, instance);
      const line = [
        old,
        ...(instance.Tags ?? []).filter((t) => t.Key === REPLACES_TAG).map((t) => t.Value ?? ''),
      ];
      const image = await latestImage(ec2, line);
      if (!image?.ImageId) throw new Error(`finding an AMI of ${line.join(' or ')}: none is available`);
      const addresses = await ec2.send(
        new ec2Sdk.DescribeAddressesCommand({ Filters: [{ Name: 'instance-id', Values: [old] }] }),
      );
      const eip = (addresses.Addresses ?? []).find((a) => a.InstanceId === old && a.AllocationId);
      const reattach = src.volumes
        .filter((v) => !v.root && !v.deleteOnTermination)
        .map((v) => ({ volumeId: v.volumeId, deviceName: v.deviceName }));
      const here = await placementOf(ec2, instance);
      // One interface and no volume to reattach: any subnet of the VPC will do (the address moves);
      // otherwise the replacement stays in the instance's own AZ (volumes are zonal).
      const movable =
        (instance.NetworkInterfaces?.length ?? 1) <= 1 && reattach.length === 0 && instance.VpcId;
      const candidates = movable
        ? await vpcPlacements(ec2, instance.VpcId as string, here.instanceType)
        : [here];
      const choice = await choosePool(ctx, orderCandidates(candidates, here), here);
      return { choice, imageId: image.ImageId, image, src, allocationId: eip?.AllocationId, reattach };
    },
  });
  const { choice } = plan;

  const launched = await step<{ replacementId: string; requestedAt: string }>(ctx, {
    name: 'launch',
    run: async (again) => {
      if (again) {
        const [found] = await findTaggedInstances(ec2, stepTags(ctx, 'launch'));
        if (found?.InstanceId)
          return { replacementId: found.InstanceId, requestedAt: ctx.clock.now().toISOString() };
      }
      const tags = [...cloneTags(plan.src.instance.Tags, old), ...stepTags(ctx, 'launch')];
      const input = cloneLaunchInput(plan.src, {
        instanceType: choice.instanceType,
        imageId: plan.imageId,
        image: plan.image,
        tags,
        market: marketOf(choice),
      });
      const reattached = new Set(plan.reattach.map((v) => v.deviceName));
      const id = await launchOne(ctx, ec2, {
        ...input,
        NetworkInterfaces: input.NetworkInterfaces?.map((n, i) =>
          i === 0 ? { ...n, SubnetId: choice.subnetId } : n,
        ),
        // The AMI maps these devices too: NoDevice keeps them off, the originals are reattached.
        BlockDeviceMappings: input.BlockDeviceMappings?.map((m) =>
          reattached.has(m.DeviceName ?? '') ? { DeviceName: m.DeviceName, NoDevice: '' } : m,
        ),
        ClientToken: clientToken(ctx, 'launch'),
      });
      if (!id) return { replacementId: '', requestedAt: ctx.clock.now().toISOString() }; // DRY_RUN
      await ctx.progress?.(
        `Launched ${id} from ${plan.imageId} (${choice.onDemand ? 'On-Demand: no healthy Spot pool' : `Spot in ${choice.azId}/${choice.instanceType}`}) to replace ${old}.`,
      );
      return { replacementId: id, requestedAt: ctx.clock.now().toISOString() };
    },
  });
  const id = launched.replacementId;
  if (!id) return rehearsal(old, '', choice);

  const healthy = await step<{ healthyAt: string }>(ctx, {
    name: 'healthy',
    run: async () => {
      await waitHealthy(ctx, ec2, id);
      return { healthyAt: ctx.clock.now().toISOString() };
    },
  });

  const moved: string[] = [];
  if (plan.allocationId || plan.reattach.length > 0) {
    await step(ctx, {
      name: 'wait-warned-stopped',
      run: async () => {
        await pollUntil(ctx, `${old} to stop`, async () => {
          const [i] = await describeInstances(ec2, [old]);
          return !i || ['stopping', 'stopped', 'shutting-down', 'terminated'].includes(i.State?.Name ?? '');
        });
        return { stoppedAt: ctx.clock.now().toISOString() };
      },
    });
  }
  if (plan.allocationId) {
    const allocationId = plan.allocationId;
    await step(ctx, {
      name: 'move-eip',
      run: async () => {
        await mutateEc2(ctx, 'ec2:AssociateAddress', (dryRun) =>
          ec2.send(
            new ec2Sdk.AssociateAddressCommand({
              AllocationId: allocationId,
              InstanceId: id,
              AllowReassociation: true,
              DryRun: dryRun,
            }),
          ),
        );
        return { allocationId };
      },
    });
    moved.push(`moved ${plan.allocationId}`);
  }
  for (const v of plan.reattach) {
    await step(ctx, {
      name: `reattach:${v.volumeId}`,
      run: async () => {
        await waitVolumeAvailable(ctx, ec2, v.volumeId);
        await mutateEc2(ctx, 'ec2:AttachVolume', (dryRun) =>
          ec2.send(
            new ec2Sdk.AttachVolumeCommand({
              VolumeId: v.volumeId,
              InstanceId: id,
              Device: v.deviceName,
              DryRun: dryRun,
            }),
          ),
        );
        return { volumeId: v.volumeId };
      },
    });
    moved.push(`reattached ${v.volumeId} at ${v.deviceName}`);
  }
  return {
    summary: `Replaced ${old} with ${id} from ${plan.imageId} (${choice.onDemand ? 'On-Demand' : `Spot, ${choice.azId}/${choice.instanceType}`})${moved.length ? `; ${moved.join(', ')}` : ''}`,
    replacementId: id,
    onDemand: choice.onDemand,
    requestedAt: launched.requestedAt,
    healthyAt: healthy.healthyAt,
    placement: choice,
    reportOnly: false,
  };
}
