// Queries on batches: their counts (by aggregation over their executions) and their message.
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { type Batch, batches, executions } from '../schema.js';

export interface BatchCounts {
  total: number;
  succeeded: number;
  /** Failed, or rolled back after a failed verification. */
  failed: number;
  /** No longer valid when re-validated: nothing was changed. */
  skipped: number;
  cancelled: number;
  running: number;
  queued: number;
}

export async function batchById(db: DbOrTx, id: string): Promise<Batch | undefined> {
  const [row] = await db.select().from(batches).where(eq(batches.id, id));
  return row;
}

export async function batchCounts(db: DbOrTx, id: string): Promise<BatchCounts> {
  const n = (where: string) => sql<number>`count(*) filter (where ${sql.raw(where)})`.mapWith(Number);
  const [row] = await db
    .select({
      total: sql<number>`count(*)`.mapWith(Number),
      succeeded: n(`status = 'succeeded'`),
      failed: n(`status in ('failed','rolled_back')`),
      skipped: n(`status = 'stale'`),
      cancelled: n(`status = 'cancelled'`),
      running: n(`status in ('validating','executing','verifying','rolling_back')`),
      queued: n(`status in ('pending','awaiting_approval','approved')`),
    })
    .from(executions)
    .where(eq(executions.batchId, id));
  return row ?? { total: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0, running: 0, queued: 0 };
}

/** Stores the counts on the batch row (and when it finished), for history and the digest. */
export async function storeBatchCounts(db: DbOrTx, id: string, c: BatchCounts, now: Date): Promise<void> {
  await db
    .update(batches)
    .set({
      total: c.total,
      succeeded: c.succeeded,
      failed: c.failed,
      skipped: c.skipped,
      cancelled: c.cancelled,
      finishedAt:
        c.queued + c.running === 0
          ? sql`coalesce(${batches.finishedAt}, ${now.toISOString()}::timestamptz)`
          : null,
    })
    .where(eq(batches.id, id));
}

/** Marks the batch stopped; false when it already was (only one finisher stops it). */
export async function markBatchStopped(db: DbOrTx, id: string, now: Date, reason: string): Promise<boolean> {
  const rows = await db
    .update(batches)
    .set({ stoppedAt: now, stopReason: reason })
    .where(and(eq(batches.id, id), isNull(batches.stoppedAt)))
    .returning({ id: batches.id });
  return rows.length > 0;
}

/** Records where the progress message was posted (first post only). */
export async function setBatchMessage(db: DbOrTx, id: string, ref: { channel: string; ts: string }) {
  await db
    .update(batches)
    .set({ slackChannel: ref.channel, slackTs: ref.ts })
    .where(and(eq(batches.id, id), isNull(batches.slackTs)));
}
