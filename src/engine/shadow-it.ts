// Shadow IT decisions: Claim (the instance gets ManagedBy + Owner tags and becomes authorised),
// Exempt (recorded with a reason, excluded from scans until it expires), and the grace-period
// enforcer that acts, as `system`, on findings nobody claimed or exempted in time.
import { and, eq, inArray, isNotNull, lte } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import { authorizingTags } from '../config.js';
import { type Account, exemptions, type Recommendation, recommendations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { DAY } from '../lib/clock.js';
import { UserError } from '../lib/errors.js';
import { approveRecommendation, type ClickResult, getRecommendation } from './approval.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { SHADOW_KIND, shadowPolicy } from './shadow-policy.js';
import { transitionRecommendation } from './transition.js';

/**
 * Parameters for stopping or terminating a Shadow IT instance: the executor re-checks, at
 * execution time, that the instance still has none of the configured authorising tags.
 */
export function enforcementParams(deps: Pick<Deps, 'config'>, instanceId: string) {
  return { instanceId, requireUnauthorized: true, authorizingTags: authorizingTags(deps.config) };
}

/**
 * What approving a Shadow IT finding in bulk runs ("Terminate all", `/spot approve`): the
 * account policy's action now; null when the policy only notifies (decide per instance).
 */
export function bulkEnforcement(
  deps: Pick<Deps, 'config'>,
  account: Pick<Account, 'shadowItAction' | 'environment'>,
  rec: Pick<Recommendation, 'resourceId'>,
): { executor: 'stop-instance' | 'terminate-instance'; params: unknown } | null {
  const policy = shadowPolicy(account);
  if (policy === 'notify') return null;
  return {
    executor: policy === 'stop' ? 'stop-instance' : 'terminate-instance',
    params: enforcementParams(deps, rec.resourceId),
  };
}

function requireShadow(rec: Recommendation): void {
  if (rec.kind !== SHADOW_KIND) throw new UserError('That card is not a Shadow IT finding.');
}

/** Claim: anyone may claim an instance they own; tagging runs as an execution (dry-run aware). */
export async function claimInstance(
  deps: Deps,
  recId: number,
  userId: string,
  owner: string,
  team: string,
): Promise<ClickResult> {
  const rec = await getRecommendation(deps, recId);
  requireShadow(rec);
  if (!owner.trim()) throw new UserError('Say who owns the instance.');
  const result = await approveRecommendation(deps, null, rec.id, userId, {
    from: ['posted', 'open'],
    override: {
      executor: 'tag-resource',
      params: {
        claim: true,
        resourceIds: [rec.resourceId],
        tags: {
          ManagedBy: 'SpotOptimizer',
          Owner: owner.trim(),
          ...(team.trim() ? { Team: team.trim() } : {}),
        },
      },
    },
  });
  if (!result.ok) return result;
  await audit(deps, {
    actor: userId,
    event: 'claimed',
    message: `Claimed by <@${userId}> for ${owner.trim()}${team.trim() ? ` (${team.trim()})` : ''}: tagging ManagedBy=SpotOptimizer`,
    recommendationId: rec.id,
    accountId: rec.accountId,
    detail: { owner, team },
  });
  return { ok: true };
}

export async function exemptInstance(
  deps: Deps,
  recId: number,
  userId: string,
  reason: string,
  days: number | undefined,
): Promise<ClickResult> {
  const rec = await getRecommendation(deps, recId);
  requireShadow(rec);
  if (!reason.trim()) throw new UserError('An exemption needs a reason.');
  if (days !== undefined && (!Number.isInteger(days) || days < 1 || days > 3650)) {
    throw new UserError('Exemption length must be a whole number of days between 1 and 3650.');
  }
  const expiresAt = days ? new Date(deps.clock.now().getTime() + days * DAY) : null;
  const won = await deps.db.transaction(async (tx) => {
    const row = await transitionRecommendation(tx, rec.id, ['posted', 'open'], 'exempted', {
      exemptUntil: expiresAt,
    });
    if (!row) return false;
    await tx.insert(exemptions).values({
      accountId: rec.accountId,
      region: rec.region,
      resourceId: rec.resourceId,
      reason: reason.trim(),
      createdBy: userId,
      expiresAt,
    });
    await audit(
      { db: tx, log: deps.log },
      {
        actor: userId,
        event: 'exempted',
        message: `Exempted by <@${userId}>${expiresAt ? ` until ${expiresAt.toISOString().slice(0, 10)}` : ''}: ${reason.trim()}`,
        recommendationId: rec.id,
        accountId: rec.accountId,
        detail: { reason, expiresAt },
      },
    );
    await cardChanged(tx, rec.id);
    return true;
  });
  if (!won) return { ok: false, message: `Already ${rec.status}.` };
  return { ok: true };
}

/**
 * Acts on Shadow IT findings whose grace period has ended and that are still open: terminate
 * (with snapshots) or stop, per the account's policy, or tell the channel once (notify).
 * The executors re-validate that the instance is still unauthorised before touching it.
 */
export async function enforceGracePeriods(deps: Deps): Promise<{ queued: number; notified: number }> {
  const due = await deps.db
    .select()
    .from(recommendations)
    .where(
      and(
        eq(recommendations.kind, SHADOW_KIND),
        inArray(recommendations.status, ['open', 'posted']),
        isNotNull(recommendations.dueAt),
        lte(recommendations.dueAt, deps.clock.now()),
      ),
    );
  let queued = 0;
  let notified = 0;
  for (const rec of due) {
    const account = await getAccount(deps.db, rec.accountId);
    const policy = shadowPolicy(account);
    if (policy === 'notify') {
      // Clearing due_at makes the notice once-only.
      const [row] = await deps.db
        .update(recommendations)
        .set({ dueAt: null })
        .where(and(eq(recommendations.id, rec.id), isNotNull(recommendations.dueAt)))
        .returning();
      if (!row) continue;
      await audit(deps, {
        actor: 'system',
        event: 'grace_expired',
        message: `Grace period over. ${account.name} is a ${account.environment} account whose policy is *notify*: nothing was changed. An approver can press Terminate now.`,
        recommendationId: rec.id,
        accountId: rec.accountId,
      });
      await cardChanged(deps.db, rec.id);
      notified += 1;
      continue;
    }
    const result = await approveRecommendation(deps, null, rec.id, 'system', {
      from: ['open', 'posted'],
      priority: 50,
      override: {
        executor: policy === 'stop' ? 'stop-instance' : 'terminate-instance',
        params: enforcementParams(deps, rec.resourceId),
      },
    });
    if (result.ok) queued += 1;
  }
  return { queued, notified };
}
