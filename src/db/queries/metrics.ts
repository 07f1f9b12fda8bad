// The aggregations /metrics reads at scrape time, one statement per series, across the tables
// they count (executions, outbox, measured_savings, spot_pool_risk; open findings come from
// recommendations.ts). GROUP BY only, answered from the tables' indexes where there is one:
// a scrape never loads rows, so it stays cheap with 100,000 open findings.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { LIVE_EXECUTION_STATUSES } from '../schema.js';
import { rows } from '../sets.js';

/** Statuses of executions not yet final: waiting for people, queued, or running. */
export const UNFINISHED_STATUSES = LIVE_EXECUTION_STATUSES;

export interface QueueDepthRow {
  priority: number;
  status: string;
  count: number;
}

/** Unfinished executions per priority and status (executions_queue_idx leads with status). */
export function queueDepth(db: DbOrTx): Promise<QueueDepthRow[]> {
  return rows<QueueDepthRow>(
    db,
    sql`select priority::int as priority, status::text as status, count(*)::int as count
        from executions
        where status in (${sql.join(
          UNFINISHED_STATUSES.map((s) => sql`${s}`),
          sql`, `,
        )})
        group by 1, 2 order by 1, 2`,
  );
}

export interface OutboxBacklogRow {
  kind: string;
  count: number;
  oldestAgeSeconds: number;
}

/** Pending outbox rows per kind and the age of the oldest (the partial index on pending rows). */
export function outboxBacklog(db: DbOrTx, now: Date): Promise<OutboxBacklogRow[]> {
  return rows<OutboxBacklogRow>(
    db,
    sql`select kind, count(*)::int as count,
          greatest(0, extract(epoch from (${now.toISOString()}::timestamptz - min(created_at))))::float8
            as "oldestAgeSeconds"
        from outbox where status = 'pending'
        group by 1 order by 1`,
  );
}

export interface MeasuredByKindRow {
  kind: string;
  executions: number;
  measuredMonthlyUsd: number;
  estimatedMonthlyUsd: number;
  savedUsd: number;
}

/** Measured savings per recommendation kind: the monthly run rate still saving, and the estimate. */
export function measuredMonthlyByKind(db: DbOrTx): Promise<MeasuredByKindRow[]> {
  return rows<MeasuredByKindRow>(
    db,
    sql`select kind, count(*)::int as executions,
          coalesce(sum(monthly_rate_usd), 0)::float8 as "measuredMonthlyUsd",
          coalesce(sum(estimated_monthly_usd), 0)::float8 as "estimatedMonthlyUsd",
          coalesce(sum(saved_usd), 0)::float8 as "savedUsd"
        from measured_savings group by 1 order by 1`,
  );
}

/** Spot pools poisoned now (their poison has not expired yet). */
export async function poisonedPoolCount(db: DbOrTx, now: Date): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from spot_pool_risk
        where is_poisoned and poison_expires_at > ${now.toISOString()}::timestamptz`,
  );
  return row?.n ?? 0;
}
