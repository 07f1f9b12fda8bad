// The execution state machine (DESIGN.md section 6, steps 4-5):
//   approved -> validating -> executing -> verifying -> succeeded
//                  |              |            `-> rolling_back -> rolled_back | failed
//                  `-> stale      `-> failed
// Every transition is guarded (only one worker runs an execution), written to the audit trail
// and the card's thread, and the card is re-rendered in place. Validation runs again here
// because the world drifts between the card and the click.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { and, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import { stepsOf } from '../db/queries/execution-steps.js';
import { queueLoad } from '../db/queries/executions.js';
import { type Execution, type ExecutionStatus, executions, type recommendations } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { getExecutor } from '../executors/index.js';
import { InterruptedStepError, LeaseLostError } from '../executors/steps.js';
import type { AnyExecutor, ExecutorContext, Verdict } from '../executors/types.js';
import { describeError, UserError, userMessage } from '../lib/errors.js';
import { explainError } from '../lib/explain.js';
import { recordExecutionFinished } from '../metrics/registry.js';
import { isPoolPoisoned } from '../risk/pool-poisoning.js';
import { bindingProblem, voidApprovalsOf } from './approval-binding.js';
import { audit } from './audit.js';
import { batchProgressed } from './batches.js';
import { cardChanged } from './outbox.js';
import { admissible, fits, type QueueLimits, queueLimits, serializeClaims } from './queue.js';
import { mayRunNow } from './run-gate.js';
import { DbStepJournal, ExecutionLease, type LeaseSettings } from './step-journal.js';
import { transitionExecution, transitionRecommendation } from './transition.js';

/** The statuses of an execution a worker is running (under a lease). */
export const ACTIVE = [
  'validating',
  'executing',
  'verifying',
  'rolling_back',
] as const satisfies ExecutionStatus[];

/** Seconds, not minutes: a crashed worker's executions are taken over quickly. */
export const LEASE_MS = 15_000;
export const HEARTBEAT_MS = 5_000;

/** Lease settings for a new worker: an owner id unique to this process and this worker. */
export function workerLease(overrides: Partial<LeaseSettings> = {}): LeaseSettings {
  return {
    owner: `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`,
    leaseMs: LEASE_MS,
    heartbeatMs: HEARTBEAT_MS,
    ...overrides,
  };
}

/** A claimed execution; `takeover` when it was taken from a worker whose lease expired. */
export type Claimed = Execution & {
  takeover?: { from: string | null; status: ExecutionStatus; expiredAt: Date | null };
};

/** Fresh candidates looked at per claim (saturated accounts and batches are already left out). */
const CANDIDATES = 25;

/**
 * Claims the next execution for `lease.owner`: first one whose worker's lease expired (a crash,
 * a lost replica; it may hold a clone, a cordoned node or a moved address), then the next due
 * approved one in queue order (priority, then scheduled time, then id) that fits the global and
 * per-account limits and its batch's mode. null when none. Rows are locked FOR UPDATE SKIP
 * LOCKED and the UPDATE is guarded, so replicas sharing one PostgreSQL never claim one twice.
 */
export async function claimNext(
  deps: Deps,
  lease: LeaseSettings = workerLease(),
  limits: QueueLimits = queueLimits(deps.config),
): Promise<Claimed | null> {
  return (await claimTakeover(deps, lease)) ?? (await claimFresh(deps, lease, limits));
}

/** Takes over an execution whose lease expired; limits do not apply (it was admitted before). */
async function claimTakeover(deps: Deps, lease: LeaseSettings): Promise<Claimed | null> {
  return deps.db.transaction(async (tx) => {
    const now = deps.clock.now();
    const [c] = await tx
      .select()
      .from(executions)
      .where(
        and(
          inArray(executions.status, [...ACTIVE]),
          or(isNull(executions.leaseExpiresAt), lt(executions.leaseExpiresAt, now)),
        ),
      )
      .orderBy(executions.priority, executions.scheduledFor, executions.id)
      .limit(1)
      .for('update', { skipLocked: true });
    if (!c) return null;
    const [claimed] = await tx
      .update(executions)
      .set({
        leaseOwner: lease.owner,
        leaseExpiresAt: new Date(now.getTime() + lease.leaseMs),
        attempt: c.attempt + 1,
      })
      .where(and(eq(executions.id, c.id), eq(executions.status, c.status)))
      .returning();
    if (!claimed) return null;
    return { ...claimed, takeover: { from: c.leaseOwner, status: c.status, expiredAt: c.leaseExpiresAt } };
  });
}

async function claimFresh(deps: Deps, lease: LeaseSettings, limits: QueueLimits): Promise<Claimed | null> {
  return deps.db.transaction(async (tx) => {
    await serializeClaims(tx);
    const load = await queueLoad(tx);
    // Read after the load: a start time never precedes the finish that freed its slot.
    const now = deps.clock.now();
    if (load.running >= limits.global) return null;
    const candidates = await tx
      .select()
      .from(executions)
      .where(
        and(eq(executions.status, 'approved'), lte(executions.scheduledFor, now), admissible(load, limits)),
      )
      .orderBy(executions.priority, executions.scheduledFor, executions.id)
      .limit(CANDIDATES)
      .for('update', { skipLocked: true });
    for (const candidate of candidates) {
      // Each fresh candidate is admitted here or left queued for a later pass.
      if (!fits(candidate, load, limits)) continue;
      // Run windows (engine/run-gate.ts): a freeze or a closed maintenance window reschedules it.
      if (!(await mayRunNow({ ...deps, db: tx }, candidate.id))) continue;
      const [claimed] = await tx
        .update(executions)
        .set({
          status: 'validating',
          leaseOwner: lease.owner,
          leaseExpiresAt: new Date(now.getTime() + lease.leaseMs),
          attempt: candidate.attempt + 1,
          startedAt: now,
        })
        .where(and(eq(executions.id, candidate.id), eq(executions.status, 'approved')))
        .returning();
      if (claimed) return claimed;
    }
    return null;
  });
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
    ...(deps.waits ? { waits: deps.waits } : {}),
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

/**
 * Runs a claimed execution to a final state, one persisted step at a time, under the lease
 * `settings.owner` holds (a heartbeat keeps it). A takeover resumes: steps already done replay
 * from their recorded output and the interrupted one runs again (steps are idempotent). Never
 * throws; when the lease is lost midway it stops without writing anything more.
 */
export async function runExecution(
  deps: Deps,
  exec: Claimed,
  // By default the run continues under the lease its claim took (the row names the owner).
  settings: LeaseSettings = workerLease(exec.leaseOwner ? { owner: exec.leaseOwner } : {}),
): Promise<Execution> {
  const lease = new ExecutionLease(deps.db, deps.clock, exec.id, settings);
  lease.startHeartbeat((err) => deps.log.warn({ err, execution: exec.id }, 'lease heartbeat failed'));
  try {
    const row = await drive(deps, exec, lease);
    recordExecutionFinished(row);
    return row;
  } catch (err) {
    if (err instanceof LeaseLostError || lease.lost) {
      deps.log.warn({ execution: exec.id, owner: settings.owner }, 'lease lost; another worker continues');
      return exec;
    }
    throw err;
  } finally {
    lease.stop();
  }
}

/** How long after a lease expired a takeover still resumes; later, it compensates instead. */
export const RESUME_WINDOW_MS = 10 * 60_000;

async function drive(deps: Deps, exec: Claimed, lease: ExecutionLease): Promise<Execution> {
  const owner = lease.settings.owner;
  const ids = {
    executionId: exec.id,
    recommendationId: exec.recommendationId ?? undefined,
    accountId: exec.accountId,
  };
  const say = (event: string, message: string, detail?: Record<string, unknown>) => {
    lease.assertHeld();
    return audit(deps, { actor: 'system', event, message, detail, ...ids });
  };
  const move = (
    from: Execution['status'][],
    to: Execution['status'],
    set: Partial<typeof executions.$inferInsert> = {},
  ) => transitionExecution(deps.db, exec.id, from, to, set, owner);
  const finish = async (
    to: Execution['status'],
    set: Partial<typeof executions.$inferInsert>,
    recTo?: (typeof recommendations.$inferSelect)['status'],
    recFrom: (typeof recommendations.$inferSelect)['status'][] = ['approved', 'executing'],
  ) => {
    const row = await move([...ACTIVE], to, {
      finishedAt: deps.clock.now(),
      leaseOwner: null,
      leaseExpiresAt: null,
      ...set,
    });
    if (!row) throw new LeaseLostError(exec.id);
    if (recTo && exec.recommendationId) {
      await transitionRecommendation(deps.db, exec.recommendationId, recFrom, recTo);
    }
    await cardChanged(deps.db, exec.recommendationId);
    if (exec.batchId) {
      // The batch's counts, its stop-on-failure rule and its progress message; the run itself is over.
      await batchProgressed(deps, exec.batchId).catch((err) =>
        deps.log.error({ err, batch: exec.batchId }, 'updating the batch progress failed'),
      );
    }
    return row;
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

  // A takeover says so in the thread first: which worker stopped, at which step, and what now.
  const takeover = exec.takeover;
  const staleTakeover =
    takeover !== undefined &&
    deps.clock.now().getTime() - (takeover.expiredAt?.getTime() ?? 0) > RESUME_WINDOW_MS &&
    exec.status !== 'validating';
  const journal = new DbStepJournal(deps.db, deps.clock, lease, takeover !== undefined);
  if (takeover) {
    const open = (await stepsOf(deps.db, exec.id)).filter((s) => s.status === 'running').map((s) => s.name);
    const where = open.length > 0 ? ` during the step ${open.join(', ')}` : ` while ${takeover.status}`;
    const plan = staleTakeover
      ? 'it stopped too long ago to continue safely, so the work done so far is undone'
      : 'resuming where it stopped (nothing already done is done again)';
    await say('taken_over', `A worker stopped responding${where}; another worker took over: ${plan}.`, {
      previousOwner: takeover.from,
      owner,
      interrupted: open,
    });
  }

  let ctx: ExecutorContext;
  try {
    ctx = {
      ...executorContext(deps, exec, await getAccount(deps.db, exec.accountId)),
      executionId: exec.id,
      steps: journal,
    };
  } catch (err) {
    await say('failed', `Failed: ${userMessage(err)}`);
    return finish('failed', { error: describeError(err) }, 'failed');
  }

  // A rollback (from the card, or after a failed verification) that a crash interrupted.
  if (exec.status === 'rolling_back') {
    return rollbackSteps(deps, exec, ctx, journal, executor, params, say, finish);
  }

  // 0. The approval is bound to the plan and evidence approved (engine/approval-binding.ts).
  if (exec.status === 'validating' && !takeover) {
    const problem = await bindingProblem(deps.db, exec);
    if (problem) {
      await voidApprovalsOf(deps.db, exec.id, deps.clock.now());
      await say(
        'approval_void',
        `Approval void: ${problem}. Nothing was changed; please review the card and approve again.`,
      );
      return finish('stale', { error: `approval void: ${problem}` }, 'posted', ['approved']);
    }
  }

  // 1. Validate again, now (replayed on a takeover after this step: the world changed since).
  if (exec.status === 'validating') await cardChanged(deps.db, exec.recommendationId);
  const verdict = await journal
    .run<Verdict>({
      name: 'validate',
      run: async () => {
        const v = await executor
          .validate(ctx, params)
          .catch((err): Verdict => ({ ok: false, reason: userFacing(err, ctx) }));
        if (v.ok) {
          await say(
            'validated',
            `Validated: ${executor.describe(params)} is still valid${exec.dryRun ? ' (DryRun checks passed)' : ''}`,
          );
        }
        return v;
      },
    })
    .catch((err): Verdict => {
      if (err instanceof LeaseLostError) throw err;
      return { ok: false, reason: userFacing(err, ctx) };
    });
  if (!verdict.ok) {
    if ('stale' in verdict && verdict.stale) {
      await say('stale', `No longer valid: ${verdict.reason}. Nothing was changed.`);
      return finish('stale', { error: verdict.reason }, 'stale');
    }
    await say('failed', `Validation failed: ${verdict.reason}. Nothing was changed.`);
    return finish('failed', { error: verdict.reason }, 'failed');
  }

  // 2. Execute (the mutating primitives decide dry-run themselves). A resumable executor's own
  // steps are journaled; any other execute() is one step that is never repeated blindly.
  let result: { summary: string; undo?: unknown };
  if (exec.status === 'verifying') {
    result = { summary: exec.summary ?? '', undo: exec.undo ?? undefined };
  } else {
    if (exec.recommendationId) {
      await transitionRecommendation(deps.db, exec.recommendationId, ['approved'], 'executing');
    }
    await move(['validating', 'executing'], 'executing');
    journal.refuseUnfinished = staleTakeover;
    try {
      result = executor.resumable
        ? await executor.execute(ctx, params)
        : await journal.run({
            name: 'execute',
            resumable: false,
            run: async () => {
              const r = await executor.execute(ctx, params);
              return { summary: r.summary, undo: r.undo ?? null };
            },
          });
    } catch (err) {
      if (err instanceof LeaseLostError) throw err;
      if (err instanceof InterruptedStepError) {
        journal.refuseUnfinished = false;
        return executor.resumable
          ? compensateInterrupted(deps, exec, journal, err, say, finish)
          : settleInterrupted(deps, exec, ctx, executor, params, say, finish);
      }
      const reason = userFacing(err, ctx);
      await say('failed', `Failed: ${reason}`);
      return finish('failed', { error: describeError(err) }, 'failed');
    }
    journal.refuseUnfinished = false;
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
    await move(['executing'], 'verifying', { summary: result.summary, undo: result.undo ?? null });
    await say('executed', result.summary, { undo: result.undo ?? null });
  }

  // 3. Verify the post-condition; compensate when it does not hold and the action is reversible.
  const check = await journal.run<Verdict>({
    name: 'verify',
    run: () =>
      executor.verify
        ? executor.verify(ctx, params).catch((err): Verdict => ({ ok: false, reason: userFacing(err, ctx) }))
        : Promise.resolve({ ok: true }),
  });
  if (check.ok) {
    await say('verified', `Verified: ${executor.describe(params)} done`);
    return finish(
      'succeeded',
      { actualMonthlySavings: exec.estimatedMonthlySavings ?? null },
      outcomeOf(exec),
    );
  }
  await say('verify_failed', `Verification failed: ${check.reason}`);
  if (executor.rollback && result.undo !== undefined && result.undo !== null) {
    await move(['verifying'], 'rolling_back');
    return rollbackSteps(
      deps,
      { ...exec, undo: result.undo, error: check.reason },
      ctx,
      journal,
      executor,
      params,
      say,
      finish,
    );
  }
  return finish('failed', { error: check.reason }, 'failed');
}

type Say = (event: string, message: string, detail?: Record<string, unknown>) => Promise<unknown>;
type Finish = (
  to: Execution['status'],
  set: Partial<typeof executions.$inferInsert>,
  recTo?: (typeof recommendations.$inferSelect)['status'],
  recFrom?: (typeof recommendations.$inferSelect)['status'][],
) => Promise<Execution>;

/** The rollback as one durable step; repeated after a crash only when the executor is resumable. */
async function rollbackSteps(
  _deps: Deps,
  exec: Execution,
  ctx: ExecutorContext,
  journal: DbStepJournal,
  executor: AnyExecutor,
  params: unknown,
  say: Say,
  finish: Finish,
): Promise<Execution> {
  const rollback = executor.rollback;
  if (!rollback || exec.undo === null || exec.undo === undefined) {
    await say('failed', `Rollback failed: ${exec.executor} has nothing to roll back with`);
    return finish('failed', { error: 'nothing to roll back with' }, 'failed');
  }
  try {
    const summary = await journal.run<string>({
      name: 'rollback',
      resumable: executor.resumable === true,
      run: () => rollback(ctx, params, exec.undo),
    });
    await say('rolled_back', `Rolled back: ${summary}`);
    return finish('rolled_back', { error: exec.error ?? null }, 'rolled_back', [
      'approved',
      'executing',
      'executed',
    ]);
  } catch (err) {
    if (err instanceof LeaseLostError) throw err;
    const reason =
      err instanceof InterruptedStepError
        ? `the rollback was interrupted by a restart and is not repeated blindly; check ${exec.executor} on the resource`
        : userFacing(err, ctx);
    await say('failed', `Rollback failed: ${reason}`);
    return finish('failed', { error: describeError(err) }, 'failed');
  }
}

/** A takeover that must not resume: undo the steps done so far, newest first, and say what. */
async function compensateInterrupted(
  _deps: Deps,
  _exec: Execution,
  journal: DbStepJournal,
  err: InterruptedStepError,
  say: Say,
  finish: Finish,
): Promise<Execution> {
  try {
    const undone = await journal.compensate();
    const what = undone.length > 0 ? undone.join('; ') : 'nothing had been changed yet';
    await say(
      'compensated',
      `Not resumed after the restart (${err.step}); undid the work done so far: ${what}.`,
      {
        undone,
      },
    );
    return finish('rolled_back', { error: `interrupted during ${err.step}; compensated` }, 'rolled_back');
  } catch (cause) {
    if (cause instanceof LeaseLostError) throw cause;
    await say(
      'failed',
      `Undoing the interrupted work failed: ${describeError(cause).slice(0, 300)}; check the resources named above`,
    );
    return finish('failed', { error: describeError(cause) }, 'failed');
  }
}

/**
 * A non-resumable execute() was interrupted: it is not repeated. verify() tells whether the
 * change happened before the crash; if it did the run succeeds, else it fails with what to check.
 */
async function settleInterrupted(
  _deps: Deps,
  exec: Execution,
  ctx: ExecutorContext,
  executor: AnyExecutor,
  params: unknown,
  say: Say,
  finish: Finish,
): Promise<Execution> {
  const check: Verdict = executor.verify
    ? await executor
        .verify(ctx, params)
        .catch((err): Verdict => ({ ok: false, reason: userFacing(err, ctx) }))
    : { ok: false, reason: `${exec.executor} cannot check its own result` };
  if (check.ok) {
    await say(
      'verified',
      `Verified: ${executor.describe(params)} done (the change was made before the restart; nothing was repeated)`,
    );
    return finish(
      'succeeded',
      { actualMonthlySavings: exec.estimatedMonthlySavings ?? null },
      outcomeOf(exec),
    );
  }
  await say(
    'failed',
    `Interrupted by a restart while executing, and not repeated (${check.reason}): check ${exec.executor} on the resource before trying again`,
  );
  return finish('failed', { error: 'interrupted by a restart' }, 'failed');
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
  // The rollback runs under a lease like any execution: a crash midway is taken over by a worker.
  const lease = workerLease();
  const now = deps.clock.now();
  const claimed = await transitionExecution(deps.db, exec.id, ['succeeded'], 'rolling_back', {
    leaseOwner: lease.owner,
    leaseExpiresAt: new Date(now.getTime() + lease.leaseMs),
  });
  if (!claimed)
    throw new UserError(
      `Execution ${executionId} is ${exec.status}; only a succeeded execution can be rolled back.`,
    );
  await audit(deps, {
    actor,
    event: 'rollback_requested',
    message: `Roll back requested by <@${actor}>`,
    executionId: exec.id,
    recommendationId: exec.recommendationId ?? undefined,
    accountId: exec.accountId,
  });
  await runExecution(deps, { ...claimed, approvedBy: actor }, lease);
}

function userFacing(err: unknown, ctx: ExecutorContext): string {
  if (err instanceof UserError) return err.message;
  ctx.log.error({ err }, 'executor failed');
  return explainError(err);
}
