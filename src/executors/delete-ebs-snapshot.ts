// delete-ebs-snapshot: deletes an old snapshot that no AMI uses (waste manager). Irreversible.
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { findSnapshot, imagesUsingSnapshot } from '../aws/ec2-lookup.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import type { Executor } from './types.js';

const params = z.object({ snapshotId: z.string().min(1) });
export type DeleteEbsSnapshotParams = z.infer<typeof params>;

export const deleteEbsSnapshot: Executor<DeleteEbsSnapshotParams> = {
  kind: 'delete-ebs-snapshot',
  params,
  permissions: ['ec2:DescribeSnapshots', 'ec2:DescribeImages', 'ec2:DeleteSnapshot'],
  rollbackNote:
    'No rollback: a deleted snapshot is gone, unless a Recycle Bin retention rule in the account keeps it.',

  risk: () => 'HIGH', // a deletion: approval policy level HIGH (engine/approval-risk.ts)

  describe: (p) => `Delete EBS snapshot ${p.snapshotId}`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const snapshot = await findSnapshot(ec2, p.snapshotId);
      if (!snapshot) return stale(`${p.snapshotId} no longer exists`);
      // An AMI registered since the scan would break if its snapshot went away.
      const images = await imagesUsingSnapshot(ec2, p.snapshotId);
      if (images.length > 0) {
        return stale(`${p.snapshotId} is now used by ${images.map((i) => i.ImageId).join(', ')}`);
      }
      await dryRunCheck('ec2:DeleteSnapshot', () =>
        ec2.send(new ec2Sdk.DeleteSnapshotCommand({ SnapshotId: p.snapshotId, DryRun: true })),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const res = await attempting(`deleting ${p.snapshotId}`, () =>
      mutateEc2(ctx, 'ec2:DeleteSnapshot', (dryRun) =>
        ec2.send(new ec2Sdk.DeleteSnapshotCommand({ SnapshotId: p.snapshotId, DryRun: dryRun })),
      ),
    );
    if (res.dryRun) return { summary: `Would have deleted ${p.snapshotId} (dry run)` };
    return { summary: `Deleted ${p.snapshotId}` };
  },

  async verify(ctx, p) {
    const snapshot = await findSnapshot(ctx.aws.ec2(ctx.region), p.snapshotId);
    return snapshot ? { ok: false, reason: `${p.snapshotId} still exists (${snapshot.State})` } : OK;
  },
};
