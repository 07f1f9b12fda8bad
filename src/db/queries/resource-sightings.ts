// Set-based queries on `resource_sightings`: a listing stamps what it sees page by page (one
// statement per page, ids as one array parameter) and, once complete, forgets in one statement
// what it did not stamp, so a resource back in the condition later starts a fresh clock.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { epochMs, pgArray, rows } from '../sets.js';

export interface SightingScope {
  accountId: number;
  region: string;
  condition: string;
}

/**
 * Records that `resourceIds` are in the condition now, stamped with `stamp` (one listing), and
 * returns resourceId -> first seen at (the earliest sighting is kept).
 */
export async function upsertSightings(
  db: DbOrTx,
  scope: SightingScope,
  resourceIds: readonly string[],
  now: Date,
  stamp: string,
): Promise<Map<string, Date>> {
  const firstSeen = new Map<string, Date>();
  if (resourceIds.length === 0) return firstSeen;
  const at = now.toISOString();
  const out = await rows<{ resourceId: string; firstSeenMs: number }>(
    db,
    sql`insert into resource_sightings (account_id, region, resource_id, condition, first_seen_at, last_seen_at, seen_by)
        select ${scope.accountId}, ${scope.region}, id, ${scope.condition}, ${at}::timestamptz, ${at}::timestamptz, ${stamp}
        from (select distinct unnest(${pgArray([...resourceIds], 'text')}) as id) ids
        on conflict (account_id, region, resource_id, condition) do update
          set last_seen_at = excluded.last_seen_at, seen_by = excluded.seen_by
        returning resource_id as "resourceId", ${epochMs(sql`first_seen_at`)} as "firstSeenMs"`,
  );
  for (const r of out) firstSeen.set(r.resourceId, new Date(Math.round(r.firstSeenMs)));
  return firstSeen;
}

/** After a complete listing: forgets the scope's sightings it did not stamp. Returns how many. */
export async function forgetUnstamped(db: DbOrTx, scope: SightingScope, stamp: string): Promise<number> {
  const out = await rows<{ n: number }>(
    db,
    sql`with gone as (
          delete from resource_sightings
          where account_id = ${scope.accountId} and region = ${scope.region}
            and condition = ${scope.condition} and seen_by is distinct from ${stamp}
          returning 1
        )
        select count(*)::int as n from gone`,
  );
  return out[0]?.n ?? 0;
}
