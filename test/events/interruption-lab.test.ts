// Interruption response for a lab instance spotops moved to Spot: a copy from the newest AMI of
// its line, in a healthy pool or On-Demand; the Elastic IP moves and the data volumes that outlive
// the old instance are reattached once it has stopped.
import { EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type Account,
  executions,
  interruptionResponses,
  onDemandFallbacks,
  recommendations,
} from '../../src/db/schema.js';
import { handleAndRespond } from '../../src/events/respond.js';
import { emergencyReplace } from '../../src/executors/emergency-replace.js';
import { iamActionsSent } from '../executors/context.js';
import { fakeSpotWorld, onDemandInstance, type SpotWorld } from '../executors/spot-world.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { makeSim, PROD_AWS, type Sim } from './interruption-sim.js';

const ec2 = mockClient(EC2Client);

let t: TestDatabase;
let world: SpotWorld;
let sim: Sim;
let account: Account;

/** The Spot clone the lab switch left: tagged with the instance it replaced, an EIP on it. */
function labClone(withData: boolean): Instance {
  return onDemandInstance({
    InstanceId: 'i-0bbb1',
    InstanceLifecycle: 'spot',
    Tags: [
      { Key: 'Name', Value: 'lab-box' },
      { Key: 'ManagedBy', Value: 'SpotOptimizer' },
      { Key: 'spotops:replaces', Value: 'i-0old' },
    ],
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeId: 'vol-root', Status: 'attached', DeleteOnTermination: true },
      },
      ...(withData
        ? [
            {
              DeviceName: '/dev/sdf',
              Ebs: { VolumeId: 'vol-data', Status: 'attached' as const, DeleteOnTermination: false },
            },
          ]
        : []),
    ],
  });
}

async function setup(withData: boolean) {
  world = fakeSpotWorld(ec2, {
    instances: [labClone(withData)],
    addresses: [
      {
        AllocationId: 'eipalloc-1',
        PublicIp: '52.1.2.3',
        InstanceId: 'i-0bbb1',
        AssociationId: 'eipassoc-0',
        PrivateIpAddress: '10.0.1.10',
      },
    ],
    volumes: [
      { VolumeId: 'vol-root', Size: 8, VolumeType: 'gp3', Iops: 3000, Throughput: 125, State: 'in-use' },
      { VolumeId: 'vol-data', Size: 100, VolumeType: 'gp3', Iops: 3000, Throughput: 125, State: 'in-use' },
    ],
  });
  // The move's AMI (older) and one the snapshot schedule took of the clone since (newest).
  world.images.set('ami-0move', {
    ImageId: 'ami-0move',
    State: 'available',
    CreationDate: '2026-11-01T00:00:00.000Z',
    Tags: [{ Key: 'spotops:source-instance', Value: 'i-0old' }],
    BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-move-root' } }],
  });
  world.images.set('ami-0fresh', {
    ImageId: 'ami-0fresh',
    State: 'available',
    CreationDate: '2026-11-30T00:00:00.000Z',
    Tags: [{ Key: 'spotops:source-instance', Value: 'i-0bbb1' }],
    BlockDeviceMappings: [
      { DeviceName: '/dev/xvda', Ebs: { SnapshotId: 'snap-fresh-root' } },
      { DeviceName: '/dev/sdf', Ebs: { SnapshotId: 'snap-fresh-data' } },
    ],
  });
  sim = makeSim(world, ec2);
  const [rec] = await t.db
    .insert(recommendations)
    .values({
      fingerprint: 'fp-lab',
      kind: 'spot-lab',
      executor: 'spot-lab-switch',
      accountId: account.id,
      region: 'us-east-1',
      resourceId: 'i-0old',
      title: 'Move i-0old to Spot',
      params: {},
      evidence: {},
      status: 'executed',
      slackChannel: 'C0MOVES',
    })
    .returning();
  await t.db.insert(executions).values({
    recommendationId: rec!.id,
    accountId: account.id,
    region: 'us-east-1',
    executor: 'spot-lab-switch',
    params: { instanceId: 'i-0old', targetAz: 'us-east-1a', instanceType: 'm5.large', maxPrice: 0.096 },
    requestedBy: 'U0BOB',
    approvedBy: 'U0BOB',
    dryRun: false,
    status: 'succeeded',
  });
}

beforeEach(async () => {
  ec2.reset();
  t = await createTestDatabase();
  account = await verifiedAccount(t.db, { name: 'prod', environment: 'PROD', awsAccountId: PROD_AWS });
});
afterEach(async () => {
  await t.destroy();
});

async function respond() {
  const warnedAt = sim.clock.now().getTime();
  const { response } = await handleAndRespond(sim.deps(t.db), sim.warning('i-0bbb1', 'evt-lab'));
  if (response?.kind !== 'started') throw new Error(`not started: ${JSON.stringify(response)}`);
  await response.done;
  const [row] = await t.db.select().from(interruptionResponses);
  return { row: row!, warnedAt };
}

describe('an interruption warning for a lab instance spotops moved to Spot', { timeout: 90_000 }, () => {
  it('launches a copy from the newest AMI in a healthy pool before the deadline and moves the EIP once the old one stops', async () => {
    await setup(false);
    const { row, warnedAt } = await respond();
    expect(row).toMatchObject({ status: 'replaced', target: 'lab', onDemand: false });
    expect(row.requestedAt!.getTime() - row.readAt.getTime()).toBeLessThan(5_000);
    expect(row.healthyAt!.getTime()).toBeLessThan(warnedAt + 120_000);
    const run = sim.calls.find((c) => c.name === 'RunInstances' && c.input.DryRun === false)!;
    expect(run.input).toMatchObject({ ImageId: 'ami-0fresh', InstanceType: 'm5.large' });
    // Pool use1-az4 was just poisoned: the copy runs in the other AZ of the VPC, as Spot.
    expect(world.instances.get(row.replacementId!)).toMatchObject({
      SubnetId: 'subnet-b',
      InstanceLifecycle: 'spot',
    });
    // The address moved only after the warned instance had stopped, onto the replacement.
    expect(world.associatedWhile).toEqual([{ instanceId: row.replacementId, state: 'running' }]);
    const moved = sim.calls.find((c) => c.name === 'AssociateAddress' && c.input.DryRun === false)!;
    expect(moved.at).toBeGreaterThanOrEqual(warnedAt + 120_000);
    expect(world.addresses[0]?.InstanceId).toBe(row.replacementId);
    const sentActions = iamActionsSent(ec2);
    expect(sentActions.filter((a) => !emergencyReplace.permissions.includes(a))).toEqual([]);
  });

  it('stays in the AZ of its data volume, On-Demand, and reattaches the volume once the old instance is gone', async () => {
    await setup(true);
    const { row, warnedAt } = await respond();
    expect(row).toMatchObject({ status: 'replaced', onDemand: true });
    expect(row.healthyAt!.getTime()).toBeLessThan(warnedAt + 120_000);
    const run = sim.calls.find((c) => c.name === 'RunInstances' && c.input.DryRun === false)!;
    // The data device is kept off the AMI's mapping: the volume itself comes back.
    expect(run.input.BlockDeviceMappings).toEqual(
      expect.arrayContaining([{ DeviceName: '/dev/sdf', NoDevice: '' }]),
    );
    expect(run.input.InstanceMarketOptions).toBeUndefined();
    expect(sim.attachedVolumes).toEqual([{ volumeId: 'vol-data', instanceId: row.replacementId }]);
    expect(await t.db.select().from(onDemandFallbacks)).toMatchObject([
      { instanceId: row.replacementId, target: 'lab', availabilityZone: 'us-east-1a' },
    ]);
  });
});
