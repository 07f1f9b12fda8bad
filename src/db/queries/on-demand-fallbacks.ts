// Queries on on_demand_fallbacks: replacements that had to run On-Demand, remembered until the
// daily job proposes moving them back to Spot.
import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { type OnDemandFallback, onDemandFallbacks } from '../schema.js';

export async function rememberFallback(
  db: DbOrTx,
  values: typeof onDemandFallbacks.$inferInsert,
): Promise<void> {
  await db
    .insert(onDemandFallbacks)
    .values(values)
    .onConflictDoNothing({ target: onDemandFallbacks.instanceId });
}

/** Fallbacks not proposed back yet. */
export function openFallbacks(db: DbOrTx): Promise<OnDemandFallback[]> {
  return db
    .select()
    .from(onDemandFallbacks)
    .where(isNull(onDemandFallbacks.proposedAt))
    .orderBy(onDemandFallbacks.id);
}

/** Guarded: only the first proposal of a fallback is recorded (two replicas running the job). */
export async function markProposed(
  db: DbOrTx,
  id: number,
  recommendationId: number,
  at: Date,
): Promise<boolean> {
  const rows = await db
    .update(onDemandFallbacks)
    .set({ proposedRecommendationId: recommendationId, proposedAt: at })
    .where(and(eq(onDemandFallbacks.id, id), isNull(onDemandFallbacks.proposedAt)))
    .returning({ id: onDemandFallbacks.id });
  return rows.length > 0;
}
