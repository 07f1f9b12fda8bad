// A one-instance EC2 world for executor tests: DescribeInstances shows the current state, and the
// live (non-DryRun) stop/start/modify/terminate calls change it, like AWS would (instantly).
import {
  type _InstanceType,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  type EC2Client,
  type Instance,
  type InstanceStateName,
  ModifyInstanceAttributeCommand,
  type ModifyInstanceAttributeCommandInput,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { allowDryRun } from './context.js';

export interface FakeInstance {
  instance: Instance;
  setState(state: InstanceStateName): void;
}

export function fakeInstance(mock: AwsClientStub<EC2Client>, over: Partial<Instance> = {}): FakeInstance {
  const instance: Instance = {
    InstanceId: 'i-0abc',
    InstanceType: 'm5.xlarge',
    ImageId: 'ami-0123',
    LaunchTime: new Date('2026-02-01T00:00:00Z'),
    Placement: { AvailabilityZone: 'us-east-1a', Tenancy: 'default' },
    State: { Code: 16, Name: 'running' },
    SubnetId: 'subnet-1',
    VpcId: 'vpc-1',
    RootDeviceName: '/dev/xvda',
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeId: 'vol-root', Status: 'attached', DeleteOnTermination: true },
      },
      {
        DeviceName: '/dev/sdf',
        Ebs: { VolumeId: 'vol-data', Status: 'attached', DeleteOnTermination: false },
      },
    ],
    Tags: [{ Key: 'Name', Value: 'someones-box' }],
    ...over,
  };
  const codes: Record<string, number> = {
    pending: 0,
    running: 16,
    'shutting-down': 32,
    terminated: 48,
    stopping: 64,
    stopped: 80,
  };
  const setState = (state: InstanceStateName) => {
    instance.State = { Code: codes[state], Name: state };
  };
  mock.on(DescribeInstancesCommand).callsFake(() => ({
    Reservations: [{ ReservationId: 'r-1', OwnerId: '123456789012', Instances: [structuredClone(instance)] }],
  }));
  mock
    .on(DescribeInstanceAttributeCommand)
    .resolves({ InstanceId: instance.InstanceId, DisableApiTermination: { Value: false } });
  allowDryRun(
    mock,
    StopInstancesCommand,
    StartInstancesCommand,
    ModifyInstanceAttributeCommand,
    TerminateInstancesCommand,
  );
  const change = (from: string, to: InstanceStateName) => {
    const previous = { Code: instance.State?.Code, Name: instance.State?.Name };
    setState(to);
    return {
      InstanceId: instance.InstanceId,
      PreviousState: previous,
      CurrentState: { Code: codes[from], Name: from as InstanceStateName },
    };
  };
  mock
    .on(StopInstancesCommand, { DryRun: false })
    .callsFake(() => ({ StoppingInstances: [change('stopping', 'stopped')] }));
  mock
    .on(StartInstancesCommand, { DryRun: false })
    .callsFake(() => ({ StartingInstances: [change('pending', 'running')] }));
  mock
    .on(TerminateInstancesCommand, { DryRun: false })
    .callsFake(() => ({ TerminatingInstances: [change('shutting-down', 'terminated')] }));
  mock
    .on(ModifyInstanceAttributeCommand, { DryRun: false })
    .callsFake((input: ModifyInstanceAttributeCommandInput) => {
      if (instance.State?.Name !== 'stopped') {
        throw Object.assign(
          new Error(`The instance '${instance.InstanceId}' is not in the 'stopped' state.`),
          {
            name: 'IncorrectInstanceState',
          },
        );
      }
      instance.InstanceType = input.InstanceType?.Value as _InstanceType;
      return {};
    });
  return { instance, setState };
}
