// Admission to the execution queue: how many executions may run at once (over every replica,
// and per account) and what a batch's mode lets through (sequential: one at a time; parallel:
// up to its maximum; by-region / by-resource-type: one group after the other, each group in
// parallel up to the maximum). claimNext (executions.ts) asks `fits` for each candidate while
// it holds the claim lock, so the counts it reads cannot change under it.
import { and, eq, isNull, notInArray, or, type SQL, sql } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Tx } from '../db/client.js';
import { type BatchLoad, type QueueLoad, waveColumn, waveOf } from '../db/queries/executions.js';
import { type Execution, executions } from '../db/schema.js';

export interface QueueLimits {
  /** Executions running at once over every replica. */
  global: number;
  /** Executions running at once in one account. */
  perAccount: number;
}

export function queueLimits(
  config?: Partial<Pick<Config, 'QUEUE_MAX_RUNNING' | 'QUEUE_MAX_PER_ACCOUNT'>>,
): QueueLimits {
  return { global: config?.QUEUE_MAX_RUNNING ?? 8, perAccount: config?.QUEUE_MAX_PER_ACCOUNT ?? 2 };
}

/** How many of a batch's executions may run at once. */
export function batchCap(b: Pick<BatchLoad, 'mode' | 'maxConcurrency'>): number {
  return b.mode === 'sequential' ? 1 : Math.max(1, b.maxConcurrency);
}

/**
 * Fresh claims take this transaction-scoped lock first: claims from every replica are
 * serialized for the few milliseconds a claim takes, so two of them never both see "one slot
 * left". (Rows are still locked FOR UPDATE SKIP LOCKED and the UPDATE is guarded.)
 */
export async function serializeClaims(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('spotops-claim'))`);
}

/** Does this queued execution fit the limits and its batch's mode right now? */
export function fits(
  e: Pick<Execution, 'accountId' | 'batchId' | 'region' | 'executor'>,
  load: QueueLoad,
  limits: QueueLimits,
): boolean {
  if (load.running >= limits.global) return false;
  if ((load.byAccount.get(e.accountId) ?? 0) >= limits.perAccount) return false;
  const batch = e.batchId ? load.batches.get(e.batchId) : undefined;
  if (!batch) return true;
  if (batch.running >= batchCap(batch)) return false;
  return batch.wave === undefined || waveOf(batch.mode, e) === batch.wave;
}

/**
 * The same rules as `fits`, as a WHERE clause: the candidate list skips saturated accounts and
 * batches, so work of a full account never hides the work of the others behind it.
 */
export function admissible(load: QueueLoad, limits: QueueLimits): SQL | undefined {
  const full = [...load.byAccount].filter(([, n]) => n >= limits.perAccount).map(([id]) => id);
  const held: string[] = [];
  const waves: SQL[] = [];
  for (const b of load.batches.values()) {
    const column = waveColumn(b.mode);
    if (b.running >= batchCap(b)) held.push(b.id);
    else if (column && b.wave !== undefined) {
      held.push(b.id);
      waves.push(and(eq(executions.batchId, b.id), eq(column, b.wave))!);
    }
  }
  return and(
    full.length > 0 ? notInArray(executions.accountId, full) : undefined,
    held.length > 0
      ? or(isNull(executions.batchId), notInArray(executions.batchId, held), ...waves)
      : undefined,
  );
}
