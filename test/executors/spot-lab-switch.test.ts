import {
  AssociateAddressCommand,
  CreateImageCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spotLabSwitch } from '../../src/executors/spot-lab-switch.js';
import { awsError, denyDryRun, liveMutations, makeContext, sent } from './context.js';
import { fakeSpotWorld, onDemandInstance, type SpotWorld } from './spot-world.js';

const ec2 = mockClient(EC2Client);
const params = spotLabSwitch.params.parse({
  instanceId: 'i-0old',
  targetAz: 'us-east-1a',
  instanceType: 'm5.large',
  maxPrice: 0.096,
});
const EIP = {
  AllocationId: 'eipalloc-1',
  PublicIp: '52.1.2.3',
  InstanceId: 'i-0old',
  PrivateIpAddress: '10.0.1.10',
};

let world: SpotWorld;
beforeEach(() => {
  ec2.reset();
  world = fakeSpotWorld(ec2, { addresses: [{ ...EIP }] });
});
afterEach(() => ec2.reset());

const liveNames = () => liveMutations(ec2).map((c) => c.name);
const old = () => world.instances.get('i-0old');

describe('spot-lab-switch', () => {
  it('is high risk, critical in production, and names the type and price cap', () => {
    expect(spotLabSwitch.risk(params, { environment: 'LAB' })).toBe('MEDIUM');
    expect(spotLabSwitch.risk(params, { environment: 'PROD' })).toBe('HIGH');
    expect(spotLabSwitch.describe(params)).toBe('Move i-0old to Spot (m5.large, max $0.096/h)');
    expect(spotLabSwitch.rollback).toBeUndefined();
    expect(spotLabSwitch.rollbackNote).toContain('AMI is kept');
  });

  it('validates with DryRuns of the AMI, the Spot launch, the address move and the termination', async () => {
    expect(await spotLabSwitch.validate(makeContext(), params)).toEqual({ ok: true });
    const dryRuns = sent(ec2).filter((c) => c.input.DryRun === true);
    expect(dryRuns.map((c) => c.name)).toEqual([
      'CreateImage',
      'RunInstances',
      'AssociateAddress',
      'TerminateInstances',
    ]);
    expect(dryRuns[1]?.input).toMatchObject({
      ImageId: 'ami-source',
      InstanceType: 'm5.large',
      InstanceMarketOptions: {
        MarketType: 'spot',
        SpotOptions: {
          MaxPrice: '0.096',
          SpotInstanceType: 'one-time',
          InstanceInterruptionBehavior: 'terminate',
        },
      },
    });
    expect(liveNames()).toEqual([]);
  });

  it('asks the pool guard about the pool by AZ ID and calls a poisoned pool stale', async () => {
    const asked: unknown[] = [];
    const ctx = makeContext();
    ctx.poolGuard = async (pool) => {
      asked.push(pool);
      return { poisoned: true, expiresAt: new Date('2026-03-10T00:00:00Z') };
    };
    expect(await spotLabSwitch.validate(ctx, params)).toEqual({
      ok: false,
      stale: true,
      reason:
        'the Spot pool us-east-1/use1-az4/m5.large is poisoned until 2026-03-10T00:00:00.000Z after an interruption in production',
    });
    expect(asked).toEqual([{ region: 'us-east-1', az: 'use1-az4', instanceType: 'm5.large' }]);
    expect(sent(ec2).filter((c) => c.input.DryRun === true)).toEqual([]);
  });

  it('uses Placement.AvailabilityZoneId without asking for the zones when the instance has it', async () => {
    world.instances.set(
      'i-0old',
      onDemandInstance({ Placement: { AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az9' } }),
    );
    const asked: string[] = [];
    const ctx = makeContext();
    ctx.poolGuard = async (pool) => {
      asked.push(pool.az);
      return { poisoned: false };
    };
    expect(await spotLabSwitch.validate(ctx, params)).toEqual({ ok: true });
    expect(asked).toEqual(['use1-az9']);
    expect(sent(ec2).map((c) => c.name)).not.toContain('DescribeAvailabilityZones');
  });

  it.each([
    [{ InstanceLifecycle: 'spot' as const }, { stale: true, reason: 'i-0old is already a spot instance' }],
    [
      { State: { Code: 80, Name: 'stopped' as const } },
      { stale: true, reason: 'i-0old is stopped, not running' },
    ],
    [
      { State: { Code: 48, Name: 'terminated' as const } },
      { stale: true, reason: 'i-0old no longer exists' },
    ],
    [
      { Tags: [{ Key: 'aws:autoscaling:groupName', Value: 'web' }] },
      { reason: 'i-0old belongs to Auto Scaling group web; swap the group instead' },
    ],
    [
      { Tags: [{ Key: 'kubernetes.io/cluster/prod', Value: 'owned' }] },
      { reason: 'i-0old is an EKS node; replace it through its node group' },
    ],
    [
      { RootDeviceType: 'instance-store' as const },
      { reason: 'i-0old has an instance-store root device; only EBS-backed instances can be cloned' },
    ],
    [
      { Placement: { AvailabilityZone: 'us-east-1b' } },
      { reason: 'i-0old is in us-east-1b, not us-east-1a; lab mode keeps the subnet' },
    ],
  ])('refuses an instance that is not a lab-switch target (%j)', async (over, verdict) => {
    world.instances.set('i-0old', onDemandInstance(over));
    expect(await spotLabSwitch.validate(makeContext(), params)).toEqual({ ok: false, ...verdict });
    expect(sent(ec2).filter((c) => c.input.DryRun === true)).toEqual([]);
  });

  it('names ec2:RunInstances when the role may not launch', async () => {
    denyDryRun(ec2, RunInstancesCommand);
    expect(await spotLabSwitch.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:RunInstances',
    });
  });

  it('does not fail validation when the source AMI is gone (the launch uses a fresh AMI)', async () => {
    ec2
      .on(RunInstancesCommand, { DryRun: true })
      .rejects(awsError('InvalidAMIID.NotFound', "The image id '[ami-source]' does not exist"));
    expect(await spotLabSwitch.validate(makeContext(), params)).toEqual({ ok: true });
  });

  it('sends only DryRun requests in dry-run mode', async () => {
    const result = await spotLabSwitch.execute(makeContext({ dryRun: true }), params);
    expect(result).toEqual({ summary: 'Would have moved i-0old to Spot (m5.large, max $0.096/h) (dry run)' });
    expect(liveNames()).toEqual([]);
    expect(
      sent(ec2)
        .filter((c) => c.input.DryRun === true)
        .map((c) => c.name),
    ).toEqual(['CreateImage', 'RunInstances', 'AssociateAddress', 'TerminateInstances']);
    expect(old()?.State?.Name).toBe('running');
    expect(world.launched).toEqual([]);
  });

  it('makes the AMI, launches the Spot clone, waits until healthy, moves the EIP, then terminates', async () => {
    const ctx = makeContext();
    const result = await spotLabSwitch.execute(ctx, params);
    expect(result).toEqual({
      summary:
        "Moved i-0old to Spot (m5.large, max $0.096/h): i-0clone1 replaces i-0old, moved 52.1.2.3; 1 volume restored from the AMI's snapshots; AMI ami-0new1 kept",
      undo: {
        imageId: 'ami-0new1',
        cloneId: 'i-0clone1',
        oldInstanceId: 'i-0old',
        allocationId: 'eipalloc-1',
      },
    });
    // Make before break, in order: AMI available before the launch; clone healthy before the EIP moves.
    const order = sent(ec2)
      .filter((c) => c.input.DryRun !== true)
      .map((c) => c.name)
      .filter((n) =>
        [
          'CreateImage',
          'DescribeImages',
          'RunInstances',
          'DescribeInstanceStatus',
          'AssociateAddress',
          'TerminateInstances',
        ].includes(n),
      );
    expect([...new Set(order)]).toEqual([
      'CreateImage',
      'DescribeImages',
      'RunInstances',
      'DescribeInstanceStatus',
      'AssociateAddress',
      'TerminateInstances',
    ]);
    expect(world.associatedWhile).toEqual([{ instanceId: 'i-0clone1', state: 'running' }]);

    const image = liveMutations(ec2).find((c) => c.name === 'CreateImage')?.input;
    expect(image).toMatchObject({
      InstanceId: 'i-0old',
      NoReboot: true,
      Name: 'spotops-i-0old-2026-03-01T12-00-00-000Z',
    });
    const launch = liveMutations(ec2).find((c) => c.name === 'RunInstances')?.input;
    expect(launch).toMatchObject({
      ImageId: 'ami-0new1',
      InstanceType: 'm5.large',
      MinCount: 1,
      MaxCount: 1,
      KeyName: 'lab-key',
      IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/app' },
      NetworkInterfaces: [
        {
          DeviceIndex: 0,
          SubnetId: 'subnet-a',
          Groups: ['sg-web', 'sg-ssh'],
          AssociatePublicIpAddress: true,
        },
      ],
      MetadataOptions: { HttpTokens: 'required' },
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.096' } },
    });
    const tags = (launch?.TagSpecifications as { ResourceType: string; Tags: unknown[] }[] | undefined)?.[0];
    expect(tags?.ResourceType).toBe('instance');
    expect(tags?.Tags).toEqual([
      { Key: 'Name', Value: 'lab-box' },
      { Key: 'Team', Value: 'data' },
      { Key: 'ManagedBy', Value: 'SpotOptimizer' },
      { Key: 'spotops:replaces', Value: 'i-0old' },
      { Key: 'spotops:elastic-ip', Value: 'eipalloc-1' },
    ]);
    expect(liveMutations(ec2).find((c) => c.name === 'AssociateAddress')?.input).toMatchObject({
      AllocationId: 'eipalloc-1',
      InstanceId: 'i-0clone1',
      AllowReassociation: true,
    });
    expect(old()?.State?.Name).toBe('terminated');
    expect(world.addresses[0]?.InstanceId).toBe('i-0clone1');
    expect(ctx.progressLines).toContain('AMI ami-0new1 is available.');
    expect(await spotLabSwitch.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('moves an instance without an Elastic IP and leaves the address step out', async () => {
    world.addresses.length = 0;
    const result = await spotLabSwitch.execute(makeContext(), params);
    expect(result.undo).toEqual({ imageId: 'ami-0new1', cloneId: 'i-0clone1', oldInstanceId: 'i-0old' });
    expect(liveNames()).toEqual(['CreateImage', 'RunInstances', 'TerminateInstances']);
    expect(await spotLabSwitch.verify?.(makeContext(), params)).toEqual({ ok: true });
  });

  it('does not launch anything when the AMI cannot be created', async () => {
    ec2.on(CreateImageCommand, { DryRun: false }).rejects(awsError('InvalidInstanceID.Malformed', 'bad'));
    await expect(spotLabSwitch.execute(makeContext(), params)).rejects.toThrow('creating an AMI of i-0old');
    expect(liveNames()).toEqual(['CreateImage']);
    expect(old()?.State?.Name).toBe('running');
  });

  it('leaves the old instance alone when the Spot launch fails', async () => {
    ec2
      .on(RunInstancesCommand, { DryRun: false })
      .rejects(awsError('InsufficientInstanceCapacity', 'no Spot capacity for m5.large'));
    await expect(spotLabSwitch.execute(makeContext(), params)).rejects.toThrow(
      'launching the Spot clone of i-0old from ami-0new1',
    );
    expect(liveNames()).toEqual(['CreateImage', 'RunInstances']);
    expect(old()?.State?.Name).toBe('running');
    expect(world.addresses[0]?.InstanceId).toBe('i-0old');
  });

  it('terminates the clone and leaves the old instance when the clone never becomes healthy', async () => {
    // The clone is reclaimed right after launch: the running wait fails on "terminated".
    const run = ec2.on(RunInstancesCommand, { DryRun: false });
    run.callsFake(() => {
      world.instances.set(
        'i-0clone1',
        onDemandInstance({ InstanceId: 'i-0clone1', State: { Code: 48, Name: 'terminated' } }),
      );
      world.launched.push('i-0clone1');
      return { Instances: [{ InstanceId: 'i-0clone1' }] };
    });
    const err = await spotLabSwitch.execute(makeContext(), params).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      'moving i-0old to Spot failed while waiting for the clone i-0clone1 to become healthy; terminated the clone i-0clone1; i-0old is untouched (AMI ami-0new1 kept)',
    );
    const terminated = liveMutations(ec2).filter((c) => c.name === 'TerminateInstances');
    expect(terminated.map((c) => c.input.InstanceIds)).toEqual([['i-0clone1']]);
    expect(old()?.State?.Name).toBe('running');
    expect(world.addresses[0]?.InstanceId).toBe('i-0old');
  });

  it('terminates the clone and leaves the old instance when the Elastic IP cannot move', async () => {
    ec2
      .on(AssociateAddressCommand, { DryRun: false })
      .rejects(awsError('InvalidInstanceID', 'The instance is not in a valid state'));
    await expect(spotLabSwitch.execute(makeContext(), params)).rejects.toThrow(
      'moving i-0old to Spot failed while moving 52.1.2.3 (eipalloc-1) to i-0clone1; terminated the clone i-0clone1; i-0old is untouched',
    );
    expect(liveNames()).toEqual(['CreateImage', 'RunInstances', 'AssociateAddress', 'TerminateInstances']);
    expect(liveMutations(ec2).at(-1)?.input.InstanceIds).toEqual(['i-0clone1']);
    expect(old()?.State?.Name).toBe('running');
    expect(world.addresses[0]?.InstanceId).toBe('i-0old');
  });

  it('says so when terminating the clone fails during compensation too', async () => {
    ec2.on(AssociateAddressCommand, { DryRun: false }).rejects(awsError('InvalidInstanceID', 'not valid'));
    ec2.on(TerminateInstancesCommand, { DryRun: false }).rejects(awsError('InternalError', 'try later'));
    await expect(spotLabSwitch.execute(makeContext(), params)).rejects.toThrow(
      'terminating the clone i-0clone1 failed too (try later); terminate it by hand',
    );
    expect(old()?.State?.Name).toBe('running');
  });

  it('fails verification while the old instance still runs', async () => {
    world.instances.set(
      'i-0clone1',
      onDemandInstance({
        InstanceId: 'i-0clone1',
        InstanceLifecycle: 'spot',
        Tags: [{ Key: 'spotops:replaces', Value: 'i-0old' }],
      }),
    );
    expect(await spotLabSwitch.verify?.(makeContext(), params)).toEqual({
      ok: false,
      reason: 'i-0old is running, not terminated',
    });
  });

  it('fails verification when the clone is not Spot or carries none of the Elastic IP', async () => {
    world.setState('i-0old', 'terminated');
    world.instances.set(
      'i-0clone1',
      onDemandInstance({ InstanceId: 'i-0clone1', Tags: [{ Key: 'spotops:replaces', Value: 'i-0old' }] }),
    );
    expect(await spotLabSwitch.verify?.(makeContext(), params)).toEqual({
      ok: false,
      reason: 'i-0clone1 is On-Demand, not Spot',
    });
    world.instances.set(
      'i-0clone1',
      onDemandInstance({
        InstanceId: 'i-0clone1',
        InstanceLifecycle: 'spot',
        Tags: [
          { Key: 'spotops:replaces', Value: 'i-0old' },
          { Key: 'spotops:elastic-ip', Value: 'eipalloc-1' },
        ],
      }),
    );
    expect(await spotLabSwitch.verify?.(makeContext(), params)).toEqual({
      ok: false,
      reason: '52.1.2.3 is not on i-0clone1',
    });
  });

  describe('clone fidelity', () => {
    /** A root volume and two data volumes, one gp3 with custom IOPS and throughput, one that outlives the instance. */
    function richWorld() {
      ec2.reset();
      world = fakeSpotWorld(ec2, {
        addresses: [{ ...EIP }],
        instances: [
          onDemandInstance({
            BlockDeviceMappings: [
              { DeviceName: '/dev/xvda', Ebs: { VolumeId: 'vol-root', DeleteOnTermination: true } },
              { DeviceName: '/dev/sdf', Ebs: { VolumeId: 'vol-data1', DeleteOnTermination: true } },
              { DeviceName: '/dev/sdg', Ebs: { VolumeId: 'vol-data2', DeleteOnTermination: false } },
            ],
            NetworkInterfaces: [
              {
                NetworkInterfaceId: 'eni-primary',
                SubnetId: 'subnet-a',
                Groups: [{ GroupId: 'sg-web' }, { GroupId: 'sg-ssh' }],
                Attachment: { DeviceIndex: 0 },
              },
              {
                NetworkInterfaceId: 'eni-mgmt',
                SubnetId: 'subnet-a',
                Groups: [{ GroupId: 'sg-mgmt' }],
                Description: 'management',
                Attachment: { DeviceIndex: 1 },
              },
            ],
            Placement: { AvailabilityZone: 'us-east-1a', Tenancy: 'default', GroupName: 'pg-lab' },
            HibernationOptions: { Configured: true },
            MetadataOptions: {
              HttpTokens: 'required',
              HttpEndpoint: 'enabled',
              HttpPutResponseHopLimit: 2,
              InstanceMetadataTags: 'enabled',
            },
          }),
        ],
        volumes: [
          { VolumeId: 'vol-root', Size: 8, VolumeType: 'gp3', Iops: 3000, Throughput: 125, Encrypted: true },
          {
            VolumeId: 'vol-data1',
            Size: 100,
            VolumeType: 'gp3',
            Iops: 6000,
            Throughput: 500,
            Encrypted: true,
          },
          { VolumeId: 'vol-data2', Size: 200, VolumeType: 'gp2', Iops: 600, Encrypted: false },
        ],
      });
      world.userData.set('i-0old', Buffer.from('#!/bin/bash\necho hello').toString('base64'));
    }

    it('launches a clone with every volume from its own snapshot, and its network, profile, user data and options', async () => {
      richWorld();
      const result = await spotLabSwitch.execute(makeContext(), params);
      const run = liveMutations(ec2).find((c) => c.name === 'RunInstances')!;
      expect(run.input.BlockDeviceMappings).toEqual([
        {
          DeviceName: '/dev/xvda',
          Ebs: {
            SnapshotId: 'snap-of-vol-root',
            VolumeSize: 8,
            VolumeType: 'gp3',
            Iops: 3000,
            Throughput: 125,
            DeleteOnTermination: true,
          },
        },
        {
          DeviceName: '/dev/sdf',
          Ebs: {
            SnapshotId: 'snap-of-vol-data1',
            VolumeSize: 100,
            VolumeType: 'gp3',
            Iops: 6000,
            Throughput: 500,
            DeleteOnTermination: true,
          },
        },
        {
          DeviceName: '/dev/sdg',
          Ebs: {
            SnapshotId: 'snap-of-vol-data2',
            VolumeSize: 200,
            VolumeType: 'gp2',
            DeleteOnTermination: false,
          },
        },
      ]);
      // The snapshots are the ones CreateImage took of exactly these volumes: the data's lineage.
      const ami = world.images.get('ami-0new1');
      expect(ami?.BlockDeviceMappings?.map((m) => m.Ebs?.SnapshotId)).toEqual([
        'snap-of-vol-root',
        'snap-of-vol-data1',
        'snap-of-vol-data2',
      ]);
      expect(run.input).toMatchObject({
        ImageId: 'ami-0new1',
        NetworkInterfaces: [
          {
            DeviceIndex: 0,
            SubnetId: 'subnet-a',
            Groups: ['sg-web', 'sg-ssh'],
            AssociatePublicIpAddress: true,
          },
          { DeviceIndex: 1, SubnetId: 'subnet-a', Groups: ['sg-mgmt'], Description: 'management' },
        ],
        IamInstanceProfile: { Arn: 'arn:aws:iam::123456789012:instance-profile/app' },
        KeyName: 'lab-key',
        UserData: Buffer.from('#!/bin/bash\necho hello').toString('base64'),
        Placement: { GroupName: 'pg-lab' },
        HibernationOptions: { Configured: true },
        MetadataOptions: {
          HttpTokens: 'required',
          HttpPutResponseHopLimit: 2,
          InstanceMetadataTags: 'enabled',
        },
        InstanceMarketOptions: { MarketType: 'spot' },
      });
      expect(run.input.TagSpecifications?.[0]?.Tags).toContainEqual({ Key: 'Team', Value: 'data' });
      // Nothing unreported: the data volume that outlives the old instance is named, with its cost.
      expect(result.summary).toContain("3 volumes restored from the AMI's snapshots");
      expect(result.summary).toContain(
        'Left behind (DeleteOnTermination was false): vol-data2 (/dev/sdg, 200 GiB gp2, $20.00/month). Its data is on i-0clone1 (restored from AMI ami-0new1); propose deleting it once the clone is checked',
      );
      expect(world.instances.get('i-0old')?.State?.Name).toBe('terminated');
    });

    it('validates the launch with the same volumes (same encryption, empty stand-ins) before the AMI exists', async () => {
      richWorld();
      expect(await spotLabSwitch.validate(makeContext(), params)).toEqual({ ok: true });
      const dry = sent(ec2).find((c) => c.name === 'RunInstances' && c.input.DryRun === true)!;
      expect(dry.input.BlockDeviceMappings).toEqual([
        {
          DeviceName: '/dev/xvda',
          Ebs: {
            VolumeSize: 8,
            VolumeType: 'gp3',
            Iops: 3000,
            Throughput: 125,
            Encrypted: true,
            DeleteOnTermination: true,
          },
        },
        {
          DeviceName: '/dev/sdf',
          Ebs: {
            VolumeSize: 100,
            VolumeType: 'gp3',
            Iops: 6000,
            Throughput: 500,
            Encrypted: true,
            DeleteOnTermination: true,
          },
        },
        { DeviceName: '/dev/sdg', Ebs: { VolumeSize: 200, VolumeType: 'gp2', DeleteOnTermination: false } },
      ]);
      expect(liveMutations(ec2)).toEqual([]);
    });
  });
});
