import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type DescribeVolumesCommandInput,
  EC2Client,
  type Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type DeleteEbsVolumeUndo, deleteEbsVolume } from '../../src/executors/delete-ebs-volume.js';
import type { Step } from '../../src/executors/steps.js';
import { allowDryRun, awsError, denyDryRun, liveMutations, makeContext, sent } from './context.js';

const ec2 = mockClient(EC2Client);
const params = deleteEbsVolume.params.parse({ volumeId: 'vol-1' });

function volume(over: Partial<Volume> = {}): Volume {
  return {
    VolumeId: 'vol-1',
    AvailabilityZone: 'us-east-1a',
    Size: 100,
    VolumeType: 'gp3',
    Iops: 4000,
    Throughput: 250,
    State: 'available',
    Encrypted: false,
    Attachments: [],
    CreateTime: new Date('2025-12-01T00:00:00Z'),
    Tags: [
      { Key: 'Name', Value: 'scratch' },
      { Key: 'aws:cloudformation:stack-name', Value: 'old' },
    ],
    ...over,
  };
}

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeVolumesCommand).callsFake((input: DescribeVolumesCommandInput) => {
    const id = input.VolumeIds?.[0];
    return { Volumes: [id === 'vol-1' ? volume() : volume({ VolumeId: id, State: 'available' })] };
  });
  allowDryRun(ec2, CreateSnapshotCommand, DeleteVolumeCommand, CreateVolumeCommand);
  ec2.on(CreateSnapshotCommand, { DryRun: false }).resolves({ SnapshotId: 'snap-1', State: 'pending' });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'completed' }] });
  ec2.on(DeleteVolumeCommand, { DryRun: false }).resolves({});
  ec2.on(CreateVolumeCommand, { DryRun: false }).resolves({ VolumeId: 'vol-2', State: 'creating' });
});
afterEach(() => ec2.reset());

describe('delete-ebs-volume', () => {
  it('validates an unattached volume with DryRuns of the snapshot and the delete', async () => {
    expect(await deleteEbsVolume.validate(makeContext(), params)).toEqual({ ok: true });
    expect(sent(ec2).map((c) => [c.name, c.input.DryRun])).toEqual([
      ['DescribeVolumes', undefined],
      ['CreateSnapshot', true],
      ['DeleteVolume', true],
    ]);
  });

  it('refuses a volume that got attached since the card', async () => {
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [volume({ State: 'in-use', Attachments: [{ InstanceId: 'i-0abc', State: 'attached' }] })],
    });
    expect(await deleteEbsVolume.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'vol-1 is now attached to i-0abc',
    });
  });

  it('calls a volume that no longer exists stale', async () => {
    ec2
      .on(DescribeVolumesCommand)
      .rejects(awsError('InvalidVolume.NotFound', "The volume 'vol-1' does not exist."));
    expect(await deleteEbsVolume.validate(makeContext(), params)).toMatchObject({ ok: false, stale: true });
  });

  it('names ec2:DeleteVolume when the role may snapshot but not delete', async () => {
    denyDryRun(ec2, DeleteVolumeCommand);
    expect(await deleteEbsVolume.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:DeleteVolume',
    });
  });

  it('mutates nothing in dry-run mode', async () => {
    const ctx = makeContext({ dryRun: true });
    const result = await deleteEbsVolume.execute(ctx, params);
    expect(result).toEqual({ summary: 'Would have snapshotted vol-1 and deleted it (dry run)' });
    expect(liveMutations(ec2)).toEqual([]);
    expect(
      sent(ec2)
        .filter((c) => c.input.DryRun === true)
        .map((c) => c.name),
    ).toEqual(['CreateSnapshot', 'DeleteVolume']);
  });

  it('snapshots, waits for the snapshot to complete, then deletes', async () => {
    const ctx = makeContext();
    const result = await deleteEbsVolume.execute(ctx, params);
    const order = sent(ec2)
      .filter((c) => c.input.DryRun !== true)
      .map((c) => c.name);
    expect(order).toEqual(['DescribeVolumes', 'CreateSnapshot', 'DescribeSnapshots', 'DeleteVolume']);
    const snapshot = sent(ec2).find((c) => c.name === 'CreateSnapshot' && c.input.DryRun === false);
    expect(snapshot?.input).toMatchObject({
      VolumeId: 'vol-1',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: 'Name', Value: 'scratch' },
            { Key: 'spotops:source-volume', Value: 'vol-1' },
            { Key: 'spotops:reason', Value: 'delete-ebs-volume' },
            {
              Key: 'spotops:volume-shape',
              Value: JSON.stringify({
                availabilityZone: 'us-east-1a',
                volumeType: 'gp3',
                sizeGiB: 100,
                iops: 4000,
                throughput: 250,
              }),
            },
          ],
        },
      ],
    });
    expect(result.undo).toEqual({
      snapshotId: 'snap-1',
      volume: {
        availabilityZone: 'us-east-1a',
        volumeType: 'gp3',
        sizeGiB: 100,
        iops: 4000,
        throughput: 250,
        tags: { Name: 'scratch' },
      },
    });
    expect(result.summary).toBe('Deleted vol-1 (100 GiB gp3) after backing it up to snap-1');
    expect(ctx.progressLines).toEqual([
      'Backing up vol-1 to snap-1.',
      'Waiting for snap-1 to complete...',
      'snap-1 completed.',
    ]);
  });

  it('resumed after a crash, uses the backup the interrupted attempt made and deletes only what still exists', async () => {
    // The journal says both steps were interrupted: the backup and the delete may both be done.
    const ctx = {
      ...makeContext(),
      executionId: 7,
      steps: { resumed: true, run: <T>(s: Step<T>) => s.run(true) },
    };
    ec2.on(DescribeSnapshotsCommand, { OwnerIds: ['self'] }).resolves({
      Snapshots: [
        {
          SnapshotId: 'snap-made-before',
          State: 'completed',
          Tags: [
            { Key: 'Name', Value: 'scratch' },
            { Key: 'spotops:execution', Value: '7' },
            {
              Key: 'spotops:volume-shape',
              Value: JSON.stringify({ availabilityZone: 'us-east-1a', volumeType: 'gp3', sizeGiB: 100 }),
            },
          ],
        },
      ],
    });
    ec2.on(DescribeVolumesCommand).resolves({ Volumes: [] });
    const result = await deleteEbsVolume.execute(ctx, params);
    const lookup = sent(ec2).find((c) => c.name === 'DescribeSnapshots' && c.input.OwnerIds);
    expect(lookup?.input.Filters).toEqual([
      { Name: 'tag:spotops:execution', Values: ['7'] },
      { Name: 'tag:spotops:step', Values: ['snapshot'] },
    ]);
    expect(liveMutations(ec2)).toEqual([]);
    expect(result.undo).toMatchObject({
      snapshotId: 'snap-made-before',
      volume: { availabilityZone: 'us-east-1a', sizeGiB: 100, tags: { Name: 'scratch' } },
    });
    expect(ctx.progressLines[0]).toBe(
      'Found the backup snap-made-before of vol-1 made before the restart; using it.',
    );
  });

  it('never deletes when the snapshot fails', async () => {
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', State: 'error' }] });
    await expect(deleteEbsVolume.execute(makeContext(), params)).rejects.toThrow('backing up vol-1');
    expect(liveMutations(ec2).map((c) => c.name)).toEqual(['CreateSnapshot']);
  });

  it('restores a volume from the snapshot in the same AZ with the same shape and tags', async () => {
    const undo: DeleteEbsVolumeUndo = {
      snapshotId: 'snap-1',
      volume: {
        availabilityZone: 'us-east-1a',
        volumeType: 'gp3',
        sizeGiB: 100,
        iops: 4000,
        throughput: 250,
        tags: { Name: 'scratch' },
      },
    };
    const summary = await deleteEbsVolume.rollback?.(makeContext(), params, undo);
    expect(summary).toBe('Restored vol-1 as vol-2 from snap-1 in us-east-1a (100 GiB gp3)');
    const create = sent(ec2).find((c) => c.name === 'CreateVolume' && c.input.DryRun === false);
    expect(create?.input).toEqual({
      AvailabilityZone: 'us-east-1a',
      SnapshotId: 'snap-1',
      VolumeType: 'gp3',
      Size: 100,
      Iops: 4000,
      Throughput: 250,
      TagSpecifications: [
        {
          ResourceType: 'volume',
          Tags: [
            { Key: 'Name', Value: 'scratch' },
            { Key: 'spotops:restored-from', Value: 'vol-1/snap-1' },
          ],
        },
      ],
      DryRun: false,
    });
    // It waited for the new volume to become available.
    expect(sent(ec2).at(-1)).toMatchObject({ name: 'DescribeVolumes', input: { VolumeIds: ['vol-2'] } });
  });

  it('does not send IOPS for gp2 on restore (CreateVolume refuses it)', async () => {
    const undo: DeleteEbsVolumeUndo = {
      snapshotId: 'snap-1',
      volume: { availabilityZone: 'us-east-1b', volumeType: 'gp2', sizeGiB: 50, iops: 150, tags: {} },
    };
    await deleteEbsVolume.rollback?.(makeContext(), params, undo);
    const create = sent(ec2).find((c) => c.name === 'CreateVolume' && c.input.DryRun === false);
    expect(create?.input.Iops).toBeUndefined();
    expect(create?.input.Throughput).toBeUndefined();
  });

  it('verifies the volume is gone', async () => {
    expect(await deleteEbsVolume.verify?.(makeContext(), params)).toMatchObject({ ok: false });
    ec2.on(DescribeVolumesCommand).rejects(awsError('InvalidVolume.NotFound', 'gone'));
    expect(await deleteEbsVolume.verify?.(makeContext(), params)).toEqual({ ok: true });
  });
});
