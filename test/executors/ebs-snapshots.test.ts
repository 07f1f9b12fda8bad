import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSnapshotExecutor } from '../../src/executors/create-snapshot.js';
import { deleteEbsSnapshot } from '../../src/executors/delete-ebs-snapshot.js';
import { allowDryRun, awsError, denyDryRun, liveMutations, makeContext, sent } from './context.js';

const ec2 = mockClient(EC2Client);
const oldSnapshot = {
  SnapshotId: 'snap-old',
  VolumeId: 'vol-gone',
  State: 'completed' as const,
  StartTime: new Date('2025-06-01T00:00:00Z'),
  VolumeSize: 8,
  OwnerId: '123456789012',
  Encrypted: false,
  Description: 'nightly',
};

beforeEach(() => {
  ec2.reset();
  allowDryRun(ec2, DeleteSnapshotCommand, CreateSnapshotCommand);
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [oldSnapshot] });
  ec2.on(DescribeImagesCommand).resolves({ Images: [] });
  ec2.on(DeleteSnapshotCommand, { DryRun: false }).resolves({});
});
afterEach(() => ec2.reset());

describe('delete-ebs-snapshot', () => {
  const params = deleteEbsSnapshot.params.parse({ snapshotId: 'snap-old' });

  it('validates a snapshot no AMI uses, asking only about this account’s AMIs', async () => {
    expect(await deleteEbsSnapshot.validate(makeContext(), params)).toEqual({ ok: true });
    expect(sent(ec2).find((c) => c.name === 'DescribeImages')?.input).toEqual({
      Owners: ['self'],
      Filters: [{ Name: 'block-device-mapping.snapshot-id', Values: ['snap-old'] }],
    });
    expect(deleteEbsSnapshot.risk(params, { environment: 'LAB' })).toBe('HIGH');
  });

  it('refuses a snapshot that an AMI now uses', async () => {
    ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: 'ami-42', State: 'available' }] });
    expect(await deleteEbsSnapshot.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'snap-old is now used by ami-42',
    });
  });

  it('calls a snapshot that no longer exists stale', async () => {
    ec2
      .on(DescribeSnapshotsCommand)
      .rejects(awsError('InvalidSnapshot.NotFound', "The snapshot 'snap-old' does not exist."));
    expect(await deleteEbsSnapshot.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'snap-old no longer exists',
    });
  });

  it('names ec2:DeleteSnapshot when the DryRun is unauthorized', async () => {
    denyDryRun(ec2, DeleteSnapshotCommand);
    expect(await deleteEbsSnapshot.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:DeleteSnapshot',
    });
  });

  it('sends only a DryRun in dry-run mode, and deletes live', async () => {
    expect(await deleteEbsSnapshot.execute(makeContext({ dryRun: true }), params)).toEqual({
      summary: 'Would have deleted snap-old (dry run)',
    });
    expect(liveMutations(ec2)).toEqual([]);
    expect(await deleteEbsSnapshot.execute(makeContext(), params)).toEqual({ summary: 'Deleted snap-old' });
    expect(liveMutations(ec2)).toEqual([
      { name: 'DeleteSnapshot', input: { SnapshotId: 'snap-old', DryRun: false } },
    ]);
  });

  it('verifies the snapshot is gone and declares itself irreversible', async () => {
    ec2.on(DescribeSnapshotsCommand).rejects(awsError('InvalidSnapshot.NotFound', 'gone'));
    expect(await deleteEbsSnapshot.verify?.(makeContext(), params)).toEqual({ ok: true });
    expect(deleteEbsSnapshot.rollback).toBeUndefined();
    expect(deleteEbsSnapshot.rollbackNote).toBeTruthy();
  });
});

describe('create-snapshot', () => {
  const params = createSnapshotExecutor.params.parse({ volumeId: 'vol-1', tags: { Purpose: 'pre-upgrade' } });

  beforeEach(() => {
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [
        {
          VolumeId: 'vol-1',
          State: 'in-use',
          Size: 20,
          VolumeType: 'gp3',
          AvailabilityZone: 'us-east-1a',
          Tags: [
            { Key: 'Team', Value: 'data' },
            { Key: 'aws:ec2launchtemplate:id', Value: 'lt-1' },
          ],
        },
      ],
    });
    ec2.on(CreateSnapshotCommand, { DryRun: false }).resolves({ SnapshotId: 'snap-new', State: 'pending' });
    ec2
      .on(DescribeSnapshotsCommand)
      .resolves({ Snapshots: [{ SnapshotId: 'snap-new', State: 'completed' }] });
  });

  it('calls a volume that no longer exists stale', async () => {
    ec2.on(DescribeVolumesCommand).rejects(awsError('InvalidVolume.NotFound', 'gone'));
    expect(await createSnapshotExecutor.validate(makeContext(), params)).toMatchObject({
      ok: false,
      stale: true,
    });
  });

  it('names ec2:CreateSnapshot when the DryRun is unauthorized', async () => {
    denyDryRun(ec2, CreateSnapshotCommand);
    expect(await createSnapshotExecutor.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:CreateSnapshot',
    });
  });

  it('sends only a DryRun in dry-run mode', async () => {
    const result = await createSnapshotExecutor.execute(makeContext({ dryRun: true }), params);
    expect(result).toEqual({ summary: 'Would have snapshotted vol-1 (dry run)' });
    expect(liveMutations(ec2)).toEqual([]);
  });

  it('snapshots with the volume’s writable tags plus the requested ones, and waits for completion', async () => {
    const ctx = makeContext();
    const result = await createSnapshotExecutor.execute(ctx, params);
    expect(result).toEqual({ summary: 'Snapshotted vol-1 as snap-new', undo: { snapshotId: 'snap-new' } });
    const create = liveMutations(ec2)[0];
    expect(create?.input.TagSpecifications).toEqual([
      {
        ResourceType: 'snapshot',
        Tags: [
          { Key: 'Team', Value: 'data' },
          { Key: 'Purpose', Value: 'pre-upgrade' },
          { Key: 'spotops:source-volume', Value: 'vol-1' },
          { Key: 'spotops:reason', Value: 'create-snapshot' },
        ],
      },
    ]);
    expect(sent(ec2).at(-1)).toMatchObject({
      name: 'DescribeSnapshots',
      input: { SnapshotIds: ['snap-new'] },
    });
    expect(await createSnapshotExecutor.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('rolls back by deleting the snapshot it made', async () => {
    const summary = await createSnapshotExecutor.rollback?.(makeContext(), params, {
      snapshotId: 'snap-new',
    });
    expect(summary).toBe('Deleted snap-new, the snapshot of vol-1');
    expect(liveMutations(ec2)).toEqual([
      { name: 'DeleteSnapshot', input: { SnapshotId: 'snap-new', DryRun: false } },
    ]);
  });
});
