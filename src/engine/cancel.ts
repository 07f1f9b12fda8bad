// Cancelling an execution that has not started (approved, waiting for its time, its cancel
// window or a maintenance window): a guarded transition, so a worker that claims it at the same
// moment and a cancel never both win. Approvers of the account, or the requester, may cancel.
import { eq } from 'drizzle-orm';
import { isApprover, type SlackDirectory } from '../accounts/approvers.js';
import { getAccount } from '../accounts/store.js';
import { executions } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { UserError } from '../lib/errors.js';
import type { ClickResult } from './approval.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { transitionExecution, transitionRecommendation } from './transition.js';

export async function cancelExecution(
  deps: Deps,
  dir: SlackDirectory,
  execId: number,
  userId: string,
): Promise<ClickResult> {
  const [exec] = await deps.db.select().from(executions).where(eq(executions.id, execId));
  if (!exec) throw new UserError(`Execution ${execId} does not exist.`);
  const account = await getAccount(deps.db, exec.accountId);
  if (exec.requestedBy !== userId && !(await isApprover(dir, account, userId))) {
    return {
      ok: false,
      message: `Only an approver of ${account.name} or the requester can cancel execution #${execId}.`,
    };
  }
  const done = await deps.db.transaction(async (tx) => {
    const row = await transitionExecution(
      tx,
      execId,
      ['approved', 'pending', 'awaiting_approval'],
      'cancelled',
      {
        finishedAt: deps.clock.now(),
        error: `cancelled by <@${userId}> before it started`,
      },
    );
    if (!row) return false;
    // The card asks a person again; an automated run of it is never re-approved automatically.
    if (row.recommendationId)
      await transitionRecommendation(tx, row.recommendationId, ['approved'], 'posted');
    await audit(
      { db: tx, log: deps.log },
      {
        actor: userId,
        event: 'cancelled',
        message: `Execution #${execId} cancelled by <@${userId}> before it started; nothing was changed.`,
        recommendationId: row.recommendationId ?? undefined,
        executionId: execId,
        accountId: row.accountId,
      },
    );
    await cardChanged(tx, row.recommendationId);
    return true;
  });
  if (!done) {
    return {
      ok: false,
      message: `Execution #${execId} is already ${exec.status.replace('_', ' ')}: too late to cancel.`,
    };
  }
  return { ok: true, message: `Execution #${execId} cancelled; it will not run.` };
}
