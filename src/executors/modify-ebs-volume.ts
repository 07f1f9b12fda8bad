// modify-ebs-volume: changes a gp2 volume to gp3 in place (cheaper per GiB, same or better
// performance). No rollback: AWS allows one modification per volume every six hours, and going back
// to gp2 is a new modification rather than an undo.
import type { Volume } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { findVolume, volumeModifications } from '../aws/ec2-lookup.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import type { Executor } from './types.js';

const params = z.object({
  volumeId: z.string().min(1),
  /** gp3 IOPS; default keeps the gp2 baseline (3 IOPS/GiB), at least gp3's free 3000. */
  iops: z.number().int().min(3000).max(16000).optional(),
  /** gp3 MiB/s; default 125, or 250 for volumes over 170 GiB (gp2's throughput there). */
  throughput: z.number().int().min(125).max(1000).optional(),
});
export type ModifyEbsVolumeParams = z.infer<typeof params>;

const IN_PROGRESS = new Set(['modifying', 'optimizing']);

/** gp3 settings that keep the gp2 volume's performance. */
export function gp3Settings(volume: Volume, p: ModifyEbsVolumeParams): { iops: number; throughput: number } {
  const iops = p.iops ?? Math.min(16000, Math.max(3000, volume.Iops ?? 0));
  const throughput = p.throughput ?? ((volume.Size ?? 0) > 170 ? 250 : 125);
  return { iops, throughput };
}

export const modifyEbsVolume: Executor<ModifyEbsVolumeParams> = {
  kind: 'modify-ebs-volume',
  params,
  permissions: ['ec2:DescribeVolumes', 'ec2:DescribeVolumesModifications', 'ec2:ModifyVolume'],
  rollbackNote:
    'No rollback once the gp3 modification completes: AWS allows one modification per volume every 6 hours, and gp3 -> gp2 is a new modification.',

  risk: () => 'MEDIUM', // gp2 -> gp3 changes a live volume's performance profile

  describe: (p) => `Change EBS volume ${p.volumeId} from gp2 to gp3`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const volume = await findVolume(ec2, p.volumeId);
      if (!volume || volume.State === 'deleting' || volume.State === 'deleted') {
        return stale(`${p.volumeId} no longer exists`);
      }
      if (volume.VolumeType !== 'gp2') return stale(`${p.volumeId} is now ${volume.VolumeType}, not gp2`);
      const [latest] = await volumeModifications(ec2, p.volumeId);
      if (latest?.ModificationState && IN_PROGRESS.has(latest.ModificationState)) {
        return { ok: false, reason: `${p.volumeId} is already being modified (${latest.ModificationState})` };
      }
      const { iops, throughput } = gp3Settings(volume, p);
      await dryRunCheck('ec2:ModifyVolume', () =>
        ec2.send(
          new ec2Sdk.ModifyVolumeCommand({
            VolumeId: p.volumeId,
            VolumeType: 'gp3',
            Iops: iops,
            Throughput: throughput,
            DryRun: true,
          }),
        ),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const volume = await findVolume(ec2, p.volumeId);
    if (!volume) throw new Error(`modifying ${p.volumeId}: it no longer exists`);
    const { iops, throughput } = gp3Settings(volume, p);
    const res = await attempting(`modifying ${p.volumeId} to gp3`, () =>
      mutateEc2(ctx, 'ec2:ModifyVolume', (dryRun) =>
        ec2.send(
          new ec2Sdk.ModifyVolumeCommand({
            VolumeId: p.volumeId,
            VolumeType: 'gp3',
            Iops: iops,
            Throughput: throughput,
            DryRun: dryRun,
          }),
        ),
      ),
    );
    const what = `${p.volumeId} from gp2 to gp3 (${iops} IOPS, ${throughput} MiB/s)`;
    if (res.dryRun) return { summary: `Would have changed ${what} (dry run)` };
    // The volume stays usable while AWS optimizes it; nothing to wait for.
    return { summary: `Changed ${what}; AWS is optimizing it in the background` };
  },

  async verify(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const [latest] = await volumeModifications(ec2, p.volumeId);
    if (latest?.TargetVolumeType === 'gp3' && latest.ModificationState !== 'failed') return OK;
    const volume = await findVolume(ec2, p.volumeId);
    if (volume?.VolumeType === 'gp3') return OK;
    return {
      ok: false,
      reason: `${p.volumeId} is ${volume?.VolumeType ?? 'gone'}${latest?.StatusMessage ? ` (${latest.StatusMessage})` : ''}`,
    };
  },
};
