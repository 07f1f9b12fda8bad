// The `instances` table: what the last scan saw running in an account + region (type, AZ ID,
// lifecycle, tags, authorisation). The event handler falls back on it when an interrupted
// instance is already gone from EC2. Written one listing page per statement.
import type { Instance } from '@aws-sdk/client-ec2';
import { tagMap } from '../aws/paginate.js';
import type { DbOrTx } from '../db/client.js';
import { deleteInventorySeenBefore, type InventoryRow, upsertInventory } from '../db/queries/instances.js';

type Scope = { accountId: number; region: string };

/** Stores one page of a listing: the running instances with a type. */
export async function recordInventoryPage(
  db: DbOrTx,
  scope: Scope,
  page: readonly Instance[],
  authorized: (instance: Instance) => boolean,
  now: Date,
): Promise<void> {
  const rows: InventoryRow[] = [];
  for (const i of page) {
    if (!i.InstanceId || !i.InstanceType || i.State?.Name !== 'running') continue;
    const tags = tagMap(i.Tags);
    rows.push({
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
    });
  }
  await upsertInventory(db, scope, rows, now);
}

/** The listing at `now` completed: what it did not see is not running any more. */
export async function completeInventory(db: DbOrTx, scope: Scope, now: Date): Promise<void> {
  await deleteInventorySeenBefore(db, scope, now);
}

/** A whole listing at once. */
export async function recordInventory(
  db: DbOrTx,
  scope: Scope,
  seen: readonly Instance[],
  authorized: (instance: Instance) => boolean,
  now: Date,
): Promise<void> {
  await recordInventoryPage(db, scope, seen, authorized, now);
  await completeInventory(db, scope, now);
}
