// Queries on execution_steps and on the execution lease (the two move together: a step may only
// start while its worker holds the execution's lease).
import { and, asc, eq, gt, ne, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { type ExecutionStep, executionSteps, executions } from '../schema.js';

/**
 * Extends the lease of `owner` on the execution to `until`, only while it still holds it
 * (`now` < its expiry). false: the lease is lost (expired, or another worker took over).
 */
export async function extendLease(
  db: DbOrTx,
  executionId: number,
  owner: string,
  now: Date,
  until: Date,
): Promise<boolean> {
  const rows = await db
    .update(executions)
    // Never backwards: a slow heartbeat that commits after a newer one must not shorten it.
    .set({ leaseExpiresAt: sql`greatest(${executions.leaseExpiresAt}, ${until.toISOString()}::timestamptz)` })
    .where(
      and(
        eq(executions.id, executionId),
        eq(executions.leaseOwner, owner),
        gt(executions.leaseExpiresAt, now),
      ),
    )
    .returning({ id: executions.id });
  return rows.length > 0;
}

export async function stepsOf(db: DbOrTx, executionId: number): Promise<ExecutionStep[]> {
  return db
    .select()
    .from(executionSteps)
    .where(eq(executionSteps.executionId, executionId))
    .orderBy(asc(executionSteps.id));
}

export async function findStep(
  db: DbOrTx,
  executionId: number,
  name: string,
): Promise<ExecutionStep | undefined> {
  const [row] = await db
    .select()
    .from(executionSteps)
    .where(and(eq(executionSteps.executionId, executionId), eq(executionSteps.name, name)));
  return row;
}

/**
 * Marks the step started by `owner` (a new row, or attempt + 1 on an interrupted/failed one).
 * undefined when the step is already done (another worker finished it first).
 */
export async function startStep(
  db: DbOrTx,
  executionId: number,
  name: string,
  owner: string,
  at: Date,
): Promise<ExecutionStep | undefined> {
  const [row] = await db
    .insert(executionSteps)
    .values({ executionId, name, owner, status: 'running', startedAt: at })
    .onConflictDoUpdate({
      target: [executionSteps.executionId, executionSteps.name],
      set: {
        status: 'running',
        owner,
        attempt: sql`${executionSteps.attempt} + 1`,
        startedAt: at,
        error: null,
        finishedAt: null,
      },
      setWhere: ne(executionSteps.status, 'done'),
    })
    .returning();
  return row;
}

/** Records the step's result; false when another worker re-started it meanwhile. */
export async function finishStep(
  db: DbOrTx,
  stepId: number,
  owner: string,
  result: { status: 'done'; output: unknown } | { status: 'failed'; error: string },
  at: Date,
): Promise<boolean> {
  const rows = await db
    .update(executionSteps)
    .set({
      status: result.status,
      output: result.status === 'done' ? (result.output ?? null) : null,
      error: result.status === 'failed' ? result.error : null,
      finishedAt: at,
    })
    .where(
      and(
        eq(executionSteps.id, stepId),
        eq(executionSteps.owner, owner),
        eq(executionSteps.status, 'running'),
      ),
    )
    .returning({ id: executionSteps.id });
  return rows.length > 0;
}
