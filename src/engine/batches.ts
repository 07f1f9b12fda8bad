// Batch approval: "Approve all" on a group card and `/spot approve <filter>` approve many
// recommendations as one batch. Each item goes through the same approval as a single click
// (approver check, four eyes for HIGH; CRITICAL ones are left for their own confirmation); the
// batch row says how the queue lets its executions through (queue.ts) and when it stops. Every
// time one of its executions finishes, the counts are refreshed and its progress message is
// queued for an in-place update; after max errors the executions still queued are cancelled.
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { SlackDirectory } from '../accounts/approvers.js';
import { getAccount } from '../accounts/store.js';
import type { Config } from '../config.js';
import type { DbOrTx } from '../db/client.js';
import { batchById, batchCounts, markBatchStopped, storeBatchCounts } from '../db/queries/batches.js';
import { type Account, type BatchMode, batches, executions } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { getExecutor } from '../executors/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { approveRecommendation, type ClickResult, getRecommendation } from './approval.js';
import { approvalRisk, riskContextOf } from './approval-risk.js';
import { audit } from './audit.js';
import { cardChanged, enqueueBatchProgress } from './outbox.js';
import { bulkEnforcement } from './shadow-it.js';
import { SHADOW_KIND } from './shadow-policy.js';
import { transitionRecommendation } from './transition.js';

export interface BatchSettings {
  mode: BatchMode;
  /** Executions of the batch at once (sequential: 1). */
  maxConcurrency: number;
  /** Stop after maxErrors failures (the queued rest is cancelled). */
  stopOnFailure: boolean;
  maxErrors: number;
}

export function batchDefaults(
  config: Pick<Config, 'BATCH_MAX_CONCURRENCY' | 'BATCH_MAX_ERRORS'>,
): BatchSettings {
  return {
    mode: 'parallel',
    maxConcurrency: config.BATCH_MAX_CONCURRENCY,
    stopOnFailure: config.BATCH_MAX_ERRORS > 0,
    maxErrors: Math.max(1, config.BATCH_MAX_ERRORS),
  };
}

/** "parallel, up to 4 at once, stops after 1 failure" */
export function describeSettings(s: BatchSettings): string {
  const how =
    s.mode === 'sequential'
      ? 'one at a time'
      : s.mode === 'parallel'
        ? `up to ${s.maxConcurrency} at once`
        : `one ${s.mode === 'by-region' ? 'region' : 'resource type'} after the other, up to ${s.maxConcurrency} at once`;
  const stop = s.stopOnFailure
    ? `stops after ${s.maxErrors} failure${s.maxErrors === 1 ? '' : 's'}`
    : 'does not stop on failures';
  return `${s.mode}: ${how}, ${stop}`;
}

export interface BatchRequest {
  recommendationIds: number[];
  userId: string;
  /** Where the progress message goes (the card's or the command's channel). */
  channel?: string;
  /** One line: "Approve all: 12 unattached EBS volumes in lab us-east-1". */
  description: string;
  settings: BatchSettings;
}

export type BatchResult = ClickResult & { batchId?: string; approved?: number };

/**
 * Approves every recommendation of the request that may be approved by `userId`, as one batch.
 * Items that are refused are named (grouped by reason) in the answer; nothing is approved twice.
 */
export async function approveBatch(deps: Deps, dir: SlackDirectory, req: BatchRequest): Promise<BatchResult> {
  const batchId = `b${randomBytes(4).toString('hex')}`;
  const s = req.settings;
  await deps.db.insert(batches).values({
    id: batchId,
    mode: s.mode,
    maxConcurrency: s.mode === 'sequential' ? 1 : s.maxConcurrency,
    stopOnFailure: s.stopOnFailure,
    maxErrors: s.maxErrors,
    requestedBy: req.userId,
    description: req.description,
    slackChannel: req.channel ?? null,
  });
  let approved = 0;
  const refusals = new Map<string, number>();
  const refuse = (why: string) => refusals.set(why, (refusals.get(why) ?? 0) + 1);
  const accounts = new Map<number, Account>();
  for (const id of req.recommendationIds) {
    const rec = await getRecommendation(deps, id).catch(() => null);
    if (!rec) continue;
    const account = accounts.get(rec.accountId) ?? (await getAccount(deps.db, rec.accountId));
    accounts.set(account.id, account);
    // Shadow IT findings run the account policy's action (terminate or stop), as at the deadline.
    let override: { executor: string; params: unknown } | undefined;
    if (rec.kind === SHADOW_KIND) {
      const action = bulkEnforcement(deps, account, rec);
      if (!action) {
        refuse(`${account.name}'s Shadow IT policy is notify: decide per instance on the card`);
        continue;
      }
      override = action;
    }
    const executor = getExecutor(override?.executor ?? rec.executor);
    const parsed = executor?.params.safeParse(override?.params ?? rec.params);
    // A CRITICAL change is confirmed on its own card (a modal asks again), never in bulk.
    if (
      executor &&
      parsed?.success &&
      approvalRisk(executor, parsed.data, account, riskContextOf(rec)).level === 'CRITICAL'
    ) {
      refuse('CRITICAL: approve it on its own card, where it asks for confirmation');
      continue;
    }
    const r = await approveRecommendation(deps, dir, rec.id, req.userId, {
      batchId,
      from: ['posted'],
      ...(override ? { override } : {}),
    });
    if (r.ok && r.pending) refuse('recorded, but the account policy needs more approvers for these');
    else if (r.ok) approved += 1;
    else refuse(r.message.replace(/^Sorry, /, '').replace(/\.$/, ''));
  }
  if (approved === 0) {
    await deps.db.delete(batches).where(eq(batches.id, batchId));
    const reasons = [...refusals.keys()];
    return {
      ok: false,
      message:
        reasons.length === 1
          ? `Nothing was approved: ${reasons[0]}.`
          : `Nothing was approved.${reasons.map((r) => `\n• ${r}`).join('')}`,
    };
  }
  await audit(deps, {
    actor: req.userId,
    event: 'batch_approved',
    message: `Batch ${batchId} approved by <@${req.userId}>: ${req.description} (${describeSettings(s)})`,
    detail: { batchId, approved, settings: s },
    quiet: true,
  });
  await batchProgressed(deps, batchId);
  const notes = [...refusals].map(([why, n]) => `\n• ${n} not approved: ${why}`).join('');
  return {
    ok: true,
    batchId,
    approved,
    message: `Approved ${approved} item${approved === 1 ? '' : 's'} as batch ${batchId} (${describeSettings(s)}).${notes}`,
  };
}

type BatchDeps = { db: Deps['db']; clock: Clock; log: Logger };

/**
 * One of the batch's executions changed (finished, or the batch was just created): refresh the
 * counts, stop the batch when it reached its maximum of errors, and queue its progress message.
 */
export async function batchProgressed(deps: BatchDeps, batchId: string): Promise<void> {
  const batch = await batchById(deps.db, batchId);
  if (!batch) return;
  let counts = await batchCounts(deps.db, batchId);
  if (batch.stopOnFailure && !batch.stoppedAt && counts.failed >= batch.maxErrors && counts.queued > 0) {
    await stopBatch(deps, batchId, counts.failed);
    counts = await batchCounts(deps.db, batchId);
  }
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await storeBatchCounts(tx, batchId, counts, now);
    if (batch.slackChannel) await enqueueBatchProgress(tx, batchId, batch.slackChannel);
  });
}

/** Cancels what is still queued in the batch (each audited) and reopens those cards. */
async function stopBatch(deps: BatchDeps, batchId: string, failures: number): Promise<void> {
  const now = deps.clock.now();
  const reason = `stopped after ${failures} failure${failures === 1 ? '' : 's'}`;
  await deps.db.transaction(async (tx) => {
    if (!(await markBatchStopped(tx, batchId, now, reason))) return; // another finisher stopped it
    const cancelled = await tx
      .update(executions)
      .set({ status: 'cancelled', finishedAt: now, error: `batch ${batchId} ${reason}` })
      .where(and(eq(executions.batchId, batchId), eq(executions.status, 'approved')))
      .returning();
    for (const e of cancelled) {
      if (e.recommendationId) await reopen(tx, e.recommendationId);
      await audit(
        { db: tx, log: deps.log },
        {
          actor: 'system',
          event: 'cancelled',
          message: `Cancelled before it ran: batch ${batchId} ${reason}. The item is open again.`,
          executionId: e.id,
          recommendationId: e.recommendationId ?? undefined,
          accountId: e.accountId,
          detail: { batchId },
          quiet: true, // the batch's progress message says it once, for all of them
        },
      );
    }
    await audit(
      { db: tx, log: deps.log },
      {
        actor: 'system',
        event: 'batch_stopped',
        message: `Batch ${batchId} ${reason}: ${cancelled.length} queued execution${cancelled.length === 1 ? '' : 's'} cancelled`,
        detail: { batchId, cancelled: cancelled.map((e) => e.id) },
        quiet: true,
      },
    );
  });
}

/** A cancelled item waits for a decision again: its card shows Approve once more. */
async function reopen(tx: DbOrTx, recId: number): Promise<void> {
  await transitionRecommendation(tx, recId, ['approved'], 'posted');
  await cardChanged(tx, recId);
}
