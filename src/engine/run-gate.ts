// The claim loop's side of the run windows (engine/windows.ts): a fresh candidate that may not
// run now is moved to its next allowed time, with its reason, audited and its card refreshed
// once per reason; the worker skips it until then.
import { and, eq } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import { executions } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { DAY } from '../lib/clock.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { getPolicy } from './policy.js';
import { runGate } from './windows.js';

/**
 * true when the execution may run now; otherwise it was rescheduled and must be skipped. Called
 * inside the claim's transaction (`deps.db` is that transaction), so its writes commit with it.
 */
export async function mayRunNow(deps: Deps, execId: number): Promise<boolean> {
  const [exec] = await deps.db.select().from(executions).where(eq(executions.id, execId));
  if (exec?.status !== 'approved') return true; // the guarded claim decides
  const account = await getAccount(deps.db, exec.accountId);
  const now = deps.clock.now();
  const gate = runGate(await getPolicy(deps.db, account), now);
  if (gate.ok) {
    if (exec.waitReason)
      await deps.db.update(executions).set({ waitReason: null }).where(eq(executions.id, exec.id));
    return true;
  }
  // No window within a year: look again in a day (a person may change the policy).
  const next = gate.nextAt ?? new Date(now.getTime() + DAY);
  const reason = `${gate.reason}; runs ${gate.nextAt ? `at ${next.toISOString()}` : 'when a window opens (none in the next year)'}`;
  await deps.db.transaction(async (tx) => {
    const [moved] = await tx
      .update(executions)
      .set({ scheduledFor: next, waitReason: reason })
      .where(and(eq(executions.id, exec.id), eq(executions.status, 'approved')))
      .returning();
    if (!moved || exec.waitReason === reason) return; // said once per reason
    await audit(
      { db: tx, log: deps.log },
      {
        actor: 'system',
        event: 'waiting',
        message: `Approved, waiting: ${reason}.`,
        recommendationId: exec.recommendationId ?? undefined,
        executionId: exec.id,
        accountId: exec.accountId,
        detail: { kind: gate.kind, nextAt: gate.nextAt?.toISOString() ?? null },
      },
    );
    await cardChanged(tx, exec.recommendationId);
  });
  return false;
}
