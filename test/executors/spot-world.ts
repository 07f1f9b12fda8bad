// A small EC2 + Auto Scaling world for the Spot executor tests: instances, AMIs, Elastic IPs,
// subnets and one Auto Scaling group, changed by the live (non-DryRun) calls the way AWS would
// (instantly, except that an AMI and an attached instance take one more Describe to be ready).
// After every call it records the group's InService count and desired capacity, so tests can
// check "InService capacity never below desired" at every step.
import {
  AttachInstancesCommand,
  type AttachInstancesCommandInput,
  type AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  DescribeWarmPoolCommand,
  DetachInstancesCommand,
  type DetachInstancesCommandInput,
  type InstanceRefresh,
  type LifecycleHook,
  UpdateAutoScalingGroupCommand,
  type UpdateAutoScalingGroupCommandInput,
  type WarmPoolConfiguration,
} from '@aws-sdk/client-auto-scaling';
import {
  type _InstanceType,
  type Address,
  AssociateAddressCommand,
  type AssociateAddressCommandInput,
  CreateImageCommand,
  type CreateImageCommandInput,
  DescribeAddressesCommand,
  type DescribeAddressesCommandInput,
  DescribeAvailabilityZonesCommand,
  type DescribeAvailabilityZonesCommandInput,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeInstanceAttributeCommand,
  type DescribeInstanceAttributeCommandInput,
  DescribeInstanceStatusCommand,
  type DescribeInstanceStatusCommandInput,
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeSubnetsCommand,
  type DescribeSubnetsCommandInput,
  DescribeVolumesCommand,
  type DescribeVolumesCommandInput,
  type EC2Client,
  type Image,
  type Instance,
  type InstanceStateName,
  RunInstancesCommand,
  type RunInstancesCommandInput,
  TerminateInstancesCommand,
  type TerminateInstancesCommandInput,
  type Volume,
} from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { allowDryRun, awsError } from './context.js';

const CODES: Record<string, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

/** AZ name -> AZ ID in the test account, and subnet -> AZ name. */
export const ZONES: Record<string, string> = { 'us-east-1a': 'use1-az4', 'us-east-1b': 'use1-az6' };
export const SUBNETS: Record<string, string> = {
  'subnet-a': 'us-east-1a',
  'subnet-a2': 'us-east-1a',
  'subnet-b': 'us-east-1b',
};

export function onDemandInstance(over: Partial<Instance> = {}): Instance {
  return {
    InstanceId: 'i-0old',
    InstanceType: 'm5.large',
    ImageId: 'ami-source',
    LaunchTime: new Date('2026-02-01T00:00:00Z'),
    Placement: { AvailabilityZone: 'us-east-1a', Tenancy: 'default' },
    State: { Code: 16, Name: 'running' },
    SubnetId: 'subnet-a',
    VpcId: 'vpc-1',
    PrivateIpAddress: '10.0.1.10',
    PublicIpAddress: '52.1.2.3',
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    SecurityGroups: [
      { GroupId: 'sg-web', GroupName: 'web' },
      { GroupId: 'sg-ssh', GroupName: 'ssh' },
    ],
    IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/app', Id: 'AIPA1' },
    KeyName: 'lab-key',
    EbsOptimized: true,
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeId: 'vol-root', Status: 'attached', DeleteOnTermination: true },
      },
    ],
    Tags: [
      { Key: 'Name', Value: 'lab-box' },
      { Key: 'Team', Value: 'data' },
      { Key: 'aws:cloudformation:stack-name', Value: 'lab' },
    ],
    ...over,
  };
}

export interface Step {
  call: string;
  inService: number;
  desired: number;
}

export interface SpotWorld {
  instances: Map<string, Instance>;
  images: Map<string, Image>;
  addresses: Address[];
  group?: AutoScalingGroup;
  refreshes: InstanceRefresh[];
  /** After every command: the group's InService count and desired capacity. */
  steps: Step[];
  /** The state of the target instance when AssociateAddress was sent. */
  associatedWhile: { instanceId: string; state?: string }[];
  setState(instanceId: string, state: InstanceStateName): void;
  /** Instances RunInstances created, in order. */
  launched: string[];
  /** Instances whose status checks were reported ok (DescribeInstanceStatus). */
  statusOk: Set<string>;
  /** Instances attached to the group, and whether their status checks had passed by then. */
  attached: { instanceId: string; statusOk: boolean }[];
  /** Appends the group's counts after a call (the fakes call it after every mutation). */
  record(call: string): void;
  /** EBS volumes by id (DescribeVolumes); an instance's BlockDeviceMappings point at them. */
  volumes: Map<string, Volume>;
  /** Base64 user data by instance id (DescribeInstanceAttribute userData). */
  userData: Map<string, string>;
  warmPool?: { WarmPoolConfiguration: WarmPoolConfiguration };
  lifecycleHooks: LifecycleHook[];
}

function matchesFilters(instance: Instance, filters: DescribeInstancesCommandInput['Filters']): boolean {
  return (filters ?? []).every((f) => {
    if (f.Name === 'instance-state-name') return f.Values?.includes(instance.State?.Name ?? '');
    if (f.Name?.startsWith('tag:')) {
      const key = f.Name.slice(4);
      return (instance.Tags ?? []).some((t) => t.Key === key && f.Values?.includes(t.Value ?? ''));
    }
    throw new Error(`the fake does not know the filter ${f.Name}`);
  });
}

/** EC2: instances, AMIs, addresses, AZs and subnets. */
export function fakeSpotWorld(
  ec2: AwsClientStub<EC2Client>,
  opts: { instances?: Instance[]; addresses?: Address[]; volumes?: Volume[] } = {},
): SpotWorld {
  const world: SpotWorld = {
    instances: new Map((opts.instances ?? [onDemandInstance()]).map((i) => [i.InstanceId as string, i])),
    images: new Map(),
    volumes: new Map(
      (
        opts.volumes ?? [{ VolumeId: 'vol-root', Size: 8, VolumeType: 'gp3', Iops: 3000, Throughput: 125 }]
      ).map((v) => [v.VolumeId as string, v]),
    ),
    userData: new Map(),
    lifecycleHooks: [],
    addresses: opts.addresses ?? [],
    refreshes: [],
    steps: [],
    associatedWhile: [],
    launched: [],
    statusOk: new Set(),
    attached: [],
    setState(instanceId, state) {
      const instance = world.instances.get(instanceId);
      if (instance) instance.State = { Code: CODES[state], Name: state };
    },
    record(call) {
      if (!world.group) return;
      const inService = (world.group.Instances ?? []).filter(
        (i) =>
          i.LifecycleState === 'InService' &&
          world.instances.get(i.InstanceId ?? '')?.State?.Name === 'running',
      ).length;
      world.steps.push({ call, inService, desired: world.group.DesiredCapacity ?? 0 });
    },
  };
  const record = (call: string) => world.record(call);

  allowDryRun(
    ec2,
    CreateImageCommand,
    RunInstancesCommand,
    TerminateInstancesCommand,
    AssociateAddressCommand,
  );

  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => {
    const all = [...world.instances.values()];
    const found = input.InstanceIds
      ? all.filter((i) => input.InstanceIds?.includes(i.InstanceId ?? ''))
      : all;
    const instances = found.filter((i) => matchesFilters(i, input.Filters));
    return { Reservations: [{ ReservationId: 'r-1', Instances: structuredClone(instances) }] };
  });
  ec2.on(DescribeInstanceStatusCommand).callsFake((input: DescribeInstanceStatusCommandInput) => ({
    InstanceStatuses: (input.InstanceIds ?? []).flatMap((id) => {
      const i = world.instances.get(id);
      if (i?.State?.Name !== 'running') return [];
      world.statusOk.add(id);
      return [
        {
          InstanceId: id,
          AvailabilityZone: i.Placement?.AvailabilityZone,
          InstanceState: i.State,
          InstanceStatus: { Status: 'ok' as const },
          SystemStatus: { Status: 'ok' as const },
        },
      ];
    }),
  }));
  ec2.on(RunInstancesCommand, { DryRun: false }).callsFake((input: RunInstancesCommandInput) => {
    const id = `i-0clone${world.launched.length + 1}`;
    const subnet = input.SubnetId ?? input.NetworkInterfaces?.[0]?.SubnetId ?? '';
    const instance: Instance = {
      InstanceId: id,
      InstanceType: input.InstanceType as _InstanceType,
      ImageId: input.ImageId ?? 'ami-from-template',
      State: { Code: 16, Name: 'running' },
      Placement: { AvailabilityZone: SUBNETS[subnet] },
      SubnetId: subnet,
      RootDeviceType: 'ebs',
      InstanceLifecycle: input.InstanceMarketOptions?.MarketType === 'spot' ? 'spot' : undefined,
      Tags: input.TagSpecifications?.find((t) => t.ResourceType === 'instance')?.Tags ?? [],
    };
    world.instances.set(id, instance);
    world.launched.push(id);
    record('RunInstances');
    return { Instances: [structuredClone(instance)] };
  });
  ec2.on(TerminateInstancesCommand, { DryRun: false }).callsFake((input: TerminateInstancesCommandInput) => {
    const out = (input.InstanceIds ?? []).map((id) => {
      world.setState(id, 'terminated');
      for (const a of world.addresses) {
        if (a.InstanceId === id) {
          a.InstanceId = undefined;
          a.AssociationId = undefined;
        }
      }
      return { InstanceId: id, CurrentState: { Code: 32, Name: 'shutting-down' as const } };
    });
    record('TerminateInstances');
    return { TerminatingInstances: out };
  });
  ec2.on(CreateImageCommand, { DryRun: false }).callsFake((input: CreateImageCommandInput) => {
    const id = `ami-0new${world.images.size + 1}`;
    // Like EC2: one snapshot per attached EBS volume, named in the AMI's block device mappings.
    const source = world.instances.get(input.InstanceId ?? '');
    const BlockDeviceMappings = (source?.BlockDeviceMappings ?? []).map((m) => {
      const v = world.volumes.get(m.Ebs?.VolumeId ?? '');
      return {
        DeviceName: m.DeviceName,
        Ebs: {
          SnapshotId: `snap-of-${m.Ebs?.VolumeId}`,
          VolumeSize: v?.Size,
          VolumeType: v?.VolumeType,
          Encrypted: v?.Encrypted ?? false,
          DeleteOnTermination: m.Ebs?.DeleteOnTermination,
        },
      };
    });
    world.images.set(id, { ImageId: id, Name: input.Name, State: 'pending', BlockDeviceMappings });
    record('CreateImage');
    return { ImageId: id };
  });
  ec2.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
    const images = (input.ImageIds ?? []).flatMap((id) => {
      const image = world.images.get(id);
      if (!image) return [];
      const seen = structuredClone(image);
      // Pending once, available from the next look on.
      image.State = 'available';
      return [seen];
    });
    return { Images: images };
  });
  ec2.on(DescribeAddressesCommand).callsFake((input: DescribeAddressesCommandInput) => {
    let addresses = world.addresses;
    if (input.AllocationIds)
      addresses = addresses.filter((a) => input.AllocationIds?.includes(a.AllocationId ?? ''));
    for (const f of input.Filters ?? []) {
      if (f.Name !== 'instance-id') throw new Error(`the fake does not know the filter ${f.Name}`);
      addresses = addresses.filter((a) => f.Values?.includes(a.InstanceId ?? ''));
    }
    return { Addresses: structuredClone(addresses) };
  });
  ec2.on(AssociateAddressCommand, { DryRun: false }).callsFake((input: AssociateAddressCommandInput) => {
    const address = world.addresses.find((a) => a.AllocationId === input.AllocationId);
    if (!address) throw awsError('InvalidAllocationID.NotFound', `${input.AllocationId} not found`);
    const target = world.instances.get(input.InstanceId ?? '');
    world.associatedWhile.push({ instanceId: input.InstanceId ?? '', state: target?.State?.Name });
    address.InstanceId = input.InstanceId;
    address.AssociationId = `eipassoc-${input.InstanceId}`;
    record('AssociateAddress');
    return { AssociationId: address.AssociationId };
  });
  ec2.on(DescribeAvailabilityZonesCommand).callsFake((input: DescribeAvailabilityZonesCommandInput) => ({
    AvailabilityZones: (input.ZoneNames ?? []).map((name) => ({ ZoneName: name, ZoneId: ZONES[name] })),
  }));
  ec2.on(DescribeVolumesCommand).callsFake((input: DescribeVolumesCommandInput) => ({
    Volumes: (input.VolumeIds ?? []).flatMap((id) => {
      const v = world.volumes.get(id);
      return v ? [structuredClone(v)] : [];
    }),
  }));
  ec2.on(DescribeInstanceAttributeCommand).callsFake((input: DescribeInstanceAttributeCommandInput) => {
    if (input.Attribute !== 'userData') throw new Error(`the fake does not read ${input.Attribute}`);
    const value = world.userData.get(input.InstanceId ?? '');
    return { InstanceId: input.InstanceId, UserData: value ? { Value: value } : {} };
  });
  ec2.on(DescribeSubnetsCommand).callsFake((input: DescribeSubnetsCommandInput) => ({
    Subnets: (input.SubnetIds ?? []).map((id) => ({ SubnetId: id, AvailabilityZone: SUBNETS[id] })),
  }));
  return world;
}

/**
 * Auto Scaling: one group over the world's instances. An attached instance is Pending until the
 * next DescribeAutoScalingGroups; AWS's own limits hold (desired within min..max).
 */
export function fakeGroup(
  asg: AwsClientStub<AutoScalingClient>,
  world: SpotWorld,
  group: Partial<AutoScalingGroup> & { AutoScalingGroupName: string },
): AutoScalingGroup {
  const g: AutoScalingGroup = {
    MinSize: 1,
    MaxSize: 4,
    DesiredCapacity: 2,
    DefaultCooldown: 300,
    AvailabilityZones: ['us-east-1a', 'us-east-1b'],
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2026-01-01T00:00:00Z'),
    LaunchTemplate: { LaunchTemplateId: 'lt-0web', LaunchTemplateName: 'web', Version: '$Default' },
    VPCZoneIdentifier: 'subnet-a,subnet-b',
    Instances: [],
    ...group,
  };
  world.group = g;
  const record = (call: string) => world.record(call);
  const validation = (message: string) => awsError('ValidationError', message);
  asg.on(DescribeAutoScalingGroupsCommand).callsFake((input: { AutoScalingGroupNames?: string[] }) => {
    const found = input.AutoScalingGroupNames?.includes(g.AutoScalingGroupName ?? '')
      ? [structuredClone(g)]
      : [];
    for (const i of g.Instances ?? []) if (i.LifecycleState === 'Pending') i.LifecycleState = 'InService';
    return { AutoScalingGroups: found };
  });
  asg.on(DescribeInstanceRefreshesCommand).callsFake(() => ({ InstanceRefreshes: world.refreshes }));
  // The preflight's reads: no warm pool, no lifecycle hooks unless a test adds them.
  asg.on(DescribeWarmPoolCommand).callsFake(() => ({ Instances: [], ...world.warmPool }));
  asg.on(DescribeLifecycleHooksCommand).callsFake(() => ({ LifecycleHooks: world.lifecycleHooks }));
  asg.on(UpdateAutoScalingGroupCommand).callsFake((input: UpdateAutoScalingGroupCommandInput) => {
    if (input.MaxSize !== undefined) {
      if ((g.DesiredCapacity ?? 0) > input.MaxSize)
        throw validation('Desired capacity cannot be greater than max size');
      g.MaxSize = input.MaxSize;
    }
    record('UpdateAutoScalingGroup');
    return {};
  });
  asg.on(AttachInstancesCommand).callsFake((input: AttachInstancesCommandInput) => {
    const ids = input.InstanceIds ?? [];
    if ((g.DesiredCapacity ?? 0) + ids.length > (g.MaxSize ?? 0))
      throw validation('Desired capacity would exceed max size');
    for (const id of ids) {
      if (world.instances.get(id)?.State?.Name !== 'running')
        throw validation(`Instance ${id} is not in a running state`);
    }
    for (const id of ids) {
      world.attached.push({ instanceId: id, statusOk: world.statusOk.has(id) });
      g.Instances?.push({
        InstanceId: id,
        AvailabilityZone: world.instances.get(id)?.Placement?.AvailabilityZone,
        LifecycleState: 'Pending',
        HealthStatus: 'Healthy',
        ProtectedFromScaleIn: false,
      });
    }
    g.DesiredCapacity = (g.DesiredCapacity ?? 0) + ids.length;
    record('AttachInstances');
    return {};
  });
  asg.on(DetachInstancesCommand).callsFake((input: DetachInstancesCommandInput) => {
    const ids = input.InstanceIds ?? [];
    if (input.ShouldDecrementDesiredCapacity && (g.DesiredCapacity ?? 0) - ids.length < (g.MinSize ?? 0))
      throw validation('Desired capacity would go below min size');
    g.Instances = (g.Instances ?? []).filter((i) => !ids.includes(i.InstanceId ?? ''));
    if (input.ShouldDecrementDesiredCapacity) g.DesiredCapacity = (g.DesiredCapacity ?? 0) - ids.length;
    record('DetachInstances');
    return { Activities: ids.map((id) => ({ ActivityId: `act-${id}`, Description: `Detaching ${id}` })) };
  });
  return g;
}

/** The group's members as Auto Scaling lists them. */
export function member(instanceId: string, az = 'us-east-1a') {
  return {
    InstanceId: instanceId,
    AvailabilityZone: az,
    LifecycleState: 'InService' as const,
    HealthStatus: 'Healthy',
    ProtectedFromScaleIn: false,
  };
}
