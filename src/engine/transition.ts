// Guarded state changes: the one way a recommendation or execution changes status.
// `UPDATE ... WHERE id = $1 AND status IN (from) RETURNING *` lets exactly one actor win a race
// (double clicks, retries, two replicas); the losers get null.
import { and, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import {
  type Execution,
  type ExecutionStatus,
  executions,
  type Recommendation,
  type RecommendationStatus,
  recommendations,
} from '../db/schema.js';

export async function transitionRecommendation(
  db: DbOrTx,
  id: number,
  from: readonly RecommendationStatus[],
  to: RecommendationStatus,
  set: Partial<Omit<typeof recommendations.$inferInsert, 'id' | 'status'>> = {},
): Promise<Recommendation | null> {
  const [row] = await db
    .update(recommendations)
    .set({ ...set, status: to, updatedAt: new Date() })
    .where(and(eq(recommendations.id, id), inArray(recommendations.status, [...from])))
    .returning();
  return row ?? null;
}

export async function transitionExecution(
  db: DbOrTx,
  id: number,
  from: readonly ExecutionStatus[],
  to: ExecutionStatus,
  set: Partial<Omit<typeof executions.$inferInsert, 'id' | 'status'>> = {},
  /** Only while this worker holds the execution's lease. */
  leaseOwner?: string,
): Promise<Execution | null> {
  const [row] = await db
    .update(executions)
    .set({ ...set, status: to })
    .where(
      and(
        eq(executions.id, id),
        inArray(executions.status, [...from]),
        leaseOwner === undefined ? undefined : eq(executions.leaseOwner, leaseOwner),
      ),
    )
    .returning();
  return row ?? null;
}
