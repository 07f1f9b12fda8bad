// The lab snapshot schedule (config CRON_LAB_SNAPSHOTS): a fresh AMI of every lab instance spotops
// moved to Spot, so an emergency replacement (executors/shared/emergency-lab.ts) starts from recent
// data rather than from the day of the move. Crash-consistent (NoReboot: the instance keeps
// serving), tagged spotops:source-instance like the move's own AMI, and only the newest KEEP images
// of each instance are kept (older ones are deregistered and their snapshots deleted).
import type { EC2Client } from '@aws-sdk/client-ec2';
import { and, desc, eq, inArray } from 'drizzle-orm';
import { verifiedAccounts } from '../accounts/store.js';
import { describeInstances } from '../aws/asg-clone.js';
import { ec2Sdk } from '../aws/sdk.js';
import { type Execution, executions, interruptionResponses } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { SOURCE_TAG } from '../executors/shared/emergency-lab.js';
import { describeError } from '../lib/errors.js';

/** Images kept per instance: the newest, and one before it in case the newest is bad. */
export const KEEP = 2;

/** The instance each lab line runs on now: the move's clone, or the last emergency replacement of it. */
async function currentLabInstances(
  deps: Deps,
  accountId: number,
): Promise<{ region: string; instanceId: string }[]> {
  const moves = await deps.db
    .select()
    .from(executions)
    .where(
      and(
        eq(executions.accountId, accountId),
        eq(executions.executor, 'spot-lab-switch'),
        eq(executions.status, 'succeeded'),
        eq(executions.dryRun, false),
      ),
    )
    .orderBy(desc(executions.id));
  const replaced = await deps.db
    .select()
    .from(interruptionResponses)
    .where(
      and(
        eq(interruptionResponses.accountId, accountId),
        eq(interruptionResponses.target, 'lab'),
        inArray(interruptionResponses.status, ['replaced']),
      ),
    );
  const next = new Map(
    replaced.flatMap((r) => (r.replacementId ? [[r.instanceId, r.replacementId] as const] : [])),
  );
  const lines: { region: string; instanceId: string }[] = [];
  for (const m of moves as Execution[]) {
    let id = (m.undo as { cloneId?: string } | null)?.cloneId;
    for (let hops = 0; id && next.has(id) && hops < 100; hops++) id = next.get(id);
    if (id) lines.push({ region: m.region, instanceId: id });
  }
  return lines;
}

async function snapshotOne(ec2: EC2Client, instanceId: string, at: Date): Promise<string> {
  const tags = [
    { Key: SOURCE_TAG, Value: instanceId },
    { Key: 'ManagedBy', Value: 'SpotOptimizer' },
  ];
  const out = await ec2.send(
    new ec2Sdk.CreateImageCommand({
      InstanceId: instanceId,
      Name: `spotops-${instanceId}-${at.toISOString().replace(/[:.]/g, '-')}`,
      Description: `spotops: scheduled image of ${instanceId} for an emergency replacement`,
      NoReboot: true,
      TagSpecifications: [
        { ResourceType: 'image', Tags: tags },
        { ResourceType: 'snapshot', Tags: tags },
      ],
    }),
  );
  if (!out.ImageId) throw new Error(`CreateImage of ${instanceId} answered without an image id`);
  return out.ImageId;
}

/** Deregisters all but the newest KEEP images of the instance, and deletes their snapshots. */
async function prune(ec2: EC2Client, instanceId: string): Promise<number> {
  const out = await ec2.send(
    new ec2Sdk.DescribeImagesCommand({
      Owners: ['self'],
      Filters: [{ Name: `tag:${SOURCE_TAG}`, Values: [instanceId] }],
    }),
  );
  const old = (out.Images ?? [])
    .sort((a, b) => (b.CreationDate ?? '').localeCompare(a.CreationDate ?? ''))
    .slice(KEEP);
  for (const image of old) {
    await ec2.send(new ec2Sdk.DeregisterImageCommand({ ImageId: image.ImageId }));
    for (const m of image.BlockDeviceMappings ?? []) {
      if (m.Ebs?.SnapshotId)
        await ec2.send(new ec2Sdk.DeleteSnapshotCommand({ SnapshotId: m.Ebs.SnapshotId }));
    }
  }
  return old.length;
}

export async function snapshotLabInstances(
  deps: Deps,
): Promise<{ imaged: number; pruned: number; failed: number }> {
  // While DRY_RUN is on nothing in AWS changes, scheduled images included.
  if (deps.config.DRY_RUN) return { imaged: 0, pruned: 0, failed: 0 };
  let imaged = 0;
  let pruned = 0;
  let failed = 0;
  for (const account of await verifiedAccounts(deps.db)) {
    for (const line of await currentLabInstances(deps, account.id)) {
      const ec2 = deps.awsFor(account).ec2(line.region);
      try {
        const [instance] = await describeInstances(ec2, [line.instanceId]);
        if (instance?.State?.Name !== 'running') continue; // gone or stopped: nothing new to keep
        await snapshotOne(ec2, line.instanceId, deps.clock.now());
        imaged += 1;
        pruned += await prune(ec2, line.instanceId);
      } catch (err) {
        failed += 1;
        deps.log.warn({ instanceId: line.instanceId, err: describeError(err) }, 'scheduled lab image failed');
      }
    }
  }
  return { imaged, pruned, failed };
}
