// What a click on a card means: approve, reject, ignore. Approval is a request: it checks the
// clicker may approve for that account, wins the guarded transition exactly once (double
// clicks, retries and two approvers at once all lose but one), and queues an execution that a
// worker runs outside the listener.
import { eq } from 'drizzle-orm';
import { isApprover, mention, type SlackDirectory } from '../accounts/approvers.js';
import { getAccount } from '../accounts/store.js';
import { activeApprovals, endApprovals, insertApproval } from '../db/queries/approvals.js';
import {
  type Account,
  executions,
  type Recommendation,
  type RiskLevel,
  recommendations,
} from '../db/schema.js';
import type { Deps } from '../deps.js';
import { getExecutor } from '../executors/index.js';
import { HOUR } from '../lib/clock.js';
import { UserError } from '../lib/errors.js';
import { approvalRisk, riskContextOf } from './approval-risk.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { bindingOf } from './plan-hash.js';
import { getPolicy } from './policy.js';
import { DEFAULT_PRIORITY } from './priorities.js';
import { transitionRecommendation } from './transition.js';

export type ClickResult =
  | { ok: true; message?: string /** recorded, but the level needs more approvers */; pending?: true }
  | { ok: false; message: string };

export async function getRecommendation(deps: Deps, id: number): Promise<Recommendation> {
  const [row] = await deps.db.select().from(recommendations).where(eq(recommendations.id, id));
  if (!row) throw new UserError(`Recommendation ${id} does not exist (any more).`);
  return row;
}

/** Only approvers of the account; for HIGH risk the approver must not be the requester. */
export async function checkApprover(
  deps: Deps,
  dir: SlackDirectory,
  account: Account,
  subject: { id: number; risk: RiskLevel },
  userId: string,
  requestedBy = 'system',
): Promise<ClickResult> {
  if (!(await isApprover(dir, account, userId))) {
    const who = account.approvers.length
      ? `only ${account.approvers.map(mention).join(', ')} can approve actions in ${account.name}`
      : `${account.name} has no approvers yet: \`/spot approvers ${account.name} @user\``;
    await audit(deps, {
      actor: userId,
      event: 'denied',
      message: `<@${userId}> is not an approver of ${account.name}; nothing was done`,
      recommendationId: subject.id,
      accountId: account.id,
      quiet: true, // the clicker is told privately; the thread is not for refusals
    });
    return { ok: false, message: `Sorry, ${who}.` };
  }
  // Four eyes for high-risk changes: whoever asked for it cannot also approve it.
  if ((subject.risk === 'HIGH' || subject.risk === 'CRITICAL') && requestedBy === userId) {
    return {
      ok: false,
      message: `This is a ${subject.risk} change (its own risk, apart from the Spot interruption risk): someone other than the requester must approve it.`,
    };
  }
  return { ok: true };
}

/** Who asked for a recommendation: a person for `/spot evaluate`, the system for scan findings. */
export function requesterOf(rec: Pick<Recommendation, 'evidence'>): string {
  return (rec.evidence as { requestedBy?: string }).requestedBy ?? 'system';
}

export interface ApproveOptions {
  /** Queue a DryRun-only execution whatever DRY_RUN says ("Shadow run"). */
  shadow?: boolean;
  /** Statuses approval may start from; Shadow IT enforcement also approves `open` findings. */
  from?: Recommendation['status'][];
  priority?: number;
  batchId?: string;
  /** Parameters to run with instead of the recommendation's (e.g. Claim runs tag-resource). */
  override?: { executor: string; params: unknown };
}

/**
 * Approves a recommendation as `userId` and queues its execution. Returns a message for the
 * clicker when nothing happened (not an approver, someone else was faster).
 */
export async function approveRecommendation(
  deps: Deps,
  dir: SlackDirectory | null,
  recId: number,
  userId: string,
  opts: ApproveOptions = {},
): Promise<ClickResult> {
  const rec = await getRecommendation(deps, recId);
  const account = await getAccount(deps.db, rec.accountId);
  if (account.status !== 'verified') {
    return {
      ok: false,
      message: `${account.name} is not verified yet: \`/spot verify ${account.name} <role-arn>\`.`,
    };
  }
  const executorKind = opts.override?.executor ?? rec.executor;
  const executor = getExecutor(executorKind);
  if (!executor) return { ok: false, message: `spotops cannot run ${executorKind} (unknown action).` };
  const params = opts.override?.params ?? rec.params;
  const parsed = executor.params.safeParse(params);
  if (!parsed.success)
    return { ok: false, message: `The stored parameters are not valid for ${executorKind}.` };
  const risk = approvalRisk(executor, parsed.data, account, riskContextOf(rec)).level;
  const requester = requesterOf(rec);
  // The system actor (grace-period enforcement) acts under the account's policy, not a person.
  if (dir) {
    const allowed = await checkApprover(deps, dir, account, { id: rec.id, risk }, userId, requester);
    if (!allowed.ok) return allowed;
  }
  const policy = await getPolicy(deps.db, account);
  const needed = dir ? policy.approversNeeded[risk] : 1;
  // N-of-M: the requester never counts towards more than one approval.
  if (dir && needed > 1 && userId === requester) {
    return {
      ok: false,
      message: `You asked for this ${risk} change: ${needed} other approvers of ${account.name} must approve it.`,
    };
  }
  const dryRun = opts.shadow === true || deps.config.DRY_RUN;
  const now = deps.clock.now();
  // The approval binds to the recommendation's plan and evidence as shown on the card.
  const binding = bindingOf(rec);

  const outcome = await deps.db.transaction(async (tx) => {
    // One approval decision at a time per recommendation: two approvers clicking together
    // both see each other's approval.
    const [locked] = await tx
      .select()
      .from(recommendations)
      .where(eq(recommendations.id, rec.id))
      .for('update');
    const from = opts.from ?? ['posted', 'open'];
    if (!locked || !from.includes(locked.status)) return { kind: 'lost' as const };
    let approvers = [userId];
    if (dir) {
      await insertApproval(tx, {
        recommendationId: rec.id,
        accountId: rec.accountId,
        userId,
        level: risk,
        ...binding,
        createdAt: now,
        expiresAt: new Date(now.getTime() + policy.approvalTtlHours * HOUR),
      });
      const counting = (await activeApprovals(tx, rec.id)).filter(
        (a) =>
          a.planHash === binding.planHash &&
          a.evidenceHash === binding.evidenceHash &&
          a.userId !== requester,
      );
      approvers = counting.map((a) => a.userId);
      if (counting.length < needed) {
        const line = approvalCountLine(approvers, needed);
        await audit(
          { db: tx, log: deps.log },
          {
            actor: userId,
            event: 'approval_recorded',
            message: `<@${userId}> approved: ${line}`,
            recommendationId: rec.id,
            accountId: rec.accountId,
            detail: { level: risk, needed, approvers, ...binding },
          },
        );
        await cardChanged(tx, rec.id);
        return { kind: 'pending' as const, line };
      }
    }
    const won = await transitionRecommendation(tx, rec.id, from, 'approved');
    if (!won) return { kind: 'lost' as const };
    const [exec] = await tx
      .insert(executions)
      .values({
        recommendationId: rec.id,
        accountId: rec.accountId,
        region: rec.region,
        executor: executorKind,
        params,
        requestedBy: requester,
        approvedBy: userId,
        // A wish made before the approval (`/spot schedule`, the Schedule button) applies now.
        priority: opts.priority ?? rec.requestedPriority ?? DEFAULT_PRIORITY,
        scheduledFor: new Date(Math.max(deps.clock.now().getTime(), rec.requestedRunAt?.getTime() ?? 0)),
        dryRun,
        riskLevel: risk,
        status: 'approved',
        batchId: opts.batchId,
        estimatedMonthlySavings: rec.monthlySavingsUsd,
        ...binding,
      })
      .returning();
    if (dir) await endApprovals(tx, { recommendationId: rec.id }, 'consumed', now, exec!.id);
    const who =
      userId === 'system'
        ? 'spotops (grace period over)'
        : approvers.length > 1
          ? approvers.map((u) => `<@${u}>`).join(' and ')
          : `<@${userId}>`;
    // The approval, its audit row, its thread reply and the card update commit together.
    await audit(
      { db: tx, log: deps.log },
      {
        actor: userId,
        event: 'approved',
        message: `Approved by ${who}${dryRun ? ' (dry run)' : ''}, validating...`,
        recommendationId: rec.id,
        executionId: exec!.id,
        accountId: rec.accountId,
        detail: { dryRun, executor: executorKind, level: risk, approvers },
      },
    );
    await cardChanged(tx, rec.id);
    return { kind: 'queued' as const };
  });
  if (outcome.kind === 'pending')
    return { ok: true, pending: true, message: `Your approval is recorded: ${outcome.line}.` };
  if (outcome.kind === 'lost') {
    const now = await getRecommendation(deps, recId);
    return { ok: false, message: `Already ${now.status.replace('_', ' ')}; nothing more to do.` };
  }
  return { ok: true };
}

/** "1 of 2 approvals: <@U1>" */
export function approvalCountLine(approvers: string[], needed: number): string {
  const who = approvers.length ? `: ${approvers.map((u) => `<@${u}>`).join(', ')}` : '';
  return `${approvers.length} of ${needed} approvals${who}`;
}

/** Reject (a Spot proposal) or ignore (a waste item): closes the card item for good. */
export async function dismissRecommendation(
  deps: Deps,
  dir: SlackDirectory,
  recId: number,
  userId: string,
  as: 'rejected' | 'ignored',
): Promise<ClickResult> {
  const rec = await getRecommendation(deps, recId);
  const account = await getAccount(deps.db, rec.accountId);
  const allowed = await checkApprover(deps, dir, account, { id: rec.id, risk: rec.riskLevel }, userId);
  if (!allowed.ok) return allowed;
  const won = await deps.db.transaction(async (tx) => {
    const row = await transitionRecommendation(tx, rec.id, ['posted', 'open', 'stale', 'failed'], as);
    if (!row) return false;
    await audit(
      { db: tx, log: deps.log },
      {
        actor: userId,
        event: as,
        message: `${as === 'rejected' ? 'Rejected' : 'Ignored'} by <@${userId}>`,
        recommendationId: rec.id,
        accountId: rec.accountId,
      },
    );
    await cardChanged(tx, rec.id);
    return true;
  });
  if (!won) return { ok: false, message: `Already ${rec.status}.` };
  return { ok: true };
}
