import {
  CreateSnapshotCommand,
  type CreateSnapshotCommandInput,
  DescribeInstanceAttributeCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { terminateInstance } from '../../src/executors/terminate-instance.js';
import { allowDryRun, awsError, denyDryRun, liveMutations, makeContext, sent } from './context.js';
import { fakeInstance } from './fake-instance.js';

const ec2 = mockClient(EC2Client);
const params = terminateInstance.params.parse({ instanceId: 'i-0abc', requireUnauthorized: true });

beforeEach(() => {
  ec2.reset();
  allowDryRun(ec2, CreateSnapshotCommand);
  ec2.on(CreateSnapshotCommand, { DryRun: false }).callsFake((input: CreateSnapshotCommandInput) => ({
    SnapshotId: `snap-${input.VolumeId?.slice(4)}`,
    State: 'pending',
  }));
  ec2.on(DescribeSnapshotsCommand).callsFake((input: { SnapshotIds?: string[] }) => ({
    Snapshots: (input.SnapshotIds ?? []).map((SnapshotId) => ({ SnapshotId, State: 'completed' })),
  }));
});
afterEach(() => ec2.reset());

describe('terminate-instance', () => {
  it('is high risk, critical in production, and says whether it backs up', () => {
    expect(terminateInstance.risk(params, { environment: 'LAB' })).toBe('HIGH');
    expect(terminateInstance.risk(params, { environment: 'PROD' })).toBe('CRITICAL');
    expect(terminateInstance.describe(params)).toBe(
      'Terminate instance i-0abc (snapshot its EBS volumes first)',
    );
    expect(terminateInstance.describe({ instanceId: 'i-0abc', noBackup: true })).toBe(
      'Terminate instance i-0abc (no backup)',
    );
  });

  it('validates with DryRuns of every snapshot and of the termination', async () => {
    fakeInstance(ec2);
    expect(await terminateInstance.validate(makeContext(), params)).toEqual({ ok: true });
    expect(
      sent(ec2)
        .filter((c) => c.input.DryRun)
        .map((c) => [c.name, c.input.VolumeId ?? c.input.InstanceIds]),
    ).toEqual([
      ['CreateSnapshot', 'vol-root'],
      ['CreateSnapshot', 'vol-data'],
      ['TerminateInstances', ['i-0abc']],
    ]);
  });

  it('leaves alone an instance that got ManagedBy=SpotOptimizer since the warning', async () => {
    fakeInstance(ec2, { Tags: [{ Key: 'ManagedBy', Value: 'SpotOptimizer' }] });
    expect(await terminateInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'i-0abc now carries the authorising tag ManagedBy=SpotOptimizer',
    });
  });

  it('does not count ManagedBy with another value as authorising', async () => {
    fakeInstance(ec2, { Tags: [{ Key: 'ManagedBy', Value: 'Terraform' }] });
    expect(await terminateInstance.validate(makeContext(), params)).toEqual({ ok: true });
  });

  it('calls an instance that is already terminated stale', async () => {
    fakeInstance(ec2, { State: { Code: 48, Name: 'terminated' } });
    expect(await terminateInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'i-0abc no longer exists',
    });
  });

  it('refuses an instance with termination protection', async () => {
    fakeInstance(ec2);
    ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiTermination: { Value: true } });
    expect(await terminateInstance.validate(makeContext(), params)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('termination protection'),
    });
  });

  it('names ec2:TerminateInstances when the DryRun is unauthorized', async () => {
    fakeInstance(ec2);
    denyDryRun(ec2, TerminateInstancesCommand);
    expect(await terminateInstance.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:TerminateInstances',
    });
  });

  it('mutates nothing in dry-run mode', async () => {
    const world = fakeInstance(ec2);
    const result = await terminateInstance.execute(makeContext({ dryRun: true }), params);
    expect(result).toEqual({
      summary: 'Would have terminated i-0abc after snapshotting vol-root, vol-data (dry run)',
    });
    expect(liveMutations(ec2)).toEqual([]);
    expect(world.instance.State?.Name).toBe('running');
  });

  it('snapshots every volume and waits for them before terminating', async () => {
    const world = fakeInstance(ec2);
    const ctx = makeContext();
    const result = await terminateInstance.execute(ctx, params);
    expect(result).toEqual({
      summary: 'Terminated i-0abc after snapshotting its volumes to snap-root, snap-data',
      undo: { snapshotIds: ['snap-root', 'snap-data'] },
    });
    const live = sent(ec2)
      .filter((c) => c.input.DryRun !== true)
      .map((c) => c.name);
    expect(live).toEqual([
      'DescribeInstances',
      'CreateSnapshot',
      'CreateSnapshot',
      'DescribeSnapshots',
      'TerminateInstances',
    ]);
    const tags = sent(ec2).find((c) => c.name === 'CreateSnapshot' && c.input.DryRun === false)?.input
      .TagSpecifications;
    expect(tags).toEqual([
      {
        ResourceType: 'snapshot',
        Tags: expect.arrayContaining([{ Key: 'spotops:source-instance', Value: 'i-0abc' }]),
      },
    ]);
    expect(world.instance.State?.Name).toBe('terminated');
    expect(await terminateInstance.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('does not terminate when a snapshot cannot be created', async () => {
    const world = fakeInstance(ec2);
    ec2
      .on(CreateSnapshotCommand, { DryRun: false, VolumeId: 'vol-data' })
      .rejects(awsError('SnapshotCreationPerVolumeRateExceeded', 'too many snapshots'));
    await expect(terminateInstance.execute(makeContext(), params)).rejects.toThrow(
      'snapshotting vol-data of i-0abc before termination',
    );
    expect(liveMutations(ec2).map((c) => c.name)).toEqual(['CreateSnapshot', 'CreateSnapshot']);
    expect(world.instance.State?.Name).toBe('running');
  });

  it('terminates without snapshots when the card says no backup', async () => {
    fakeInstance(ec2);
    const result = await terminateInstance.execute(makeContext(), { instanceId: 'i-0abc', noBackup: true });
    expect(result).toEqual({ summary: 'Terminated i-0abc without a backup', undo: { snapshotIds: [] } });
    expect(liveMutations(ec2).map((c) => c.name)).toEqual(['TerminateInstances']);
  });

  it('has no rollback, and a note that says so', () => {
    expect(terminateInstance.rollback).toBeUndefined();
    expect(terminateInstance.rollbackNote).toMatch(/cannot come back/);
  });
});
