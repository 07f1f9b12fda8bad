// Auto-approval under the account's policy: a LOW change whose monthly savings are at most the
// threshold is approved by spotops and scheduled the cancel window ahead, so a person can still
// stop it from the card (Cancel) or with `/spot cancel`. Blast radius: beyond the account's
// maximum of automated actions per hour, the change waits for a person and the card says why.
import { and, count, eq, gte, isNotNull, notExists, notInArray } from 'drizzle-orm';
import { verifiedAccounts } from '../accounts/store.js';
import { executions, recommendationNotes, recommendations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { getExecutor } from '../executors/index.js';
import { HOUR, MINUTE } from '../lib/clock.js';
import { approvalRisk, riskContextOf } from './approval-risk.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { bindingOf } from './plan-hash.js';
import { getPolicy } from './policy.js';
import { SHADOW_KIND } from './shadow-policy.js';
import { transitionRecommendation } from './transition.js';

export interface AutoApproveResult {
  approved: number[];
  /** Left for a person because the hourly maximum was reached. */
  held: number[];
}

/** Auto-approves what the policies allow among cards waiting for a decision. */
export async function autoApprove(deps: Deps): Promise<AutoApproveResult> {
  const out: AutoApproveResult = { approved: [], held: [] };
  const now = deps.clock.now();
  for (const account of await verifiedAccounts(deps.db)) {
    const policy = await getPolicy(deps.db, account);
    if (!policy.autoApprove.enabled) continue;
    const waiting = await deps.db
      .select()
      .from(recommendations)
      .where(
        and(
          eq(recommendations.accountId, account.id),
          eq(recommendations.status, 'posted'),
          isNotNull(recommendations.slackTs),
          // A person cancelled an automated run of it once: from then on a person decides.
          notExists(
            deps.db
              .select({ id: executions.id })
              .from(executions)
              .where(
                and(
                  eq(executions.recommendationId, recommendations.id),
                  eq(executions.autoApproved, true),
                  eq(executions.status, 'cancelled'),
                ),
              ),
          ),
        ),
      )
      .orderBy(recommendations.id);
    for (const rec of waiting) {
      if (rec.kind === SHADOW_KIND) continue; // Shadow IT has its own grace period
      if (rec.monthlySavingsUsd > policy.autoApprove.maxMonthlySavingsUsd) continue;
      const executor = getExecutor(rec.executor);
      const parsed = executor?.params.safeParse(rec.params);
      if (!executor || !parsed?.success) continue;
      if (approvalRisk(executor, parsed.data, account, riskContextOf(rec)).level !== 'LOW') continue;
      const r = await deps.db.transaction(async (tx) => {
        const [{ n } = { n: 0 }] = await tx
          .select({ n: count() })
          .from(executions)
          .where(
            and(
              eq(executions.accountId, account.id),
              eq(executions.autoApproved, true),
              gte(executions.createdAt, new Date(now.getTime() - HOUR)),
              // Every automated action that was let go counts, whatever became of it; a cancelled one does not.
              notInArray(executions.status, ['pending', 'awaiting_approval', 'cancelled']),
            ),
          );
        if (n >= policy.maxAutomatedActionsPerHour) {
          const note = `Waits for a person: ${account.name} reached its maximum of ${policy.maxAutomatedActionsPerHour} automated actions per hour.`;
          const inserted = await tx
            .insert(recommendationNotes)
            .values({ recommendationId: rec.id, note, at: now })
            .onConflictDoNothing()
            .returning();
          if (inserted.length > 0) {
            await audit(
              { db: tx, log: deps.log },
              {
                actor: 'system',
                event: 'auto_approval_held',
                message: note,
                recommendationId: rec.id,
                accountId: account.id,
              },
            );
            await cardChanged(tx, rec.id);
          }
          return 'held' as const;
        }
        const won = await transitionRecommendation(tx, rec.id, ['posted'], 'approved');
        if (!won) return null;
        await tx.delete(recommendationNotes).where(eq(recommendationNotes.recommendationId, rec.id));
        const runAt = new Date(now.getTime() + policy.cancelWindowMinutes * MINUTE);
        const [exec] = await tx
          .insert(executions)
          .values({
            recommendationId: rec.id,
            accountId: rec.accountId,
            region: rec.region,
            executor: rec.executor,
            params: rec.params,
            requestedBy: 'system',
            approvedBy: 'system',
            scheduledFor: runAt,
            dryRun: deps.config.DRY_RUN,
            riskLevel: 'LOW',
            status: 'approved',
            autoApproved: true,
            estimatedMonthlySavings: rec.monthlySavingsUsd,
            ...bindingOf(rec),
          })
          .returning();
        await audit(
          { db: tx, log: deps.log },
          {
            actor: 'system',
            event: 'auto_approved',
            message: `Auto-approved by the policy of ${account.name} (LOW, $${rec.monthlySavingsUsd.toFixed(2)}/month <= $${policy.autoApprove.maxMonthlySavingsUsd}): runs at ${runAt.toISOString()} unless cancelled (Cancel on the card, or \`/spot cancel ${exec!.id}\`).`,
            recommendationId: rec.id,
            executionId: exec!.id,
            accountId: account.id,
            detail: { runAt: runAt.toISOString(), dryRun: deps.config.DRY_RUN },
          },
        );
        await cardChanged(tx, rec.id);
        return 'approved' as const;
      });
      if (r === 'approved') out.approved.push(rec.id);
      if (r === 'held') out.held.push(rec.id);
    }
  }
  return out;
}
