// Interruption response for an EKS node: the node group scales out at once, the node is cordoned
// and drained through the Eviction API (PDBs respected) within the notice, and the warned instance
// leaves the group with decrement once the new node's instance is InService.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client, type Instance } from '@aws-sdk/client-ec2';
import {
  DescribeClusterCommand,
  DescribeNodegroupCommand,
  EKSClient,
  UpdateNodegroupConfigCommand,
  type UpdateNodegroupConfigCommandInput,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emergencyReplace } from '../../src/executors/emergency-replace.js';
import { EksTokenCache } from '../../src/k8s/eks-token.js';
import { silentLogger } from '../../src/lib/logger.js';
import { iamActionsSent, sent } from '../executors/context.js';
import {
  fakeGroup,
  fakeSpotWorld,
  member,
  onDemandInstance,
  type SpotWorld,
} from '../executors/spot-world.js';
import { type FakeKube, startFakeKube } from '../helpers/fake-kube.js';
import { LAUNCH_TO_RUNNING_MS, makeSim, type Sim } from './interruption-sim.js';

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);
const eks = mockClient(EKSClient);
const GROUP = 'eks-general-1234';

const node = (id: string, az: string, subnet: string): Instance =>
  onDemandInstance({
    InstanceId: id,
    InstanceLifecycle: 'spot',
    SubnetId: subnet,
    Placement: { AvailabilityZone: az },
    Tags: [
      { Key: 'eks:cluster-name', Value: 'prod' },
      { Key: 'eks:nodegroup-name', Value: 'general' },
      { Key: 'aws:autoscaling:groupName', Value: GROUP },
    ],
  });

let world: SpotWorld;
let sim: Sim;
let kube: FakeKube;
const scaling = { minSize: 2, maxSize: 2, desiredSize: 2 };

beforeEach(async () => {
  ec2.reset();
  asg.reset();
  eks.reset();
  world = fakeSpotWorld(ec2, {
    instances: [node('i-0ccc1', 'us-east-1a', 'subnet-a'), node('i-0ccc2', 'us-east-1b', 'subnet-b')],
  });
  fakeGroup(asg, world, {
    AutoScalingGroupName: GROUP,
    DesiredCapacity: 2,
    MinSize: 2,
    MaxSize: 2,
    Instances: [member('i-0ccc1'), member('i-0ccc2', 'us-east-1b')],
  });
  sim = makeSim(world, ec2);
  kube = await startFakeKube({ deleteDelayMs: 20, startDelayMs: 40, nodeReadyDelayMs: 10 });
  const n1 = kube.addNode('i-0ccc1');
  const n2 = kube.addNode('i-0ccc2', { az: 'us-east-1b' });
  kube.addPod({ name: 'web-1', node: n1, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
  kube.addPod({ name: 'web-2', node: n2, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
  kube.addPdb('web', 1);

  Object.assign(scaling, { minSize: 2, maxSize: 2, desiredSize: 2 });
  eks.on(DescribeNodegroupCommand).callsFake(() => ({
    nodegroup: {
      nodegroupName: 'general',
      clusterName: 'prod',
      status: 'ACTIVE',
      capacityType: 'SPOT',
      scalingConfig: { ...scaling },
      resources: { autoScalingGroups: [{ name: GROUP }] },
    },
  }));
  eks.on(DescribeClusterCommand).resolves({
    cluster: {
      name: 'prod',
      status: 'ACTIVE',
      endpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
      certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
    },
  });
  // EKS scales the group: a new instance launches, runs after 20 s, then joins the group and the cluster.
  eks.on(UpdateNodegroupConfigCommand).callsFake((input: UpdateNodegroupConfigCommandInput) => {
    const want = input.scalingConfig ?? {};
    if (want.maxSize !== undefined) scaling.maxSize = want.maxSize;
    if (want.desiredSize !== undefined && want.desiredSize < scaling.desiredSize)
      scaling.desiredSize = want.desiredSize;
    if (want.desiredSize !== undefined && want.desiredSize > scaling.desiredSize) {
      scaling.desiredSize = want.desiredSize;
      const g = world.group!;
      g.MaxSize = scaling.maxSize;
      g.DesiredCapacity = want.desiredSize;
      const id = 'i-0new1';
      const at = sim.clock.now().getTime();
      world.instances.set(id, { ...node(id, 'us-east-1b', 'subnet-b'), State: { Code: 0, Name: 'pending' } });
      sim.onTick.push((now) => {
        if (now >= at + LAUNCH_TO_RUNNING_MS && world.instances.get(id)?.State?.Name === 'pending') {
          world.setState(id, 'running');
          g.Instances?.push(member(id, 'us-east-1b'));
          kube.addNode(id, { az: 'us-east-1b', ready: false });
        }
      });
      world.record('UpdateNodegroupConfig');
    }
    return { update: { id: 'upd-1', status: 'InProgress' } };
  });
});
afterEach(async () => {
  await kube.close();
});

describe('an interruption warning for an EKS node of a node group spotops moved', () => {
  it('scales out at once, drains within the notice, and keeps capacity at desired', async () => {
    const start = sim.clock.now().getTime();
    const deadline = new Date(start + 120_000);
    sim.deadlines.set('i-0ccc1', deadline.getTime());
    const ctx = Object.assign(
      {
        dryRun: false,
        aws: sim.access,
        account: { id: 1, name: 'prod', environment: 'PROD' as const, awsAccountId: '123456789012' },
        region: 'us-east-1',
        actor: 'system:interruption',
        clock: sim.clock,
        log: silentLogger,
        waits: { minDelaySeconds: 0.001, maxDelaySeconds: 0.002, maxWaitSeconds: 20 },
      },
      {
        kube: {
          config: kube.kubeConfig,
          tokens: new EksTokenCache(),
          drain: { evictionBackoffMs: 5, gonePollMs: 5 },
        },
      },
    );
    const params = emergencyReplace.params.parse({
      target: 'k8s',
      instanceId: 'i-0ccc1',
      cluster: 'prod',
      nodegroup: 'general',
      deadline: deadline.toISOString(),
    });
    expect(await emergencyReplace.validate(ctx, params)).toEqual({ ok: true });
    const { undo: outcome } = await emergencyReplace.execute(ctx, params);

    expect(new Date(outcome!.requestedAt!).getTime() - start).toBeLessThan(5_000);
    expect(new Date(outcome!.healthyAt!).getTime()).toBeLessThan(deadline.getTime());
    expect(outcome).toMatchObject({ replacementId: 'i-0new1', reportOnly: false });
    // Cordoned, and web-1 left through an eviction (the PDB allowed one).
    const events = kube.events.map((e) => `${e.type} ${e.target}`);
    expect(events).toContain('cordon ip-0ccc1.ec2.internal');
    expect(events).toContain('evicted default/web-1');
    // The warned instance left with decrement, max back to 2; InService never below 2.
    expect(world.group?.Instances?.map((i) => i.InstanceId).sort()).toEqual(['i-0ccc2', 'i-0new1']);
    expect(world.group?.DesiredCapacity).toBe(2);
    expect(scaling).toMatchObject({ desiredSize: 2, maxSize: 2 });
    for (const s of world.steps) expect(s.inService, s.call).toBeGreaterThanOrEqual(2);
    // Every action the replacement sent is one the executor declares (the write policy has it).
    const sentActions = [
      ...iamActionsSent(ec2),
      ...iamActionsSent(asg, 'autoscaling'),
      ...new Set(sent(eks as unknown as Parameters<typeof sent>[0]).map((c) => `eks:${c.name}`)),
    ];
    expect(sentActions.filter((a) => !emergencyReplace.permissions.includes(a))).toEqual([]);
  });
});
