import {
  EC2Client,
  ModifyInstanceAttributeCommand,
  type ModifyInstanceAttributeCommandInput,
  StartInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resizeInstance } from '../../src/executors/resize-instance.js';
import { describeError } from '../../src/lib/errors.js';
import { awsError, denyDryRun, liveMutations, makeContext, sent } from './context.js';
import { fakeInstance } from './fake-instance.js';

const ec2 = mockClient(EC2Client);
const params = resizeInstance.params.parse({ instanceId: 'i-0abc', targetType: 'm5.large' });
const liveSteps = () =>
  liveMutations(ec2).map((c) =>
    c.name === 'ModifyInstanceAttribute'
      ? `Modify:${(c.input as unknown as ModifyInstanceAttributeCommandInput).InstanceType?.Value}`
      : c.name,
  );

beforeEach(() => ec2.reset());
afterEach(() => ec2.reset());

describe('resize-instance', () => {
  it('rejects a malformed target type in its params', () => {
    expect(resizeInstance.params.safeParse({ instanceId: 'i-0abc', targetType: 'huge' }).success).toBe(false);
    expect(resizeInstance.risk(params, { environment: 'LAB' })).toBe('MEDIUM');
  });

  it('validates a running instance with DryRuns of stop, modify and start', async () => {
    fakeInstance(ec2);
    expect(await resizeInstance.validate(makeContext(), params)).toEqual({ ok: true });
    expect(
      sent(ec2)
        .filter((c) => c.input.DryRun)
        .map((c) => c.name),
    ).toEqual(['StopInstances', 'ModifyInstanceAttribute', 'StartInstances']);
  });

  it('calls an instance that already has the target type stale', async () => {
    fakeInstance(ec2, { InstanceType: 'm5.large' });
    expect(await resizeInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'i-0abc is already m5.large',
    });
  });

  it('names ec2:ModifyInstanceAttribute when the DryRun is unauthorized', async () => {
    fakeInstance(ec2);
    denyDryRun(ec2, ModifyInstanceAttributeCommand);
    expect(await resizeInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:ModifyInstanceAttribute',
    });
  });

  it('mutates nothing in dry-run mode', async () => {
    const world = fakeInstance(ec2);
    const result = await resizeInstance.execute(makeContext({ dryRun: true }), params);
    expect(result).toEqual({ summary: 'Would have resized i-0abc from m5.xlarge to m5.large (dry run)' });
    expect(liveMutations(ec2)).toEqual([]);
    expect(world.instance).toMatchObject({ InstanceType: 'm5.xlarge', State: { Name: 'running' } });
  });

  it('stops, changes the type, starts, and records the original type', async () => {
    const world = fakeInstance(ec2);
    const ctx = makeContext();
    const result = await resizeInstance.execute(ctx, params);
    expect(result).toEqual({
      summary: 'Resized i-0abc from m5.xlarge to m5.large (stopped, changed type, started)',
      undo: { originalType: 'm5.xlarge', wasRunning: true },
    });
    expect(liveSteps()).toEqual(['StopInstances', 'Modify:m5.large', 'StartInstances']);
    expect(world.instance).toMatchObject({ InstanceType: 'm5.large', State: { Name: 'running' } });
    expect(await resizeInstance.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('starts the instance again when the type change fails after the stop', async () => {
    const world = fakeInstance(ec2);
    ec2
      .on(ModifyInstanceAttributeCommand, { DryRun: false })
      .rejects(awsError('InvalidParameterCombination', 'm5.large is not supported for this AMI'));
    const failure = await resizeInstance.execute(makeContext(), params).catch((err: unknown) => err);
    expect(describeError(failure)).toMatch(
      /^resizing i-0abc from m5.xlarge to m5.large failed; put it back as m5.xlarge and started it again: m5.large is not supported/,
    );
    expect(liveSteps()).toEqual(['StopInstances', 'Modify:m5.large', 'StartInstances']);
    expect(world.instance).toMatchObject({ InstanceType: 'm5.xlarge', State: { Name: 'running' } });
  });

  it('changes the type back and starts when the new type cannot start', async () => {
    const world = fakeInstance(ec2);
    ec2.on(StartInstancesCommand, { DryRun: false }).callsFake(() => {
      if (world.instance.InstanceType === 'm5.large') {
        throw awsError(
          'InsufficientInstanceCapacity',
          'We currently do not have sufficient m5.large capacity',
        );
      }
      world.setState('running');
      return { StartingInstances: [] };
    });
    await expect(resizeInstance.execute(makeContext(), params)).rejects.toThrow(
      'put it back as m5.xlarge and started it again',
    );
    expect(liveSteps()).toEqual([
      'StopInstances',
      'Modify:m5.large',
      'StartInstances',
      'Modify:m5.xlarge',
      'StartInstances',
    ]);
    expect(world.instance).toMatchObject({ InstanceType: 'm5.xlarge', State: { Name: 'running' } });
  });

  it('leaves a stopped instance stopped', async () => {
    const world = fakeInstance(ec2, { State: { Code: 80, Name: 'stopped' } });
    const result = await resizeInstance.execute(makeContext(), params);
    expect(result.undo).toEqual({ originalType: 'm5.xlarge', wasRunning: false });
    expect(liveSteps()).toEqual(['Modify:m5.large']);
    expect(world.instance.State?.Name).toBe('stopped');
  });

  it('rolls back: stop, original type, start', async () => {
    const world = fakeInstance(ec2, { InstanceType: 'm5.large' });
    const summary = await resizeInstance.rollback?.(makeContext(), params, {
      originalType: 'm5.xlarge',
      wasRunning: true,
    });
    expect(summary).toBe('Changed i-0abc back to m5.xlarge and started it');
    expect(liveSteps()).toEqual(['StopInstances', 'Modify:m5.xlarge', 'StartInstances']);
    expect(world.instance).toMatchObject({ InstanceType: 'm5.xlarge', State: { Name: 'running' } });
  });
});
