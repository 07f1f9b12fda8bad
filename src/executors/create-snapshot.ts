// create-snapshot: takes a snapshot of one EBS volume and waits until it is completed. Reversible:
// rollback deletes the snapshot it made.
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { awaitSnapshots, createSnapshot, writableTags } from '../aws/ebs.js';
import { findVolume } from '../aws/ec2-lookup.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import type { Executor } from './types.js';

const params = z.object({
  volumeId: z.string().min(1),
  description: z.string().max(255).optional(),
  /** Extra tags for the snapshot; the volume's own tags are copied as well. */
  tags: z.record(z.string(), z.string()).optional(),
});
export type CreateSnapshotParams = z.infer<typeof params>;
export interface CreateSnapshotUndo {
  snapshotId: string;
}

/** Marks snapshots this executor made, so verify can find them without the execution's undo. */
const SOURCE_TAG = 'spotops:source-volume';
const REASON = 'create-snapshot';

export const createSnapshotExecutor: Executor<CreateSnapshotParams, CreateSnapshotUndo> = {
  kind: 'create-snapshot',
  params,
  permissions: [
    'ec2:DescribeVolumes',
    'ec2:CreateSnapshot',
    'ec2:CreateTags',
    'ec2:DescribeSnapshots',
    'ec2:DeleteSnapshot',
  ],

  risk: () => 'LOW',

  describe: (p) => `Snapshot EBS volume ${p.volumeId}`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const volume = await findVolume(ec2, p.volumeId);
      if (!volume || volume.State === 'deleting' || volume.State === 'deleted') {
        return stale(`${p.volumeId} no longer exists`);
      }
      await dryRunCheck('ec2:CreateSnapshot', () =>
        ec2.send(new ec2Sdk.CreateSnapshotCommand({ VolumeId: p.volumeId, DryRun: true })),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const volume = await findVolume(ec2, p.volumeId);
    if (!volume) throw new Error(`snapshotting ${p.volumeId}: it no longer exists`);
    const extra = Object.entries(p.tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
    const copied = writableTags(volume.Tags).filter(
      (t) => !t.Key?.startsWith('spotops:') && !(p.tags && t.Key && t.Key in p.tags),
    );
    const snapshotId = await attempting(`snapshotting ${p.volumeId}`, () =>
      createSnapshot(ctx, ec2, {
        volumeId: p.volumeId,
        description: p.description ?? `spotops snapshot of ${p.volumeId}`,
        tags: [
          ...copied,
          ...extra,
          { Key: SOURCE_TAG, Value: p.volumeId },
          { Key: 'spotops:reason', Value: REASON },
        ],
      }),
    );
    if (!snapshotId) return { summary: `Would have snapshotted ${p.volumeId} (dry run)` };
    await attempting(`snapshotting ${p.volumeId}`, () => awaitSnapshots(ctx, ec2, [snapshotId]));
    return { summary: `Snapshotted ${p.volumeId} as ${snapshotId}`, undo: { snapshotId } };
  },

  async verify(ctx, p) {
    const out = await ctx.aws.ec2(ctx.region).send(
      new ec2Sdk.DescribeSnapshotsCommand({
        OwnerIds: ['self'],
        Filters: [
          { Name: 'volume-id', Values: [p.volumeId] },
          { Name: `tag:${SOURCE_TAG}`, Values: [p.volumeId] },
          { Name: 'tag:spotops:reason', Values: [REASON] },
          { Name: 'status', Values: ['completed'] },
        ],
      }),
    );
    return (out.Snapshots ?? []).length > 0
      ? OK
      : { ok: false, reason: `no completed spotops snapshot of ${p.volumeId}` };
  },

  async rollback(ctx, p, undo) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const res = await attempting(`deleting ${undo.snapshotId} (snapshot of ${p.volumeId})`, () =>
      mutateEc2(ctx, 'ec2:DeleteSnapshot', (dryRun) =>
        ec2.send(new ec2Sdk.DeleteSnapshotCommand({ SnapshotId: undo.snapshotId, DryRun: dryRun })),
      ),
    );
    if (res.dryRun) return `Would have deleted ${undo.snapshotId} (dry run)`;
    return `Deleted ${undo.snapshotId}, the snapshot of ${p.volumeId}`;
  },
};
