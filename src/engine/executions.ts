// The execution state machine (DESIGN.md section 6, steps 4-5):
//   approved -> validating -> executing -> verifying -> succeeded
//                  |              |            `-> rolling_back -> rolled_back | failed
//                  `-> stale      `-> failed
// Every transition is guarded (only one worker runs an execution), written to the audit trail
// and the card's thread, and the card is re-rendered in place. Validation runs again here
// because the world drifts between the card and the click.
import { and, eq, inArray, lte } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import { type Execution, executions, type recommendations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { getExecutor } from '../executors/index.js';
import type { AnyExecutor, ExecutorContext } from '../executors/types.js';
import { describeError, UserError, userMessage } from '../lib/errors.js';
import { explainError } from '../lib/explain.js';
import { isPoolPoisoned } from '../risk/pool-poisoning.js';
import { audit } from './audit.js';
import { cardChanged } from './outbox.js';
import { transitionExecution, transitionRecommendation } from './transition.js';

/** Claims the next due approved execution (priority, then schedule); null when there is none. */
export async function claimNext(deps: Deps): Promise<Execution | null> {
  const now = deps.clock.now();
  const due = await deps.db
    .select({ id: executions.id, attempt: executions.attempt })
    .from(executions)
    .where(and(eq(executions.status, 'approved'), lte(executions.scheduledFor, now)))
    .orderBy(executions.priority, executions.scheduledFor, executions.id)
    .limit(10);
  // The guarded update makes the claim exclusive across workers and replicas; a loser tries the next.
  for (const { id, attempt } of due) {
    const claimed = await transitionExecution(deps.db, id, ['approved'], 'validating', {
      startedAt: now,
      attempt: attempt + 1,
    });
    if (claimed) return claimed;
  }
  return null;
}

function executorContext(
  deps: Deps,
  exec: Execution,
  account: Awaited<ReturnType<typeof getAccount>>,
): ExecutorContext {
  const actor = exec.approvedBy ?? 'system';
  return {
    aws: deps.awsFor(account, actor),
    account,
    region: exec.region,
    actor,
    dryRun: exec.dryRun,
    clock: deps.clock,
    log: deps.log.child({ execution: exec.id, executor: exec.executor }),
    // Every launch path asks the global pool-poisoning list before using a pool.
    poolGuard: (pool) => isPoolPoisoned(deps.db, pool, deps.clock),
    progress: async (message) => {
      await audit(deps, {
        actor: 'system',
        event: 'progress',
        message,
        executionId: exec.id,
        accountId: account.id,
      });
    },
  };
}

/** Runs a claimed execution (status `validating`) to a final state. Never throws. */
export async function runExecution(deps: Deps, exec: Execution): Promise<Execution> {
  const ids = {
    executionId: exec.id,
    recommendationId: exec.recommendationId ?? undefined,
    accountId: exec.accountId,
  };
  const say = (event: string, message: string, detail?: Record<string, unknown>) =>
    audit(deps, { actor: 'system', event, message, detail, ...ids });
  const finish = async (
    to: Execution['status'],
    set: Partial<typeof executions.$inferInsert>,
    recTo?: (typeof recommendations.$inferSelect)['status'],
  ) => {
    const row = await transitionExecution(
      deps.db,
      exec.id,
      ['validating', 'executing', 'verifying', 'rolling_back'],
      to,
      { finishedAt: deps.clock.now(), ...set },
    );
    if (recTo && exec.recommendationId) {
      await transitionRecommendation(deps.db, exec.recommendationId, ['approved', 'executing'], recTo);
    }
    await cardChanged(deps.db, exec.recommendationId);
    return row ?? exec;
  };

  const executor = getExecutor(exec.executor);
  if (!executor) {
    await say('failed', `Failed: no executor called ${exec.executor}`);
    return finish('failed', { error: `unknown executor ${exec.executor}` }, 'failed');
  }
  const parsed = executor.params.safeParse(exec.params);
  if (!parsed.success) {
    await say('failed', `Failed: the stored parameters are not valid for ${exec.executor}`);
    return finish('failed', { error: parsed.error.message }, 'failed');
  }
  const params = parsed.data;
  let ctx: ExecutorContext;
  try {
    ctx = executorContext(deps, exec, await getAccount(deps.db, exec.accountId));
  } catch (err) {
    await say('failed', `Failed: ${userMessage(err)}`);
    return finish('failed', { error: describeError(err) }, 'failed');
  }

  // 1. Validate again, now.
  await cardChanged(deps.db, exec.recommendationId);
  const verdict = await executor.validate(ctx, params).catch((err): { ok: false; reason: string } => ({
    ok: false,
    reason: userFacing(err, ctx),
  }));
  if (!verdict.ok) {
    if ('stale' in verdict && verdict.stale) {
      await say('stale', `No longer valid: ${verdict.reason}. Nothing was changed.`);
      return finish('stale', { error: verdict.reason }, 'stale');
    }
    await say('failed', `Validation failed: ${verdict.reason}. Nothing was changed.`);
    return finish('failed', { error: verdict.reason }, 'failed');
  }
  await say(
    'validated',
    `Validated: ${executor.describe(params)} is still valid${exec.dryRun ? ' (DryRun checks passed)' : ''}`,
  );

  // 2. Execute (the mutating primitives decide dry-run themselves).
  if (exec.recommendationId) {
    await transitionRecommendation(deps.db, exec.recommendationId, ['approved'], 'executing');
  }
  await transitionExecution(deps.db, exec.id, ['validating'], 'executing');
  let result: Awaited<ReturnType<AnyExecutor['execute']>>;
  try {
    result = await executor.execute(ctx, params);
  } catch (err) {
    const reason = userFacing(err, ctx);
    await say('failed', `Failed: ${reason}`);
    return finish('failed', { error: describeError(err) }, 'failed');
  }
  if (exec.dryRun) {
    await say('dry_run', result.summary, { dryRun: true });
    // A dry run changes nothing: the card stays open for a live approval later.
    const row = await finish('succeeded', { summary: result.summary });
    if (exec.recommendationId) {
      await transitionRecommendation(deps.db, exec.recommendationId, ['executing', 'approved'], 'posted');
      await cardChanged(deps.db, exec.recommendationId);
    }
    return row;
  }
  await transitionExecution(deps.db, exec.id, ['executing'], 'verifying', {
    summary: result.summary,
    undo: result.undo ?? null,
  });
  await say('executed', result.summary, { undo: result.undo ?? null });

  // 3. Verify the post-condition; compensate when it does not hold and the action is reversible.
  const check = executor.verify
    ? await executor
        .verify(ctx, params)
        .catch((err) => ({ ok: false as const, reason: userFacing(err, ctx) }))
    : ({ ok: true } as const);
  if (check.ok) {
    await say('verified', `Verified: ${executor.describe(params)} done`);
    return finish(
      'succeeded',
      { actualMonthlySavings: exec.estimatedMonthlySavings ?? null },
      outcomeOf(exec),
    );
  }
  await say('verify_failed', `Verification failed: ${check.reason}`);
  if (executor.rollback && result.undo !== undefined) {
    await transitionExecution(deps.db, exec.id, ['verifying'], 'rolling_back');
    try {
      const summary = await executor.rollback(ctx, params, result.undo);
      await say('rolled_back', `Rolled back: ${summary}`);
      return finish('rolled_back', { error: check.reason }, 'rolled_back');
    } catch (err) {
      await say('failed', `Rollback failed: ${userFacing(err, ctx)}`);
      return finish('failed', { error: describeError(err) }, 'failed');
    }
  }
  return finish('failed', { error: check.reason }, 'failed');
}

/**
 * The recommendation's state after a successful live execution: a Claim runs tag-resource on a
 * Shadow IT finding, which makes it claimed rather than executed.
 */
function outcomeOf(exec: Execution): 'executed' | 'claimed' {
  return exec.executor === 'tag-resource' &&
    exec.params &&
    (exec.params as { claim?: boolean }).claim === true
    ? 'claimed'
    : 'executed';
}

/** Rolls back a succeeded execution on request (the card's Roll back button). */
export async function rollbackExecution(deps: Deps, executionId: number, actor: string): Promise<void> {
  const [exec] = await deps.db.select().from(executions).where(eq(executions.id, executionId));
  if (!exec) throw new UserError(`There is no execution ${executionId}.`);
  const executor = getExecutor(exec.executor);
  if (!executor?.rollback || exec.undo === null || exec.undo === undefined) {
    throw new UserError(
      `Execution ${executionId} cannot be rolled back${executor?.rollbackNote ? `: ${executor.rollbackNote}` : ''}.`,
    );
  }
  const claimed = await transitionExecution(deps.db, exec.id, ['succeeded'], 'rolling_back');
  if (!claimed)
    throw new UserError(
      `Execution ${executionId} is ${exec.status}; only a succeeded execution can be rolled back.`,
    );
  const ids = {
    executionId: exec.id,
    recommendationId: exec.recommendationId ?? undefined,
    accountId: exec.accountId,
  };
  await audit(deps, {
    actor,
    event: 'rollback_requested',
    message: `Roll back requested by <@${actor}>`,
    ...ids,
  });
  const account = await getAccount(deps.db, exec.accountId);
  const ctx = executorContext(deps, { ...exec, approvedBy: actor }, account);
  try {
    const summary = await executor.rollback(ctx, executor.params.parse(exec.params), exec.undo);
    await transitionExecution(deps.db, exec.id, ['rolling_back'], 'rolled_back', {
      finishedAt: deps.clock.now(),
    });
    if (exec.recommendationId) {
      await transitionRecommendation(deps.db, exec.recommendationId, ['executed'], 'rolled_back');
    }
    await audit(deps, { actor: 'system', event: 'rolled_back', message: `Rolled back: ${summary}`, ...ids });
  } catch (err) {
    await transitionExecution(deps.db, exec.id, ['rolling_back'], 'failed', { error: describeError(err) });
    await audit(deps, {
      actor: 'system',
      event: 'failed',
      message: `Rollback failed: ${userFacing(err, ctx)}`,
      ...ids,
    });
  }
  await cardChanged(deps.db, exec.recommendationId);
}

function userFacing(err: unknown, ctx: ExecutorContext): string {
  if (err instanceof UserError) return err.message;
  ctx.log.error({ err }, 'executor failed');
  return explainError(err);
}

/**
 * Start-up recovery. An execution left `validating` by a crash changed nothing: it goes back
 * to the queue. One left `executing`/`verifying` may have changed AWS: it is marked failed and
 * the thread says to check the resource, never retried blindly. Only runs older than the lease
 * are touched, so another live replica's work is left alone.
 */
export async function recoverInterrupted(deps: Deps, leaseMs = 30 * 60_000): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - leaseMs);
  const stuck = await deps.db
    .select()
    .from(executions)
    .where(
      and(
        inArray(executions.status, ['validating', 'executing', 'verifying', 'rolling_back']),
        lte(executions.startedAt, cutoff),
      ),
    );
  for (const e of stuck) {
    const ids = {
      executionId: e.id,
      recommendationId: e.recommendationId ?? undefined,
      accountId: e.accountId,
    };
    if (e.status === 'validating') {
      if (await transitionExecution(deps.db, e.id, ['validating'], 'approved')) {
        await audit(deps, {
          actor: 'system',
          event: 'requeued',
          message: 'Interrupted before any change; queued again',
          ...ids,
        });
      }
    } else if (
      await transitionExecution(deps.db, e.id, [e.status], 'failed', {
        error: 'interrupted by a restart',
        finishedAt: deps.clock.now(),
      })
    ) {
      if (e.recommendationId)
        await transitionRecommendation(deps.db, e.recommendationId, ['approved', 'executing'], 'failed');
      await audit(deps, {
        actor: 'system',
        event: 'failed',
        message: `Interrupted by a restart while ${e.status}: check ${e.executor} on the resource before trying again`,
        ...ids,
      });
      await cardChanged(deps.db, e.recommendationId);
    }
  }
  return stuck.length;
}
