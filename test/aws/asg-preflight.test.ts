import {
  AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  DescribeWarmPoolCommand,
} from '@aws-sdk/client-auto-scaling';
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { asgPreflight } from '../../src/aws/asg-preflight.js';

const asg = mockClient(AutoScalingClient);
const ec2 = mockClient(EC2Client);
const SUBNET_AZ: Record<string, string> = { 'subnet-a': 'us-east-1a', 'subnet-b': 'us-east-1b' };

function group(over: Partial<AutoScalingGroup> = {}): AutoScalingGroup {
  return {
    AutoScalingGroupName: 'web',
    MinSize: 2,
    MaxSize: 4,
    DesiredCapacity: 2,
    DefaultCooldown: 300,
    HealthCheckType: 'EC2',
    CreatedTime: new Date('2026-01-01T00:00:00Z'),
    AvailabilityZones: ['us-east-1a', 'us-east-1b'],
    VPCZoneIdentifier: 'subnet-a,subnet-b',
    LaunchTemplate: { LaunchTemplateId: 'lt-1', LaunchTemplateName: 'web', Version: '4' },
    Instances: [
      {
        InstanceId: 'i-1',
        AvailabilityZone: 'us-east-1a',
        LifecycleState: 'InService',
        HealthStatus: 'Healthy',
        ProtectedFromScaleIn: false,
      },
      {
        InstanceId: 'i-2',
        AvailabilityZone: 'us-east-1b',
        LifecycleState: 'InService',
        HealthStatus: 'Healthy',
        ProtectedFromScaleIn: false,
      },
    ],
    ...over,
  };
}

const run = (g: AutoScalingGroup) => {
  asg.on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [g] });
  return asgPreflight(
    new AutoScalingClient({ region: 'us-east-1' }),
    new EC2Client({ region: 'us-east-1' }),
    'web',
  );
};
const codes = async (g: AutoScalingGroup) => (await run(g)).refusals.map((r) => r.code);

beforeEach(() => {
  asg.reset();
  ec2.reset();
  ec2.on(DescribeSubnetsCommand).callsFake(async (input) => ({
    Subnets: (input.SubnetIds as string[]).map((SubnetId) => ({
      SubnetId,
      AvailabilityZone: SUBNET_AZ[SubnetId],
    })),
  }));
  asg.on(DescribeInstanceRefreshesCommand).resolves({ InstanceRefreshes: [] });
  asg.on(DescribeWarmPoolCommand).resolves({ Instances: [] });
  asg.on(DescribeLifecycleHooksCommand).resolves({ LifecycleHooks: [] });
});

describe('ASG preflight', () => {
  it('lets a group with a subnet per AZ and a launch template be swapped, and says what it found', async () => {
    const r = await run(group());
    expect(r.refusals).toEqual([]);
    expect(r.notes).toEqual([
      'Subnets: us-east-1a subnet-a; us-east-1b subnet-b',
      'Launch template web (version 4)',
    ]);
  });

  it('refuses a group defined by AvailabilityZones only', async () => {
    const r = await run(group({ VPCZoneIdentifier: undefined }));
    expect(r.refusals).toEqual([
      {
        code: 'no-subnets',
        title:
          "defined by AvailabilityZones only (us-east-1a, us-east-1b), no subnets: a clone needs a subnet in its instance's AZ",
        objects: [],
      },
    ]);
    expect(ec2.commandCalls(DescribeSubnetsCommand)).toHaveLength(0);
  });

  it('refuses when an instance runs in an AZ the group has no subnet in', async () => {
    const r = await run(group({ VPCZoneIdentifier: 'subnet-a' }));
    expect(r.refusals).toMatchObject([{ code: 'no-subnet-in-az', objects: ['us-east-1b'] }]);
  });

  it('refuses a launch configuration, blocking suspended processes, a refresh, a warm pool and terminating hooks', async () => {
    asg
      .on(DescribeInstanceRefreshesCommand)
      .resolves({ InstanceRefreshes: [{ InstanceRefreshId: 'r', Status: 'InProgress' }] });
    asg
      .on(DescribeWarmPoolCommand)
      .resolves({ WarmPoolConfiguration: { PoolState: 'Stopped' }, Instances: [{}, {}] as never });
    asg.on(DescribeLifecycleHooksCommand).resolves({
      LifecycleHooks: [
        { LifecycleHookName: 'drain', LifecycleTransition: 'autoscaling:EC2_INSTANCE_TERMINATING' },
        { LifecycleHookName: 'register', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING' },
      ],
    });
    const r = await run(
      group({
        LaunchTemplate: undefined,
        LaunchConfigurationName: 'web-lc',
        SuspendedProcesses: [{ ProcessName: 'Terminate' }, { ProcessName: 'AZRebalance' }],
      }),
    );
    expect(r.refusals.map((x) => [x.code, x.objects])).toEqual([
      ['launch-configuration', ['web-lc']],
      ['suspended-processes', ['Terminate']],
      ['instance-refresh', []],
      ['warm-pool', ['2 warm instance(s), state Stopped']],
      ['terminating-hook', ['drain']],
    ]);
    expect(r.notes).toContain('Suspended: AZRebalance');
    expect(r.notes).toContain(
      'Launching lifecycle hooks: register (check that they accept attached instances)',
    );
  });

  it('notes a mixed instances policy (its template counts) and a warm pool it could not read', async () => {
    asg.on(DescribeWarmPoolCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    const r = await run(
      group({
        LaunchTemplate: undefined,
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateName: 'mixed', Version: '$Latest' },
          },
          InstancesDistribution: { OnDemandBaseCapacity: 1, OnDemandPercentageAboveBaseCapacity: 50 },
        },
      }),
    );
    expect(r.refusals).toEqual([]);
    expect(r.notes).toEqual([
      'Subnets: us-east-1a subnet-a; us-east-1b subnet-b',
      'Launch template mixed (version $Latest)',
      'Mixed instances policy: On-Demand base 1, 50% On-Demand above it; new launches follow the policy, not the swap',
      'Warm pool not checked (the role lacks autoscaling:DescribeWarmPool)',
    ]);
    expect(await codes(group({ LaunchTemplate: undefined }))).toEqual(['no-launch-template']);
  });
});
