// Set-based queries on `instances` (the inventory): a page of a listing is one upsert with
// every column as one array parameter; the end of a complete listing deletes what it no longer
// saw in one statement.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { pgArray, rows } from '../sets.js';

export interface InventoryRow {
  instanceId: string;
  instanceType: string;
  availabilityZone: string | null;
  lifecycle: string;
  state: string;
  tags: Record<string, string>;
  launchedAt: Date | null;
  pipelineMode: string | null;
  authStatus: string;
}

/** Upserts one page of instances of an account + region, seen at `now`. Returns rows written. */
export async function upsertInventory(
  db: DbOrTx,
  scope: { accountId: number; region: string },
  page: readonly InventoryRow[],
  now: Date,
): Promise<number> {
  // A listing can name an instance twice across reservations; ON CONFLICT refuses a repeat.
  const unique = [...new Map(page.map((r) => [r.instanceId, r])).values()];
  if (unique.length === 0) return 0;
  const col = (pick: (r: InventoryRow) => string | null, type: 'text' = 'text') =>
    pgArray(unique.map(pick), type);
  const out = await rows<{ n: number }>(
    db,
    sql`with up as (
          insert into instances (account_id, region, instance_id, instance_type, availability_zone, lifecycle,
            state, tags, launched_at, pipeline_mode, auth_status, seen_at)
          select ${scope.accountId}, ${scope.region}, instance_id, instance_type, availability_zone, lifecycle,
            state, tags::jsonb, launched_at::timestamptz, pipeline_mode, auth_status, ${now.toISOString()}::timestamptz
          from unnest(${col((r) => r.instanceId)}, ${col((r) => r.instanceType)}, ${col((r) => r.availabilityZone)},
            ${col((r) => r.lifecycle)}, ${col((r) => r.state)}, ${col((r) => JSON.stringify(r.tags))},
            ${col((r) => r.launchedAt?.toISOString() ?? null)}, ${col((r) => r.pipelineMode)}, ${col((r) => r.authStatus)})
            as t(instance_id, instance_type, availability_zone, lifecycle, state, tags, launched_at, pipeline_mode, auth_status)
          on conflict (account_id, region, instance_id) do update set
            instance_type = excluded.instance_type, availability_zone = excluded.availability_zone,
            lifecycle = excluded.lifecycle, state = excluded.state, tags = excluded.tags,
            launched_at = excluded.launched_at, pipeline_mode = excluded.pipeline_mode,
            auth_status = excluded.auth_status, seen_at = excluded.seen_at
          returning 1
        )
        select count(*)::int as n from up`,
  );
  return out[0]?.n ?? 0;
}

/** What a complete listing at `now` no longer saw is not running any more. */
export async function deleteInventorySeenBefore(
  db: DbOrTx,
  scope: { accountId: number; region: string },
  now: Date,
): Promise<void> {
  await db.execute(
    sql`delete from instances where account_id = ${scope.accountId} and region = ${scope.region}
        and seen_at < ${now.toISOString()}::timestamptz`,
  );
}
