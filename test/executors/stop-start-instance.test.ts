import { EC2Client, StartInstancesCommand, StopInstancesCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startInstance } from '../../src/executors/start-instance.js';
import { stopInstance } from '../../src/executors/stop-instance.js';
import { denyDryRun, liveMutations, makeContext, sent } from './context.js';
import { fakeInstance } from './fake-instance.js';

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());
afterEach(() => ec2.reset());

describe('stop-instance', () => {
  const params = stopInstance.params.parse({ instanceId: 'i-0abc' });
  const shadow = stopInstance.params.parse({ instanceId: 'i-0abc', requireUnauthorized: true });

  it('is medium risk, high in production', () => {
    expect(stopInstance.risk(params, { environment: 'LAB' })).toBe('MEDIUM');
    expect(stopInstance.risk(params, { environment: 'PROD' })).toBe('HIGH');
    expect(stopInstance.describe(params)).toBe('Stop instance i-0abc');
  });

  it('validates a running instance with a DryRun stop', async () => {
    fakeInstance(ec2);
    expect(await stopInstance.validate(makeContext(), params)).toEqual({ ok: true });
    expect(sent(ec2).map((c) => [c.name, c.input.DryRun])).toEqual([
      ['DescribeInstances', undefined],
      ['StopInstances', true],
    ]);
  });

  it('leaves alone an instance claimed with an authorising tag when Shadow IT asks', async () => {
    fakeInstance(ec2, { Tags: [{ Key: 'kubernetes.io/cluster/prod', Value: 'owned' }] });
    expect(await stopInstance.validate(makeContext(), shadow)).toEqual({
      ok: false,
      stale: true,
      reason: 'i-0abc now carries the authorising tag kubernetes.io/cluster/prod=owned',
    });
    // Without requireUnauthorized the tag does not matter.
    expect(await stopInstance.validate(makeContext(), params)).toEqual({ ok: true });
  });

  it('calls an already stopped instance stale', async () => {
    fakeInstance(ec2, { State: { Code: 80, Name: 'stopped' } });
    expect(await stopInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'i-0abc is stopped, not running',
    });
  });

  it('names ec2:StopInstances when the DryRun is unauthorized', async () => {
    fakeInstance(ec2);
    denyDryRun(ec2, StopInstancesCommand);
    expect(await stopInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:StopInstances',
    });
  });

  it('sends only a DryRun in dry-run mode', async () => {
    const world = fakeInstance(ec2);
    const result = await stopInstance.execute(makeContext({ dryRun: true }), params);
    expect(result).toEqual({ summary: 'Would have stopped i-0abc (dry run)' });
    expect(liveMutations(ec2)).toEqual([]);
    expect(world.instance.State?.Name).toBe('running');
  });

  it('stops, waits until stopped, verifies, and rolls back by starting', async () => {
    const world = fakeInstance(ec2);
    const ctx = makeContext();
    const result = await stopInstance.execute(ctx, params);
    expect(result).toEqual({ summary: 'Stopped i-0abc', undo: { instanceId: 'i-0abc' } });
    expect(world.instance.State?.Name).toBe('stopped');
    expect(await stopInstance.verify?.(ctx, params)).toEqual({ ok: true });
    expect(await stopInstance.rollback?.(ctx, params, { instanceId: 'i-0abc' })).toBe('Started i-0abc again');
    expect(world.instance.State?.Name).toBe('running');
    expect(liveMutations(ec2).map((c) => c.name)).toEqual(['StopInstances', 'StartInstances']);
  });
});

describe('start-instance', () => {
  const params = startInstance.params.parse({ instanceId: 'i-0abc' });

  it('refuses an instance that is already running', async () => {
    fakeInstance(ec2);
    expect(await startInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'i-0abc is running, not stopped',
    });
  });

  it('names ec2:StartInstances when the DryRun is unauthorized', async () => {
    fakeInstance(ec2, { State: { Code: 80, Name: 'stopped' } });
    denyDryRun(ec2, StartInstancesCommand);
    expect(await startInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:StartInstances',
    });
  });

  it('sends only a DryRun in dry-run mode', async () => {
    fakeInstance(ec2, { State: { Code: 80, Name: 'stopped' } });
    const result = await startInstance.execute(makeContext({ dryRun: true }), params);
    expect(result.summary).toBe('Would have started i-0abc (dry run)');
    expect(liveMutations(ec2)).toEqual([]);
  });

  it('starts, verifies running, and rolls back by stopping', async () => {
    const world = fakeInstance(ec2, { State: { Code: 80, Name: 'stopped' } });
    const ctx = makeContext();
    expect(await startInstance.validate(ctx, params)).toEqual({ ok: true });
    const result = await startInstance.execute(ctx, params);
    expect(result.summary).toBe('Started i-0abc');
    expect(await startInstance.verify?.(ctx, params)).toEqual({ ok: true });
    expect(await startInstance.rollback?.(ctx, params, { instanceId: 'i-0abc' })).toBe(
      'Stopped i-0abc again',
    );
    expect(world.instance.State?.Name).toBe('stopped');
  });

  it('fails with the wait named when the instance never reaches running', async () => {
    const world = fakeInstance(ec2, { State: { Code: 80, Name: 'stopped' } });
    ec2.on(StartInstancesCommand, { DryRun: false }).callsFake(() => {
      world.setState('pending');
      return { StartingInstances: [] };
    });
    const ctx = makeContext();
    ctx.waits = { minDelaySeconds: 0.001, maxDelaySeconds: 0.005, maxWaitSeconds: 0.05 };
    await expect(startInstance.execute(ctx, params)).rejects.toThrow('starting i-0abc');
  });
});
