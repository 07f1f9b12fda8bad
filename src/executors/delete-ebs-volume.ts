// delete-ebs-volume: snapshot an unattached volume, wait for the snapshot, then delete the volume
// (waste manager). Reversible: rollback creates a volume from that snapshot in the same AZ with the
// same type, size, IOPS/throughput and tags (a new volume id: EBS ids are never reused).
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  type Tag,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { awaitSnapshots, createSnapshot, writableTags } from '../aws/ebs.js';
import { findVolume } from '../aws/ec2-lookup.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import { waitVolumeAvailable } from '../aws/waiters.js';
import type { Executor } from './types.js';

const params = z.object({ volumeId: z.string().min(1) });
export type DeleteEbsVolumeParams = z.infer<typeof params>;

/** What rollback needs: the backup and the shape of the volume it came from. */
export interface DeleteEbsVolumeUndo {
  snapshotId: string;
  volume: {
    availabilityZone: string;
    volumeType: string;
    sizeGiB: number;
    iops?: number;
    throughput?: number;
    tags: Record<string, string>;
  };
}

// Only these types accept an explicit IOPS value on CreateVolume; only gp3 a throughput.
const PROVISIONED_IOPS = new Set(['io1', 'io2', 'gp3']);

export const deleteEbsVolume: Executor<DeleteEbsVolumeParams, DeleteEbsVolumeUndo> = {
  kind: 'delete-ebs-volume',
  params,
  permissions: [
    'ec2:DescribeVolumes',
    'ec2:CreateSnapshot',
    'ec2:CreateTags',
    'ec2:DescribeSnapshots',
    'ec2:DeleteVolume',
    'ec2:CreateVolume',
  ],

  risk: () => 'MEDIUM',

  describe: (p) => `Snapshot and delete EBS volume ${p.volumeId}`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const volume = await findVolume(ec2, p.volumeId);
      if (!volume || volume.State === 'deleting' || volume.State === 'deleted') {
        return stale(`${p.volumeId} no longer exists`);
      }
      const attachedTo = volume.Attachments?.map((a) => a.InstanceId).filter(Boolean) ?? [];
      if (attachedTo.length > 0 || volume.State === 'in-use') {
        return stale(`${p.volumeId} is now attached to ${attachedTo.join(', ') || 'an instance'}`);
      }
      await dryRunCheck('ec2:CreateSnapshot', () =>
        ec2.send(new CreateSnapshotCommand({ VolumeId: p.volumeId, DryRun: true })),
      );
      await dryRunCheck('ec2:DeleteVolume', () =>
        ec2.send(new DeleteVolumeCommand({ VolumeId: p.volumeId, DryRun: true })),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const volume = await findVolume(ec2, p.volumeId);
    if (!volume) throw new Error(`deleting ${p.volumeId}: it no longer exists`);
    const tags = writableTags(volume.Tags).filter((t) => !t.Key?.startsWith('spotops:'));
    // IMPORTANT: nothing is deleted without a backup; the snapshot must be completed first.
    const snapshotId = await attempting(`snapshotting ${p.volumeId} before deletion`, () =>
      createSnapshot(ctx, ec2, {
        volumeId: p.volumeId,
        description: `spotops backup of ${p.volumeId} before deletion`,
        tags: [
          ...tags,
          { Key: 'spotops:source-volume', Value: p.volumeId },
          { Key: 'spotops:reason', Value: 'delete-ebs-volume' },
        ],
      }),
    );
    if (snapshotId)
      await attempting(`backing up ${p.volumeId}`, () => awaitSnapshots(ctx, ec2, [snapshotId]));
    const kept = snapshotId ? ` (its backup ${snapshotId} was kept)` : '';
    const res = await attempting(`deleting ${p.volumeId}${kept}`, () =>
      mutateEc2(ctx, 'ec2:DeleteVolume', (dryRun) =>
        ec2.send(new DeleteVolumeCommand({ VolumeId: p.volumeId, DryRun: dryRun })),
      ),
    );
    if (res.dryRun || !snapshotId) {
      return { summary: `Would have snapshotted ${p.volumeId} and deleted it (dry run)` };
    }
    const undo: DeleteEbsVolumeUndo = {
      snapshotId,
      volume: {
        availabilityZone: volume.AvailabilityZone ?? '',
        volumeType: volume.VolumeType ?? 'gp3',
        sizeGiB: volume.Size ?? 0,
        iops: volume.Iops,
        throughput: volume.Throughput,
        tags: Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? ''])),
      },
    };
    return {
      summary: `Deleted ${p.volumeId} (${undo.volume.sizeGiB} GiB ${undo.volume.volumeType}) after backing it up to ${snapshotId}`,
      undo,
    };
  },

  async verify(ctx, p) {
    const volume = await findVolume(ctx.aws.ec2(ctx.region), p.volumeId);
    if (!volume || volume.State === 'deleted' || volume.State === 'deleting') return OK;
    return { ok: false, reason: `${p.volumeId} still exists (${volume.State})` };
  },

  async rollback(ctx, p, undo) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const v = undo.volume;
    const tags: Tag[] = [
      ...Object.entries(v.tags).map(([Key, Value]) => ({ Key, Value })),
      { Key: 'spotops:restored-from', Value: `${p.volumeId}/${undo.snapshotId}` },
    ];
    const res = await attempting(`restoring ${p.volumeId} from ${undo.snapshotId}`, () =>
      mutateEc2(ctx, 'ec2:CreateVolume', (dryRun) =>
        ec2.send(
          new CreateVolumeCommand({
            AvailabilityZone: v.availabilityZone,
            SnapshotId: undo.snapshotId,
            VolumeType: v.volumeType as VolumeType,
            Size: v.sizeGiB,
            Iops: PROVISIONED_IOPS.has(v.volumeType) ? v.iops : undefined,
            Throughput: v.volumeType === 'gp3' ? v.throughput : undefined,
            TagSpecifications: [{ ResourceType: 'volume', Tags: tags }],
            DryRun: dryRun,
          }),
        ),
      ),
    );
    if (res.dryRun) return `Would have restored ${p.volumeId} from ${undo.snapshotId} (dry run)`;
    const newId = res.result.VolumeId;
    if (!newId) throw new Error(`restoring ${p.volumeId}: CreateVolume answered without a VolumeId`);
    await ctx.progress?.(`Waiting for ${newId} to become available...`);
    await waitVolumeAvailable(ctx, ec2, newId);
    return `Restored ${p.volumeId} as ${newId} from ${undo.snapshotId} in ${v.availabilityZone} (${v.sizeGiB} GiB ${v.volumeType})`;
  },
};
