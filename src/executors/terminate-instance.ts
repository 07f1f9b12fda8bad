// terminate-instance: snapshots every EBS volume of an instance, waits for the snapshots, then
// terminates it (Shadow IT enforcement after the grace period). No rollback: a terminated instance
// cannot come back; the snapshots are the way to rebuild it by hand.
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import { authorizingTagSchema } from '../aws/authorizing-tags.js';
import { mutateEc2 } from '../aws/dry-run.js';
import { awaitSnapshots, createSnapshot } from '../aws/ebs.js';
import { findInstance, isPermissionDenied } from '../aws/ec2-lookup.js';
import { isGone, nowAuthorized } from '../aws/instances.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import { PermissionError } from '../lib/errors.js';
import type { Executor } from './types.js';

const params = z.object({
  instanceId: z.string().min(1),
  /** Terminate without snapshotting the volumes; the card must say "no backup". */
  noBackup: z.boolean().optional(),
  requireUnauthorized: z.boolean().optional(),
  authorizingTags: z.array(authorizingTagSchema).optional(),
});
export type TerminateInstanceParams = z.infer<typeof params>;
export interface TerminateInstanceUndo {
  /** The backups taken before termination (empty with noBackup). */
  snapshotIds: string[];
}

function ebsVolumes(instance: Instance): { volumeId: string; device: string }[] {
  return (instance.BlockDeviceMappings ?? []).flatMap((m) =>
    m.Ebs?.VolumeId ? [{ volumeId: m.Ebs.VolumeId, device: m.DeviceName ?? '' }] : [],
  );
}

async function terminationProtected(ec2: EC2Client, instanceId: string): Promise<boolean> {
  try {
    const out = await ec2.send(
      new ec2Sdk.DescribeInstanceAttributeCommand({
        InstanceId: instanceId,
        Attribute: 'disableApiTermination',
      }),
    );
    return out.DisableApiTermination?.Value === true;
  } catch (err) {
    if (isPermissionDenied(err))
      throw new PermissionError('ec2:DescribeInstanceAttribute', undefined, { cause: err });
    throw new Error(`reading the termination protection of ${instanceId}`, { cause: err });
  }
}

export const terminateInstance: Executor<TerminateInstanceParams, TerminateInstanceUndo> = {
  kind: 'terminate-instance',
  params,
  permissions: [
    'ec2:DescribeInstances',
    'ec2:DescribeInstanceAttribute',
    'ec2:CreateSnapshot',
    'ec2:CreateTags',
    'ec2:DescribeSnapshots',
    'ec2:TerminateInstances',
  ],
  rollbackNote:
    'No rollback: a terminated instance cannot come back. Its EBS volumes are snapshotted first (unless the card says no backup); rebuild from those snapshots by hand.',

  risk: (_p, account) => (account.environment === 'PROD' ? 'CRITICAL' : 'HIGH'),

  describe: (p) =>
    `Terminate instance ${p.instanceId} (${p.noBackup ? 'no backup' : 'snapshot its EBS volumes first'})`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const instance = await findInstance(ec2, p.instanceId);
      if (!instance || isGone(instance)) return stale(`${p.instanceId} no longer exists`);
      const authorized = nowAuthorized(instance, p);
      if (authorized) return stale(authorized);
      if (await terminationProtected(ec2, p.instanceId)) {
        return {
          ok: false,
          reason: `${p.instanceId} has termination protection on; turn it off or exempt it`,
        };
      }
      if (!p.noBackup) {
        for (const { volumeId } of ebsVolumes(instance)) {
          await dryRunCheck('ec2:CreateSnapshot', () =>
            ec2.send(new ec2Sdk.CreateSnapshotCommand({ VolumeId: volumeId, DryRun: true })),
          );
        }
      }
      await dryRunCheck('ec2:TerminateInstances', () =>
        ec2.send(new ec2Sdk.TerminateInstancesCommand({ InstanceIds: [p.instanceId], DryRun: true })),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const instance = await findInstance(ec2, p.instanceId);
    if (!instance || isGone(instance)) throw new Error(`terminating ${p.instanceId}: it no longer exists`);
    const volumes = p.noBackup ? [] : ebsVolumes(instance);
    // IMPORTANT: nothing is deleted without a snapshot: every backup completes before terminate.
    const snapshotIds: string[] = [];
    for (const { volumeId, device } of volumes) {
      const id = await attempting(`snapshotting ${volumeId} of ${p.instanceId} before termination`, () =>
        createSnapshot(ctx, ec2, {
          volumeId,
          description: `spotops backup of ${volumeId} (${device}) of ${p.instanceId} before termination`,
          tags: [
            { Key: 'spotops:source-instance', Value: p.instanceId },
            { Key: 'spotops:source-volume', Value: volumeId },
            { Key: 'spotops:device', Value: device },
            { Key: 'spotops:reason', Value: 'terminate-instance' },
          ],
        }),
      );
      if (id) snapshotIds.push(id);
    }
    await attempting(`backing up ${p.instanceId}`, () => awaitSnapshots(ctx, ec2, snapshotIds));
    const res = await attempting(`terminating ${p.instanceId}`, () =>
      mutateEc2(ctx, 'ec2:TerminateInstances', (dryRun) =>
        ec2.send(new ec2Sdk.TerminateInstancesCommand({ InstanceIds: [p.instanceId], DryRun: dryRun })),
      ),
    );
    const backup = p.noBackup
      ? 'without a backup'
      : volumes.length === 0
        ? '(it had no EBS volumes to back up)'
        : res.dryRun
          ? `after snapshotting ${volumes.map((v) => v.volumeId).join(', ')}`
          : `after snapshotting its volumes to ${snapshotIds.join(', ')}`;
    if (res.dryRun) return { summary: `Would have terminated ${p.instanceId} ${backup} (dry run)` };
    return { summary: `Terminated ${p.instanceId} ${backup}`, undo: { snapshotIds } };
  },

  async verify(ctx, p) {
    const instance = await findInstance(ctx.aws.ec2(ctx.region), p.instanceId);
    return isGone(instance)
      ? OK
      : { ok: false, reason: `${p.instanceId} is ${instance?.State?.Name}, not terminated` };
  },
};
