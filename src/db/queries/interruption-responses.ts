// Queries on interruption_responses: the guarded insert that lets one warning start one response
// (however often, and by however many replicas, it is delivered), its updates, and the
// replaced-before-termination rate.
import { and, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { type InterruptionResponse, interruptionResponses } from '../schema.js';

export type NewResponse = typeof interruptionResponses.$inferInsert;

/** Inserts the response unless one exists for the instance; null = a duplicate (start nothing). */
export async function claimResponse(db: DbOrTx, values: NewResponse): Promise<InterruptionResponse | null> {
  const [row] = await db
    .insert(interruptionResponses)
    .values(values)
    .onConflictDoNothing({ target: [interruptionResponses.accountId, interruptionResponses.instanceId] })
    .returning();
  return row ?? null;
}

export async function updateResponse(
  db: DbOrTx,
  id: number,
  set: Partial<Omit<NewResponse, 'id'>>,
  /** Only while the response is in this status (a guarded transition). */
  from?: string,
): Promise<InterruptionResponse | undefined> {
  const [row] = await db
    .update(interruptionResponses)
    .set(set)
    .where(
      and(
        eq(interruptionResponses.id, id),
        from === undefined ? undefined : eq(interruptionResponses.status, from),
      ),
    )
    .returning();
  return row;
}

/** The response an execution was started for, while it has not been reported yet. */
export async function runningResponseOfExecution(
  db: DbOrTx,
  executionId: number,
): Promise<InterruptionResponse | undefined> {
  const [row] = await db
    .select()
    .from(interruptionResponses)
    .where(
      and(eq(interruptionResponses.executionId, executionId), eq(interruptionResponses.status, 'running')),
    );
  return row;
}

export async function responseFor(
  db: DbOrTx,
  accountId: number,
  instanceId: string,
): Promise<InterruptionResponse | undefined> {
  const [row] = await db
    .select()
    .from(interruptionResponses)
    .where(
      and(eq(interruptionResponses.accountId, accountId), eq(interruptionResponses.instanceId, instanceId)),
    );
  return row;
}

/** The warned instance was seen stopping (a state-change event): the first sighting is kept. */
export async function markInterruptedStopped(
  db: DbOrTx,
  accountId: number,
  instanceId: string,
  at: Date,
): Promise<boolean> {
  const rows = await db
    .update(interruptionResponses)
    .set({ interruptedStoppedAt: at })
    .where(
      and(
        eq(interruptionResponses.accountId, accountId),
        eq(interruptionResponses.instanceId, instanceId),
        isNull(interruptionResponses.interruptedStoppedAt),
      ),
    )
    .returning({ id: interruptionResponses.id });
  return rows.length > 0;
}

export interface ReplacementRate {
  /** Warnings spotops answered with a replacement (Capacity-Rebalancing reports are not counted). */
  handled: number;
  /** Of those, replacements healthy before the warned instance stopped (or its deadline). */
  replacedInTime: number;
  /** replacedInTime / handled; null when nothing was handled. */
  rate: number | null;
}

/**
 * Replaced-before-termination rate over warnings in [since, until): a replacement counts when it
 * was healthy before the warned instance was seen stopping, or before the deadline when no stop
 * was seen. A plain async function: /metrics, /spot savings and the digest all read it.
 */
export async function replacedBeforeTerminationRate(
  db: DbOrTx,
  window: { since?: Date; until?: Date } = {},
): Promise<ReplacementRate> {
  const r = interruptionResponses;
  const [row] = await db
    .select({
      handled: sql<number>`count(*)::int`,
      inTime: sql<number>`count(*) filter (where ${r.healthyAt} is not null and ${r.healthyAt} <= coalesce(${r.interruptedStoppedAt}, ${r.deadlineAt}, ${r.healthyAt}))::int`,
    })
    .from(r)
    .where(
      and(
        eq(r.action, 'replace'),
        window.since ? gte(r.warnedAt, window.since) : undefined,
        window.until ? lt(r.warnedAt, window.until) : undefined,
      ),
    );
  const handled = Number(row?.handled ?? 0);
  const replacedInTime = Number(row?.inTime ?? 0);
  return { handled, replacedInTime, rate: handled === 0 ? null : replacedInTime / handled };
}
