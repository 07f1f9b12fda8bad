// EBS building blocks shared by the executors: take a backup snapshot (through the dry-run
// primitive), wait for it, and copy tags that a person may set (AWS reserves `aws:` keys).
import type { EC2Client, Tag } from '@aws-sdk/client-ec2';
import { type MutationContext, mutateEc2 } from './dry-run.js';
import { ec2Sdk } from './sdk.js';
import { type WaitContext, waitSnapshotsCompleted } from './waiters.js';

/** Tags a caller may write: AWS refuses keys starting with `aws:`. */
export function writableTags(tags: readonly Tag[] | undefined): Tag[] {
  return (tags ?? []).filter((t) => t.Key && !t.Key.startsWith('aws:'));
}

export interface SnapshotRequest {
  volumeId: string;
  description: string;
  /** Tags for the snapshot (e.g. the volume's own plus `spotops:*` provenance). */
  tags: readonly Tag[];
}

/** CreateSnapshot (DryRun first). Returns the snapshot id, or undefined in dry-run mode. */
export async function createSnapshot(
  ctx: MutationContext,
  ec2: EC2Client,
  req: SnapshotRequest,
): Promise<string | undefined> {
  const tags = req.tags.length > 0 ? [{ ResourceType: 'snapshot' as const, Tags: [...req.tags] }] : undefined;
  const res = await mutateEc2(ctx, 'ec2:CreateSnapshot', (dryRun) =>
    ec2.send(
      new ec2Sdk.CreateSnapshotCommand({
        VolumeId: req.volumeId,
        Description: req.description,
        TagSpecifications: tags,
        DryRun: dryRun,
      }),
    ),
  );
  if (res.dryRun) return undefined;
  const id = res.result.SnapshotId;
  if (!id) throw new Error(`CreateSnapshot for ${req.volumeId} answered without a SnapshotId`);
  return id;
}

/** Waits until every snapshot is completed, telling the thread what it is waiting for. */
export async function awaitSnapshots(
  ctx: WaitContext & { progress?: (message: string) => Promise<void> },
  ec2: EC2Client,
  snapshotIds: readonly string[],
): Promise<void> {
  if (snapshotIds.length === 0) return;
  await ctx.progress?.(`Waiting for ${snapshotIds.join(', ')} to complete...`);
  await waitSnapshotsCompleted(ctx, ec2, snapshotIds);
  await ctx.progress?.(`${snapshotIds.join(', ')} completed.`);
}
