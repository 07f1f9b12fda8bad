// The `instances` table: what the last scan saw running in an account + region (type, AZ ID,
// lifecycle, tags, authorisation). The event handler falls back on it when an interrupted
// instance is already gone from EC2.
import type { Instance } from '@aws-sdk/client-ec2';
import { and, eq, lt } from 'drizzle-orm';
import { tagMap } from '../aws/paginate.js';
import type { Db } from '../db/client.js';
import { instances } from '../db/schema.js';

export async function recordInventory(
  db: Db,
  scope: { accountId: number; region: string },
  seen: readonly Instance[],
  authorized: (instance: Instance) => boolean,
  now: Date,
): Promise<void> {
  for (const i of seen) {
    if (!i.InstanceId || !i.InstanceType || i.State?.Name !== 'running') continue;
    const tags = tagMap(i.Tags);
    const row = {
      accountId: scope.accountId,
      region: scope.region,
      instanceId: i.InstanceId,
      instanceType: i.InstanceType,
      // Pools are keyed by AZ ID (the same zone for every account); the name is only a fallback.
      availabilityZone: i.Placement?.AvailabilityZoneId ?? i.Placement?.AvailabilityZone ?? null,
      lifecycle: i.InstanceLifecycle ?? 'on-demand',
      state: i.State?.Name ?? 'unknown',
      tags,
      launchedAt: i.LaunchTime ?? null,
      pipelineMode: tags['aws:autoscaling:groupName'] ? (tags['eks:cluster-name'] ? 'k8s' : 'asg') : null,
      authStatus: authorized(i) ? 'authorized' : 'unauthorized',
      seenAt: now,
    };
    await db
      .insert(instances)
      .values(row)
      .onConflictDoUpdate({
        target: [instances.accountId, instances.region, instances.instanceId],
        set: row,
      });
  }
  // What a full scan no longer sees is not running any more.
  await db
    .delete(instances)
    .where(
      and(
        eq(instances.accountId, scope.accountId),
        eq(instances.region, scope.region),
        lt(instances.seenAt, now),
      ),
    );
}
