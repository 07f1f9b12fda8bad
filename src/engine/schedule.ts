// Scheduling by a person (`/spot schedule`, the Schedule button): when a recommendation's or an
// execution's work should run, and at which priority. A queued execution is moved; a
// recommendation still waiting for approval keeps the wish, which the approval applies
// (approval.ts). Approvers of the account only; audited, and the card says when it runs.
import { and, desc, eq, inArray } from 'drizzle-orm';
import { isApprover, mention, type SlackDirectory } from '../accounts/approvers.js';
import { getAccount } from '../accounts/store.js';
import {
  type Execution,
  executions,
  LIVE_EXECUTION_STATUSES,
  type Recommendation,
  recommendations,
} from '../db/schema.js';
import type { Deps } from '../deps.js';
import { UserError } from '../lib/errors.js';
import type { ClickResult } from './approval.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { priorityName } from './priorities.js';

/** `42` / `#42`: a recommendation (the number on its card); `e42`: an execution. */
export type ScheduleTarget = { kind: 'recommendation' | 'execution'; id: number };

export function parseTarget(word: string): ScheduleTarget | null {
  const m = /^(#?|e|exec:?|execution:?)(\d{1,9})$/i.exec(word.trim());
  if (!m) return null;
  return { kind: m[1]!.replace('#', '') === '' ? 'recommendation' : 'execution', id: Number(m[2]) };
}

export function formatTarget(t: ScheduleTarget): string {
  return t.kind === 'recommendation' ? `#${t.id}` : `e${t.id}`;
}

const LIVE = LIVE_EXECUTION_STATUSES;
const WAITING_FOR_APPROVAL: Recommendation['status'][] = ['open', 'posted'];

/** `2026-12-03 09:00 UTC`, or "as soon as possible" for a time not ahead of now. */
export function describeRunAt(at: Date, now: Date): string {
  return at.getTime() <= now.getTime()
    ? 'as soon as possible'
    : `at ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Schedules the target to run at `at` (never before now) with `priority` (null keeps the
 * current one). Answers in a sentence either way.
 */
export async function scheduleWork(
  deps: Deps,
  dir: SlackDirectory,
  target: ScheduleTarget,
  at: Date,
  priority: number | null,
  userId: string,
): Promise<ClickResult> {
  const { rec, exec } = await resolve(deps, target);
  const account = await getAccount(deps.db, rec?.accountId ?? exec!.accountId);
  const label = formatTarget(target);
  if (!(await isApprover(dir, account, userId))) {
    await audit(deps, {
      actor: userId,
      event: 'denied',
      message: `<@${userId}> is not an approver of ${account.name}; ${label} was not rescheduled`,
      recommendationId: rec?.id,
      executionId: exec?.id,
      accountId: account.id,
      quiet: true,
    });
    const who = account.approvers.length ? account.approvers.map(mention).join(', ') : 'its approvers';
    return { ok: false, message: `Sorry, only ${who} can schedule work in ${account.name}.` };
  }
  const now = deps.clock.now();
  const when = describeRunAt(at, now);

  if (exec) {
    if (exec.status !== 'approved') {
      const state = LIVE.includes(exec.status as never)
        ? `already ${exec.status}`
        : `already finished (${exec.status})`;
      return { ok: false, message: `Execution e${exec.id} is ${state}; only queued work can be moved.` };
    }
    const band = priorityName(priority ?? exec.priority);
    const moved = await deps.db.transaction(async (tx) => {
      const [row] = await tx
        .update(executions)
        .set({ scheduledFor: at, priority: priority ?? exec.priority })
        .where(and(eq(executions.id, exec.id), eq(executions.status, 'approved')))
        .returning();
      if (!row) return null;
      await audit(
        { db: tx, log: deps.log },
        {
          actor: userId,
          event: 'scheduled',
          message: `Scheduled by <@${userId}>: runs ${when}, ${band} priority`,
          executionId: exec.id,
          recommendationId: exec.recommendationId ?? undefined,
          accountId: exec.accountId,
          detail: { at: at.toISOString(), priority: priority ?? exec.priority },
        },
      );
      await cardChanged(tx, exec.recommendationId);
      return row;
    });
    if (!moved) return { ok: false, message: `Execution e${exec.id} started meanwhile; it was not moved.` };
    return { ok: true, message: `Execution e${exec.id} runs ${when}, ${band} priority.` };
  }

  const r = rec!;
  if (!WAITING_FOR_APPROVAL.includes(r.status)) {
    return {
      ok: false,
      message: `Recommendation #${r.id} is ${r.status.replace('_', ' ')}; there is nothing left to schedule.`,
    };
  }
  const band = priorityName(priority ?? r.requestedPriority ?? 100);
  const kept = await deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(recommendations)
      .set({ requestedRunAt: at, requestedPriority: priority ?? r.requestedPriority, requestedBy: userId })
      .where(and(eq(recommendations.id, r.id), inArray(recommendations.status, WAITING_FOR_APPROVAL)))
      .returning();
    if (!row) return null;
    await audit(
      { db: tx, log: deps.log },
      {
        actor: userId,
        event: 'scheduled',
        message: `Scheduled by <@${userId}>: once approved, runs ${when}, ${band} priority`,
        recommendationId: r.id,
        accountId: r.accountId,
        detail: { at: at.toISOString(), priority: priority ?? r.requestedPriority },
      },
    );
    await cardChanged(tx, r.id);
    return row;
  });
  if (!kept)
    return { ok: false, message: `Recommendation #${r.id} was decided meanwhile; nothing was scheduled.` };
  return {
    ok: true,
    message: `Recommendation #${r.id} still needs an approval; once approved it runs ${when}, ${band} priority.`,
  };
}

/** The execution to move (given, or the recommendation's queued one) and its recommendation. */
async function resolve(
  deps: Deps,
  target: ScheduleTarget,
): Promise<{ rec?: Recommendation; exec?: Execution }> {
  if (target.kind === 'execution') {
    const [exec] = await deps.db.select().from(executions).where(eq(executions.id, target.id));
    if (!exec) throw new UserError(`There is no execution e${target.id}.`);
    return { exec };
  }
  const [rec] = await deps.db.select().from(recommendations).where(eq(recommendations.id, target.id));
  if (!rec) throw new UserError(`There is no recommendation #${target.id}.`);
  const [exec] = await deps.db
    .select()
    .from(executions)
    .where(and(eq(executions.recommendationId, rec.id), inArray(executions.status, [...LIVE])))
    .orderBy(desc(executions.id))
    .limit(1);
  return exec ? { rec, exec } : { rec };
}
