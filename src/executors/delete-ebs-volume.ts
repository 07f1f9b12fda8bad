// delete-ebs-volume: snapshot an unattached volume, wait for the snapshot, then delete the volume
// (waste manager). Reversible: rollback creates a volume from that snapshot in the same AZ with the
// same type, size, IOPS/throughput and tags (a new volume id: EBS ids are never reused).
import type { Tag, VolumeType } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { awaitSnapshots, createSnapshot, writableTags } from '../aws/ebs.js';
import { findVolume } from '../aws/ec2-lookup.js';
import { ec2Sdk } from '../aws/sdk.js';
import { findTaggedSnapshots } from '../aws/tagged.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import { waitVolumeAvailable } from '../aws/waiters.js';
import { clientToken, step, stepTags } from './steps.js';
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

/** The backup step's result: the snapshot (null in dry-run) and the shape rollback restores. */
interface Backup {
  snapshotId: string | null;
  volume: DeleteEbsVolumeUndo['volume'];
}

/** On the backup: the volume's shape, so a resumed step that finds the backup can still restore it. */
const SHAPE_TAG = 'spotops:volume-shape';

function shapeFromTags(tags: readonly Tag[]): DeleteEbsVolumeUndo['volume'] {
  const own = Object.fromEntries(
    tags.filter((t) => t.Key && !t.Key.startsWith('spotops:')).map((t) => [t.Key ?? '', t.Value ?? '']),
  );
  const raw = tags.find((t) => t.Key === SHAPE_TAG)?.Value;
  const shape = raw ? (JSON.parse(raw) as Omit<DeleteEbsVolumeUndo['volume'], 'tags'>) : undefined;
  return {
    availabilityZone: shape?.availabilityZone ?? '',
    volumeType: shape?.volumeType ?? 'gp3',
    sizeGiB: shape?.sizeGiB ?? 0,
    iops: shape?.iops,
    throughput: shape?.throughput,
    tags: own,
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

  risk: () => 'HIGH', // a deletion: approval policy level HIGH (engine/approval-risk.ts)

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
        ec2.send(new ec2Sdk.CreateSnapshotCommand({ VolumeId: p.volumeId, DryRun: true })),
      );
      await dryRunCheck('ec2:DeleteVolume', () =>
        ec2.send(new ec2Sdk.DeleteVolumeCommand({ VolumeId: p.volumeId, DryRun: true })),
      );
      return OK;
    }),

  // Three durable steps: backup -> backup completed -> delete. Each is safe to run again after a
  // crash: the backup is found by its step tags, the delete checks the volume first.
  resumable: true,

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    // IMPORTANT: nothing is deleted without a backup; the snapshot must be completed first. The
    // backup is the step's recorded result, so a crash after it never orphans it.
    const backup = await step<Backup>(ctx, {
      name: 'snapshot',
      run: async (again) => {
        if (again) {
          const [made] = await findTaggedSnapshots(ec2, stepTags(ctx, 'snapshot'));
          if (made?.SnapshotId && made.Tags) {
            await ctx.progress?.(
              `Found the backup ${made.SnapshotId} of ${p.volumeId} made before the restart; using it.`,
            );
            return { snapshotId: made.SnapshotId, volume: shapeFromTags(made.Tags) };
          }
        }
        const volume = await findVolume(ec2, p.volumeId);
        if (!volume) throw new Error(`deleting ${p.volumeId}: it no longer exists`);
        const tags = writableTags(volume.Tags).filter((t) => !t.Key?.startsWith('spotops:'));
        const shape: DeleteEbsVolumeUndo['volume'] = {
          availabilityZone: volume.AvailabilityZone ?? '',
          volumeType: volume.VolumeType ?? 'gp3',
          sizeGiB: volume.Size ?? 0,
          iops: volume.Iops,
          throughput: volume.Throughput,
          tags: Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? ''])),
        };
        const snapshotId = await attempting(`snapshotting ${p.volumeId} before deletion`, () =>
          createSnapshot(ctx, ec2, {
            volumeId: p.volumeId,
            description: `spotops backup of ${p.volumeId} before deletion`,
            tags: [
              ...tags,
              { Key: 'spotops:source-volume', Value: p.volumeId },
              { Key: 'spotops:reason', Value: 'delete-ebs-volume' },
              { Key: SHAPE_TAG, Value: JSON.stringify({ ...shape, tags: undefined }) },
              ...stepTags(ctx, 'snapshot'),
            ],
          }),
        );
        if (snapshotId) await ctx.progress?.(`Backing up ${p.volumeId} to ${snapshotId}.`);
        return { snapshotId: snapshotId ?? null, volume: shape };
      },
      compensate: async (b) =>
        b.snapshotId ? `kept the backup ${b.snapshotId} of ${p.volumeId}` : 'no backup was made',
    });
    const snapshotId = backup.snapshotId;
    if (snapshotId) {
      await step(ctx, {
        name: 'snapshot-completed',
        run: () => attempting(`backing up ${p.volumeId}`, () => awaitSnapshots(ctx, ec2, [snapshotId])),
      });
    }
    const kept = snapshotId ? ` (its backup ${snapshotId} was kept)` : '';
    const deleted = await step<{ dryRun: boolean }>(ctx, {
      name: 'delete',
      run: async (again) => {
        if (again && !ctx.dryRun) {
          const volume = await findVolume(ec2, p.volumeId);
          if (!volume || volume.State === 'deleting' || volume.State === 'deleted') return { dryRun: false };
        }
        const res = await attempting(`deleting ${p.volumeId}${kept}`, () =>
          mutateEc2(ctx, 'ec2:DeleteVolume', (dryRun) =>
            ec2.send(new ec2Sdk.DeleteVolumeCommand({ VolumeId: p.volumeId, DryRun: dryRun })),
          ),
        );
        return { dryRun: res.dryRun };
      },
    });
    if (deleted.dryRun || !snapshotId) {
      return { summary: `Would have snapshotted ${p.volumeId} and deleted it (dry run)` };
    }
    const undo: DeleteEbsVolumeUndo = { snapshotId, volume: backup.volume };
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
          new ec2Sdk.CreateVolumeCommand({
            AvailabilityZone: v.availabilityZone,
            SnapshotId: undo.snapshotId,
            VolumeType: v.volumeType as VolumeType,
            Size: v.sizeGiB,
            Iops: PROVISIONED_IOPS.has(v.volumeType) ? v.iops : undefined,
            Throughput: v.volumeType === 'gp3' ? v.throughput : undefined,
            TagSpecifications: [{ ResourceType: 'volume', Tags: tags }],
            // The same token on a resumed rollback: AWS answers with the volume it already made.
            ClientToken: clientToken(ctx, 'rollback'),
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
