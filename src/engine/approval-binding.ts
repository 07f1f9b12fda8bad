// An approval is bound to what was approved: the plan (executor + params) and the evidence the
// card showed. Before an approved execution runs, the recommendation is read again; when either
// changed, the approval is void: the execution does not run and the card asks again.
import { and, eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { approvals, type Execution, recommendations } from '../db/schema.js';
import { bindingOf } from './plan-hash.js';

/** null when the execution still matches its recommendation; otherwise why the approval is void. */
export async function bindingProblem(db: DbOrTx, exec: Execution): Promise<string | null> {
  if (!exec.recommendationId || (!exec.planHash && !exec.evidenceHash)) return null; // nothing was bound
  const [rec] = await db.select().from(recommendations).where(eq(recommendations.id, exec.recommendationId));
  if (!rec) return 'the recommendation no longer exists';
  const now = bindingOf(rec);
  if (exec.planHash && now.planHash !== exec.planHash) return 'the plan changed after it was approved';
  if (exec.evidenceHash && now.evidenceHash !== exec.evidenceHash)
    return 'the resource changed after it was approved (the evidence on the card is different now)';
  return null;
}

/** Marks the approvals an execution carried as void. */
export async function voidApprovalsOf(db: DbOrTx, executionId: number, at: Date): Promise<void> {
  await db
    .update(approvals)
    .set({ status: 'void', endedAt: at })
    .where(and(eq(approvals.executionId, executionId), eq(approvals.status, 'consumed')));
}
