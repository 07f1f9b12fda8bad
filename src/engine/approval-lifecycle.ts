// What happens to approvals over time: they expire after the policy's TTL, and a newer
// recommendation for the same resource supersedes the older one (its approvals no longer
// count). Each change is audited and refreshes the card, in one transaction.
import { and, eq, inArray, ne } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import type { Db, DbOrTx } from '../db/client.js';
import { activeApprovals, endApprovals, expiredApprovals } from '../db/queries/approvals.js';
import { type Recommendation, recommendations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import type { Logger } from '../lib/logger.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { bindingOf } from './plan-hash.js';
import { getPolicy } from './policy.js';
import { transitionRecommendation } from './transition.js';

/** Ends every approval past its TTL; returns how many expired. */
export async function expireApprovals(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const due = await expiredApprovals(deps.db, now);
  const byRec = new Map<number, number[]>();
  for (const a of due) byRec.set(a.recommendationId, [...(byRec.get(a.recommendationId) ?? []), a.id]);
  let n = 0;
  for (const [recId, ids] of byRec) {
    await deps.db.transaction(async (tx) => {
      const ended = await endApprovals(tx, { recommendationId: recId, ids }, 'expired', now);
      if (ended.length === 0) return;
      n += ended.length;
      const account = await getAccount(tx as Db, ended[0]!.accountId);
      const ttl = (await getPolicy(tx, account)).approvalTtlHours;
      await audit(
        { db: tx, log: deps.log },
        {
          actor: 'system',
          event: 'approval_expired',
          message: `The approval${ended.length > 1 ? 's' : ''} of ${ended.map((a) => `<@${a.userId}>`).join(', ')} expired (older than ${ttl} h); approve again to go ahead.`,
          recommendationId: recId,
          accountId: account.id,
          detail: { approvals: ended.map((a) => a.id) },
        },
      );
      await cardChanged(tx, recId);
    });
  }
  return n;
}

/**
 * A newer recommendation for the same resource supersedes older ones still waiting (posted or
 * open): they are marked superseded and their approvals stop counting. Also ends approvals of
 * `rec` itself that were given for another plan or evidence (a re-evaluation rewrote it).
 */
export async function supersedeOlder(
  deps: { db: DbOrTx; log: Logger },
  rec: Recommendation,
): Promise<number[]> {
  const { db, log } = deps;
  const older = await db
    .select()
    .from(recommendations)
    .where(
      and(
        eq(recommendations.accountId, rec.accountId),
        eq(recommendations.region, rec.region),
        eq(recommendations.resourceId, rec.resourceId),
        ne(recommendations.id, rec.id),
        inArray(recommendations.status, ['posted', 'open']),
      ),
    );
  const at = rec.updatedAt;
  const done: number[] = [];
  for (const old of older.filter((o) => o.id < rec.id || o.updatedAt < rec.updatedAt)) {
    const row = await transitionRecommendation(db, old.id, ['posted', 'open'], 'superseded');
    if (!row) continue;
    done.push(old.id);
    await endApprovals(db, { recommendationId: old.id }, 'superseded', at);
    await audit(
      { db, log },
      {
        actor: 'system',
        event: 'superseded',
        message: `Superseded by recommendation #${rec.id}: its approvals no longer count; see the newer card.`,
        recommendationId: old.id,
        accountId: old.accountId,
        detail: { by: rec.id },
      },
    );
    await cardChanged(db, old.id);
  }
  const binding = bindingOf(rec);
  const outdated = (await activeApprovals(db, rec.id)).filter(
    (a) => a.planHash !== binding.planHash || a.evidenceHash !== binding.evidenceHash,
  );
  if (outdated.length > 0) {
    await endApprovals(db, { recommendationId: rec.id, ids: outdated.map((a) => a.id) }, 'superseded', at);
    await audit(
      { db, log },
      {
        actor: 'system',
        event: 'superseded',
        message: `The recommendation changed since ${outdated.map((a) => `<@${a.userId}>`).join(', ')} approved it: those approvals no longer count.`,
        recommendationId: rec.id,
        accountId: rec.accountId,
      },
    );
  }
  return done;
}
