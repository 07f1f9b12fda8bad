// Holds every executor to its contract: permissions, a zod schema, rollback iff reversible, and
// declared IAM actions that cover every EC2 and Auto Scaling command it actually sends across its
// whole life (validate -> execute -> verify -> rollback), checked against a permissive mocked world.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteTagsCommand,
  DeleteVolumeCommand,
  DescribeAddressesCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  EC2Client,
  ModifyVolumeCommand,
  ReleaseAddressCommand,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { executorPermissions, executors, getExecutor } from '../../src/executors/index.js';
import type { AnyExecutor } from '../../src/executors/types.js';
import { type FakeKube, startFakeKube } from '../helpers/fake-kube.js';
import { allowDryRun, iamActionsSent, makeContext, sent } from './context.js';
import { type FakeInstance, fakeInstance } from './fake-instance.js';
import { fakeGroup, fakeSpotWorld, member, onDemandInstance } from './spot-world.js';

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);
const eks = mockClient(EKSClient);
/** The fake API server of the spot-k8s-replace sample, and what its context needs to reach it. */
let kube: FakeKube | undefined;

/** A realistic params value per kind, the instance state its validate expects, and any extra world. */
const samples: Record<
  keyof typeof executors,
  {
    params: unknown;
    instanceState?: 'stopped';
    setup?: () => void | Promise<void>;
    /** Extra context fields (the Kubernetes seam). */
    context?: () => object;
  }
> = {
  'release-elastic-ip': { params: { allocationId: 'eipalloc-1', publicIp: '52.1.2.3' } },
  'delete-ebs-volume': { params: { volumeId: 'vol-1' } },
  'delete-ebs-snapshot': { params: { snapshotId: 'snap-1' } },
  'create-snapshot': { params: { volumeId: 'vol-1' } },
  'stop-instance': { params: { instanceId: 'i-0abc', requireUnauthorized: true } },
  'start-instance': { params: { instanceId: 'i-0abc' }, instanceState: 'stopped' },
  'terminate-instance': { params: { instanceId: 'i-0abc', requireUnauthorized: true } },
  'tag-resource': { params: { resourceIds: ['i-0abc'], tags: { Owner: 'alice' } } },
  'modify-ebs-volume': { params: { volumeId: 'vol-1' } },
  'resize-instance': { params: { instanceId: 'i-0abc', targetType: 'm5.large' } },
  'spot-lab-switch': {
    params: { instanceId: 'i-0abc', targetAz: 'us-east-1a', instanceType: 'm5.large', maxPrice: 0.096 },
    // With an Elastic IP, so the address move is exercised too.
    setup: () =>
      fakeSpotWorld(ec2, {
        instances: [onDemandInstance({ InstanceId: 'i-0abc' })],
        addresses: [{ AllocationId: 'eipalloc-1', PublicIp: '52.1.2.3', InstanceId: 'i-0abc' }],
      }),
  },
  'spot-asg-swap': {
    params: { groupName: 'web', maxPrice: 0.05 },
    // Full group (MaxSize is raised) whose subnets exclude the instance's own (a subnet is looked up).
    setup: () => {
      const world = fakeSpotWorld(ec2, { instances: [onDemandInstance({ InstanceId: 'i-0abc' })] });
      fakeGroup(asg, world, {
        AutoScalingGroupName: 'web',
        DesiredCapacity: 1,
        MaxSize: 1,
        VPCZoneIdentifier: 'subnet-a2,subnet-b',
        Instances: [member('i-0abc')],
      });
    },
  },
  'spot-k8s-replace': {
    params: {
      cluster: 'prod',
      nodegroup: 'general',
      groupName: 'eks-general',
      instanceType: 'm5.large',
      maxPrice: 0.05,
    },
    // One node with one pod to drain; a launched instance joins the cluster.
    setup: async () => {
      const world = fakeSpotWorld(ec2, { instances: [onDemandInstance({ InstanceId: 'i-0abc' })] });
      fakeGroup(asg, world, {
        AutoScalingGroupName: 'eks-general',
        DesiredCapacity: 1,
        MaxSize: 1,
        VPCZoneIdentifier: 'subnet-a2,subnet-b',
        Instances: [member('i-0abc')],
      });
      eks.on(DescribeNodegroupCommand).resolves({
        nodegroup: {
          status: 'ACTIVE',
          capacityType: 'ON_DEMAND',
          resources: { autoScalingGroups: [{ name: 'eks-general' }] },
        },
      });
      eks.on(DescribeClusterCommand).resolves({
        cluster: { name: 'prod', endpoint: 'https://x.gr7.us-east-1.eks.amazonaws.com' },
      });
      const k = await startFakeKube();
      kube = k;
      // Two replicas and a PDB: a node the readiness check lets go.
      const node = k.addNode('i-0abc');
      for (const name of ['web-1', 'web-2'])
        k.addPod({ name, node, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-5d8' } });
      k.addPdbSpec({ name: 'web', selector: { app: 'web' }, maxUnavailable: 1 });
      const record = world.record.bind(world);
      world.record = (call) => {
        record(call);
        if (call === 'RunInstances') k.addNode(world.launched.at(-1) as string);
      };
    },
    context: () => ({
      kube: { config: kube?.kubeConfig, drain: { evictionBackoffMs: 5, gonePollMs: 5 } },
    }),
  },
};

let world: FakeInstance;
beforeEach(() => {
  ec2.reset();
  asg.reset();
  world = fakeInstance(ec2);
  ec2
    .on(DescribeAddressesCommand)
    .resolves({ Addresses: [{ AllocationId: 'eipalloc-1', PublicIp: '52.1.2.3' }] });
  ec2.on(DescribeVolumesCommand).resolves({
    Volumes: [
      {
        VolumeId: 'vol-1',
        State: 'available',
        VolumeType: 'gp2',
        Size: 10,
        Iops: 100,
        AvailabilityZone: 'us-east-1a',
      },
    ],
  });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }] });
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2.on(DescribeTagsCommand).resolves({ Tags: [] });
  ec2.on(DescribeVolumesModificationsCommand).resolves({ VolumesModifications: [] });
  allowDryRun(
    ec2,
    ReleaseAddressCommand,
    CreateSnapshotCommand,
    DeleteSnapshotCommand,
    DeleteVolumeCommand,
    CreateVolumeCommand,
    CreateTagsCommand,
    DeleteTagsCommand,
    ModifyVolumeCommand,
  );
  ec2.on(CreateSnapshotCommand, { DryRun: false }).resolves({ SnapshotId: 'snap-1', State: 'pending' });
  ec2.on(CreateVolumeCommand, { DryRun: false }).resolves({ VolumeId: 'vol-1', State: 'creating' });
});
afterEach(async () => {
  ec2.reset();
  asg.reset();
  eks.reset();
  await kube?.close();
  kube = undefined;
});

describe('executor registry', () => {
  const entries = Object.entries(executors as Record<string, AnyExecutor>);

  it('holds every executor, each under its own kind', () => {
    expect(Object.keys(executors).sort()).toEqual(Object.keys(samples).sort());
    for (const [kind, executor] of entries) {
      expect(executor.kind).toBe(kind);
      expect(getExecutor(kind)).toBe(executor);
    }
    expect(getExecutor('no-such-kind')).toBeUndefined();
  });

  it.each(entries)(
    '%s declares IAM permissions and a zod schema that accepts its sample',
    (kind, executor) => {
      expect(executor.permissions.length).toBeGreaterThan(0);
      for (const p of executor.permissions) expect(p).toMatch(/^(ec2|autoscaling|iam|eks):[A-Z][A-Za-z]+$/);
      expect(executor.params).toBeInstanceOf(z.ZodType);
      expect(executor.params.safeParse(samples[kind as keyof typeof samples].params).success).toBe(true);
      expect(executor.params.safeParse({}).success).toBe(false);
    },
  );

  it.each(entries)(
    '%s has a rollback exactly when it does not declare itself irreversible',
    (_kind, executor) => {
      expect(typeof executor.rollback === 'function').toBe(!executor.rollbackNote);
    },
  );

  it.each(entries)(
    '%s describes itself in one line and rates risk for both environments',
    (kind, executor) => {
      const params = executor.params.parse(samples[kind as keyof typeof samples].params);
      const line = executor.describe(params);
      expect(line.length).toBeGreaterThan(5);
      expect(line).not.toContain('\n');
      const lab = executor.risk(params, { environment: 'LAB' });
      const prod = executor.risk(params, { environment: 'PROD' });
      const order = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
      expect(order).toContain(lab);
      expect(order.indexOf(prod)).toBeGreaterThanOrEqual(order.indexOf(lab));
    },
  );

  it.each(entries)(
    '%s declares every EC2, Auto Scaling and EKS action it sends, and no action it never needs',
    async (kind, executor) => {
      const sample = samples[kind as keyof typeof samples];
      if (sample.instanceState) world.setState(sample.instanceState);
      await sample.setup?.();
      const params = executor.params.parse(sample.params);
      const ctx = Object.assign(makeContext(), sample.context?.());
      expect(await executor.validate(ctx, params)).toEqual({ ok: true });
      const { undo } = await executor.execute(ctx, params);
      await executor.verify?.(ctx, params);
      if (executor.rollback) await executor.rollback(ctx, params, undo);

      const used = [
        ...iamActionsSent(ec2),
        ...iamActionsSent(asg, 'autoscaling'),
        ...new Set(sent(eks as unknown as Parameters<typeof sent>[0]).map((c) => `eks:${c.name}`)),
      ];
      const missing = used.filter((action) => !executor.permissions.includes(action));
      expect(missing).toEqual([]);
      // Tagging on create (TagSpecifications) needs ec2:CreateTags without a CreateTags call, and
      // launching with an instance profile needs iam:PassRole without an IAM call.
      const implied = ['ec2:CreateTags', 'iam:PassRole'];
      const unused = executor.permissions.filter((p) => !used.includes(p) && !implied.includes(p));
      expect(unused).toEqual([]);
    },
  );

  it('lists every declared permission once, sorted, for the CloudFormation write policy', () => {
    const all = executorPermissions();
    expect(all).toEqual([...new Set(all)].sort());
    expect(all).toContain('ec2:ReleaseAddress');
    expect(all).toContain('ec2:TerminateInstances');
  });
});
