import {
  AttachInstancesCommand,
  AutoScalingClient,
  DetachInstancesCommand,
} from '@aws-sdk/client-auto-scaling';
import { EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spotAsgSwap } from '../../src/executors/spot-asg-swap.js';
import { awsError, denyDryRun, liveMutations, makeContext, sent } from './context.js';
import { fakeGroup, fakeSpotWorld, member, onDemandInstance, type SpotWorld } from './spot-world.js';

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);
const params = spotAsgSwap.params.parse({ groupName: 'web', maxPrice: 0.05 });

const webTags = [
  { Key: 'Name', Value: 'web' },
  { Key: 'aws:autoscaling:groupName', Value: 'web' },
];

let world: SpotWorld;
beforeEach(() => {
  ec2.reset();
  asg.reset();
  world = fakeSpotWorld(ec2, {
    instances: [
      onDemandInstance({ InstanceId: 'i-0od1', Tags: webTags }),
      onDemandInstance({
        InstanceId: 'i-0od2',
        SubnetId: 'subnet-b',
        Placement: { AvailabilityZone: 'us-east-1b' },
        Tags: webTags,
      }),
      onDemandInstance({ InstanceId: 'i-0spot', InstanceLifecycle: 'spot', Tags: webTags }),
    ],
  });
  fakeGroup(asg, world, {
    AutoScalingGroupName: 'web',
    DesiredCapacity: 3,
    MaxSize: 3,
    Instances: [member('i-0od1'), member('i-0od2', 'us-east-1b'), member('i-0spot')],
  });
});
afterEach(() => {
  ec2.reset();
  asg.reset();
});

const asgCalls = () =>
  liveMutations(asg).map((c) => `${c.name} ${JSON.stringify(c.input.InstanceIds ?? c.input.MaxSize)}`);
const state = (id: string) => world.instances.get(id)?.State?.Name;
const groupIds = () => world.group?.Instances?.map((i) => i.InstanceId);

/** IMPORTANT: the invariant of the swap, checked after every recorded call. */
function expectCapacityHeld(desiredBefore: number) {
  expect(world.steps.length).toBeGreaterThan(0);
  for (const step of world.steps) {
    expect(step.inService, `${step.call}: InService ${step.inService}`).toBeGreaterThanOrEqual(desiredBefore);
    expect(step.desired, step.call).toBeGreaterThanOrEqual(desiredBefore);
  }
}

describe('spot-asg-swap', () => {
  it('is high risk, critical in production, and says how many at a time', () => {
    expect(spotAsgSwap.risk(params, { environment: 'LAB' })).toBe('HIGH');
    expect(spotAsgSwap.risk(params, { environment: 'PROD' })).toBe('HIGH');
    expect(spotAsgSwap.describe({ ...params, instanceType: 'm5.large' })).toBe(
      'Swap the On-Demand instances of web to Spot (m5.large, max $0.05/h, 1 at a time)',
    );
    expect(spotAsgSwap.rollback).toBeUndefined();
    expect(spotAsgSwap.rollbackNote).toContain('terminated');
  });

  it('validates with a DryRun launch from the launch template per AZ and a DryRun termination', async () => {
    expect(await spotAsgSwap.validate(makeContext(), params)).toEqual({ ok: true });
    const dryRuns = sent(ec2).filter((c) => c.input.DryRun === true);
    expect(dryRuns.map((c) => [c.name, c.input.SubnetId ?? c.input.InstanceIds])).toEqual([
      ['RunInstances', 'subnet-a'],
      ['RunInstances', 'subnet-b'],
      ['TerminateInstances', ['i-0od1', 'i-0od2']],
    ]);
    expect(dryRuns[0]?.input).toMatchObject({
      LaunchTemplate: { LaunchTemplateId: 'lt-0web', Version: '$Default' },
      InstanceType: 'm5.large',
      InstanceMarketOptions: {
        MarketType: 'spot',
        SpotOptions: {
          MaxPrice: '0.05',
          SpotInstanceType: 'one-time',
          InstanceInterruptionBehavior: 'terminate',
        },
      },
    });
    expect(dryRuns[0]?.input.LaunchTemplate).not.toHaveProperty('LaunchTemplateName');
    expect(liveMutations(asg)).toEqual([]);
  });

  it('refuses, before any DryRun, a group with a warm pool or a terminating lifecycle hook', async () => {
    world.warmPool = { WarmPoolConfiguration: { PoolState: 'Stopped' } };
    world.lifecycleHooks.push({
      LifecycleHookName: 'drain-connections',
      LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING',
    });
    expect(await spotAsgSwap.validate(makeContext(), params)).toEqual({
      ok: false,
      reason:
        'web cannot be swapped as it is: has a warm pool: scale-outs would come back On-Demand from it (0 warm instance(s), state Stopped); terminating lifecycle hooks would be skipped (the old instance is detached before it is terminated) (drain-connections)',
    });
    expect(sent(ec2).filter((c) => c.input.DryRun === true)).toEqual([]);
  });

  it('pauses while the group is mid instance-refresh', async () => {
    world.refreshes.push({ InstanceRefreshId: 'r-1', AutoScalingGroupName: 'web', Status: 'InProgress' });
    expect(await spotAsgSwap.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'paused: instance refresh in progress in web',
    });
    world.refreshes[0]!.Status = 'Successful';
    expect(await spotAsgSwap.validate(makeContext(), params)).toEqual({ ok: true });
  });

  it('calls a group without On-Demand InService instances stale', async () => {
    world.group!.Instances = [member('i-0spot'), { ...member('i-0od1'), LifecycleState: 'Terminating' }];
    expect(await spotAsgSwap.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'web has no On-Demand InService instances left',
    });
  });

  it('calls a deleted group stale', async () => {
    expect(await spotAsgSwap.validate(makeContext(), { ...params, groupName: 'gone' })).toEqual({
      ok: false,
      stale: true,
      reason: 'gone no longer exists',
    });
  });

  it('refuses a group that launches from a launch configuration', async () => {
    world.group!.LaunchTemplate = undefined;
    world.group!.LaunchConfigurationName = 'web-lc';
    expect(await spotAsgSwap.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'web launches from launch configuration web-lc; a clone needs a launch template',
    });
  });

  it('calls the swap stale when one of the pools is poisoned', async () => {
    const ctx = makeContext();
    const asked: string[] = [];
    ctx.poolGuard = async (pool) => {
      asked.push(`${pool.az}/${pool.instanceType}`);
      return { poisoned: pool.az === 'use1-az6' };
    };
    expect(await spotAsgSwap.validate(ctx, params)).toEqual({
      ok: false,
      stale: true,
      reason: 'the Spot pool us-east-1/use1-az6/m5.large is poisoned after an interruption in production',
    });
    expect(asked).toEqual(['use1-az4/m5.large', 'use1-az6/m5.large']);
  });

  it('names ec2:RunInstances when the role may not launch', async () => {
    denyDryRun(ec2, RunInstancesCommand);
    expect(await spotAsgSwap.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:RunInstances',
    });
  });

  it('sends EC2 DryRuns only and no Auto Scaling change at all in dry-run mode', async () => {
    const result = await spotAsgSwap.execute(makeContext({ dryRun: true }), params);
    expect(result).toEqual({
      summary:
        'Would have swapped 2 On-Demand instances of web (i-0od1, i-0od2) to Spot (max $0.05/h) (dry run)',
    });
    expect(liveMutations(ec2)).toEqual([]);
    expect(liveMutations(asg)).toEqual([]);
    expect(world.launched).toEqual([]);
    expect(world.group?.DesiredCapacity).toBe(3);
  });

  it('swaps one at a time: launch, healthy, attach, InService, detach, restore max, terminate', async () => {
    const ctx = makeContext();
    const result = await spotAsgSwap.execute(ctx, params);
    expect(result).toEqual({
      summary:
        'Swapped 2 On-Demand instances of web (i-0od1, i-0od2) to Spot (max $0.05/h): i-0od1 -> i-0clone1, i-0od2 -> i-0clone2',
      undo: {
        swaps: [
          { oldInstanceId: 'i-0od1', cloneId: 'i-0clone1', availabilityZone: 'us-east-1a' },
          { oldInstanceId: 'i-0od2', cloneId: 'i-0clone2', availabilityZone: 'us-east-1b' },
        ],
      },
    });
    expect(asgCalls()).toEqual([
      'UpdateAutoScalingGroup 4',
      'AttachInstances ["i-0clone1"]',
      'DetachInstances ["i-0od1"]',
      'UpdateAutoScalingGroup 3',
      'UpdateAutoScalingGroup 4',
      'AttachInstances ["i-0clone2"]',
      'DetachInstances ["i-0od2"]',
      'UpdateAutoScalingGroup 3',
    ]);
    expect(world.steps.map((s) => s.call)).toEqual([
      'RunInstances',
      'UpdateAutoScalingGroup',
      'AttachInstances',
      'DetachInstances',
      'UpdateAutoScalingGroup',
      'TerminateInstances',
      'RunInstances',
      'UpdateAutoScalingGroup',
      'AttachInstances',
      'DetachInstances',
      'UpdateAutoScalingGroup',
      'TerminateInstances',
    ]);
    expectCapacityHeld(3);
    // Each clone passed its status checks before it was attached.
    expect(world.attached).toEqual([
      { instanceId: 'i-0clone1', statusOk: true },
      { instanceId: 'i-0clone2', statusOk: true },
    ]);
    const detach = liveMutations(asg).find((c) => c.name === 'DetachInstances');
    expect(detach?.input.ShouldDecrementDesiredCapacity).toBe(true);

    const launches = liveMutations(ec2).filter((c) => c.name === 'RunInstances');
    expect(launches.map((c) => c.input.SubnetId)).toEqual(['subnet-a', 'subnet-b']);
    expect(launches[0]?.input.TagSpecifications).toContainEqual({
      ResourceType: 'instance',
      Tags: [
        { Key: 'Name', Value: 'web' },
        { Key: 'ManagedBy', Value: 'SpotOptimizer' },
        { Key: 'spotops:replaces', Value: 'i-0od1' },
      ],
    });
    expect(
      liveMutations(ec2)
        .filter((c) => c.name === 'TerminateInstances')
        .map((c) => c.input.InstanceIds),
    ).toEqual([['i-0od1'], ['i-0od2']]);
    expect(groupIds()).toEqual(['i-0spot', 'i-0clone1', 'i-0clone2']);
    expect(world.group).toMatchObject({ DesiredCapacity: 3, MaxSize: 3 });
    expect(state('i-0od1')).toBe('terminated');
    expect(await spotAsgSwap.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('swaps a batch together and leaves MaxSize alone when there is room', async () => {
    world.group!.MaxSize = 6;
    await spotAsgSwap.execute(makeContext(), { ...params, batchSize: 2, instanceType: 'm6i.large' });
    expect(asgCalls()).toEqual([
      'AttachInstances ["i-0clone1","i-0clone2"]',
      'DetachInstances ["i-0od1","i-0od2"]',
    ]);
    expectCapacityHeld(3);
    expect(world.steps.find((s) => s.call === 'AttachInstances')?.desired).toBe(5);
    expect(
      liveMutations(ec2)
        .filter((c) => c.name === 'RunInstances')
        .map((c) => c.input.InstanceType),
    ).toEqual(['m6i.large', 'm6i.large']);
    expect(world.group).toMatchObject({ DesiredCapacity: 3, MaxSize: 6 });
  });

  it('puts the clone in a group subnet of the old instance AZ when its own subnet left the group', async () => {
    world.group!.VPCZoneIdentifier = 'subnet-b,subnet-a2';
    await spotAsgSwap.execute(makeContext(), params);
    expect(
      liveMutations(ec2)
        .filter((c) => c.name === 'RunInstances')
        .map((c) => c.input.SubnetId),
    ).toEqual(['subnet-a2', 'subnet-b']);
  });

  it('changes nothing in the group when the Spot launch fails', async () => {
    ec2
      .on(RunInstancesCommand, { DryRun: false })
      .rejects(awsError('InsufficientInstanceCapacity', 'no capacity'));
    await expect(spotAsgSwap.execute(makeContext(), params)).rejects.toThrow(
      'swapping i-0od1 in web failed while launching Spot clones of i-0od1; no clone was launched; i-0od1 untouched',
    );
    expect(liveMutations(asg)).toEqual([]);
    expect(state('i-0od1')).toBe('running');
  });

  it('terminates the clone and restores MaxSize when the attach fails', async () => {
    asg.on(AttachInstancesCommand).rejects(awsError('ValidationError', 'instance is not in a valid state'));
    await expect(spotAsgSwap.execute(makeContext(), params)).rejects.toThrow(
      'swapping i-0od1 in web failed while attaching i-0clone1 to web; terminated the clone i-0clone1; i-0od1 untouched',
    );
    expect(asgCalls()).toEqual([
      'UpdateAutoScalingGroup 4',
      'AttachInstances ["i-0clone1"]',
      'UpdateAutoScalingGroup 3',
    ]);
    expect(state('i-0clone1')).toBe('terminated');
    expect(state('i-0od1')).toBe('running');
    expect(world.group).toMatchObject({ DesiredCapacity: 3, MaxSize: 3 });
    expectCapacityHeld(3);
  });

  it('detaches and terminates an attached clone, and restores MaxSize, when the old one cannot leave', async () => {
    asg
      .on(DetachInstancesCommand, { InstanceIds: ['i-0od1'] })
      .rejects(awsError('ValidationError', 'not now'));
    await expect(spotAsgSwap.execute(makeContext(), params)).rejects.toThrow(
      'swapping i-0od1 in web failed while detaching i-0od1 from web; detached i-0clone1; terminated the clone i-0clone1; i-0od1 untouched',
    );
    expect(asgCalls()).toEqual([
      'UpdateAutoScalingGroup 4',
      'AttachInstances ["i-0clone1"]',
      'DetachInstances ["i-0od1"]',
      'DetachInstances ["i-0clone1"]',
      'UpdateAutoScalingGroup 3',
    ]);
    expect(liveMutations(asg)[3]?.input.ShouldDecrementDesiredCapacity).toBe(true);
    expect(state('i-0clone1')).toBe('terminated');
    expect(state('i-0od1')).toBe('running');
    expect(groupIds()).toEqual(['i-0od1', 'i-0od2', 'i-0spot']);
    expect(world.group).toMatchObject({ DesiredCapacity: 3, MaxSize: 3 });
    expectCapacityHeld(3);
  });

  it('names the swaps already done when a later batch fails', async () => {
    asg
      .on(AttachInstancesCommand, { InstanceIds: ['i-0clone2'] })
      .rejects(awsError('ValidationError', 'nope'));
    const err = (await spotAsgSwap.execute(makeContext(), params).catch((e: Error) => e)) as Error;
    expect(err.message).toBe('already swapped i-0od1 -> i-0clone1; then');
    expect((err.cause as Error).message).toContain('swapping i-0od2 in web failed while attaching i-0clone2');
    expect(state('i-0od1')).toBe('terminated');
    expect(state('i-0od2')).toBe('running');
    expect(state('i-0clone2')).toBe('terminated');
    expectCapacityHeld(3);
  });

  it('fails verification while a replaced instance is still InService', async () => {
    await spotAsgSwap.execute(makeContext(), params);
    world.group!.Instances!.push(member('i-0od1'));
    world.setState('i-0od1', 'running');
    expect(await spotAsgSwap.verify?.(makeContext(), params)).toEqual({
      ok: false,
      reason: 'i-0od1 is still InService in web',
    });
  });

  it('fails verification when InService capacity is below desired', async () => {
    await spotAsgSwap.execute(makeContext(), params);
    world.group!.DesiredCapacity = 4;
    expect(await spotAsgSwap.verify?.(makeContext(), params)).toEqual({
      ok: false,
      reason: 'web has 3 InService instances for a desired 4',
    });
  });
});
