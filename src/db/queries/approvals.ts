// Queries on approvals (N-of-M approvals of a recommendation).
import { and, asc, eq, inArray, lte } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { type Approval, approvals } from '../schema.js';

/** Approvals that still count for a recommendation (active), oldest first. */
export async function activeApprovals(db: DbOrTx, recommendationId: number): Promise<Approval[]> {
  return db
    .select()
    .from(approvals)
    .where(and(eq(approvals.recommendationId, recommendationId), eq(approvals.status, 'active')))
    .orderBy(asc(approvals.createdAt), asc(approvals.id));
}

/** Active approvals of many recommendations (for cards), grouped by recommendation. */
export async function activeApprovalsOf(
  db: DbOrTx,
  recIds: readonly number[],
): Promise<Map<number, Approval[]>> {
  const out = new Map<number, Approval[]>();
  if (recIds.length === 0) return out;
  const rows = await db
    .select()
    .from(approvals)
    .where(and(inArray(approvals.recommendationId, [...recIds]), eq(approvals.status, 'active')))
    .orderBy(asc(approvals.createdAt), asc(approvals.id));
  for (const r of rows) out.set(r.recommendationId, [...(out.get(r.recommendationId) ?? []), r]);
  return out;
}

/** Records one approval; a second click by the same person while one is active does nothing. */
export async function insertApproval(db: DbOrTx, row: typeof approvals.$inferInsert): Promise<boolean> {
  const inserted = await db
    .insert(approvals)
    .values(row)
    .onConflictDoNothing()
    .returning({ id: approvals.id });
  return inserted.length > 0;
}

/** Ends active approvals (consumed, void, expired, superseded); returns the ended rows. */
export async function endApprovals(
  db: DbOrTx,
  where: { recommendationId: number; ids?: number[] },
  status: Exclude<Approval['status'], 'active'>,
  at: Date,
  executionId?: number,
): Promise<Approval[]> {
  return db
    .update(approvals)
    .set({ status, endedAt: at, executionId })
    .where(
      and(
        eq(approvals.recommendationId, where.recommendationId),
        eq(approvals.status, 'active'),
        where.ids ? inArray(approvals.id, where.ids) : undefined,
      ),
    )
    .returning();
}

/** Active approvals past their expiry. */
export async function expiredApprovals(db: DbOrTx, now: Date, limit = 500): Promise<Approval[]> {
  return db
    .select()
    .from(approvals)
    .where(and(eq(approvals.status, 'active'), lte(approvals.expiresAt, now)))
    .orderBy(asc(approvals.id))
    .limit(limit);
}
