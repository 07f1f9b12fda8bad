// Remembers when this bot first saw a resource in a condition (EBS volume 'unattached', instance
// 'unauthorized'): AWS keeps no "detached since" or "untagged since", so the scanners keep it in
// resource_sightings. Not a scanner; shared by the scanners that need a first-seen time.
import { and, eq, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { resourceSightings } from '../db/schema.js';

export interface SightingScope {
  accountId: number;
  region: string;
  condition: string;
}

/**
 * Records that every resource in `resourceIds` is in the condition now, and forgets resources of
 * the scope that are not any more (so a volume re-detached later starts a fresh clock).
 * Returns resourceId -> first seen at (kept from the earliest sighting).
 */
export async function recordSightings(
  db: Db,
  scope: SightingScope,
  resourceIds: readonly string[],
  now: Date,
): Promise<Map<string, Date>> {
  const inScope = and(
    eq(resourceSightings.accountId, scope.accountId),
    eq(resourceSightings.region, scope.region),
    eq(resourceSightings.condition, scope.condition),
  );
  await db
    .delete(resourceSightings)
    .where(
      resourceIds.length > 0
        ? and(inScope, notInArray(resourceSightings.resourceId, [...resourceIds]))
        : inScope,
    );
  const firstSeen = new Map<string, Date>();
  if (resourceIds.length === 0) return firstSeen;
  const rows = await db
    .insert(resourceSightings)
    .values(
      resourceIds.map((resourceId) => ({
        accountId: scope.accountId,
        region: scope.region,
        resourceId,
        condition: scope.condition,
        firstSeenAt: now,
        lastSeenAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: [
        resourceSightings.accountId,
        resourceSightings.region,
        resourceSightings.resourceId,
        resourceSightings.condition,
      ],
      // first_seen_at is kept: that is the point of the table.
      set: { lastSeenAt: sql`excluded.last_seen_at` },
    })
    .returning({ resourceId: resourceSightings.resourceId, firstSeenAt: resourceSightings.firstSeenAt });
  for (const r of rows) firstSeen.set(r.resourceId, r.firstSeenAt);
  return firstSeen;
}
