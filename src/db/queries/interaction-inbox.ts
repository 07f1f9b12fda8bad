// Queries on interaction_inbox: decision clicks stored before the ack and taken after it. A row
// is claimed (claimed_until) by the process that handles it; a claim that lapses because that
// process died is taken over by the replay sweep, at most MAX_ATTEMPTS times.
import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { type InboxRow, interactionInbox, type StoredClick } from '../schema.js';

export const MAX_ATTEMPTS = 3;

export interface NewClick {
  actionId: string;
  click: StoredClick;
  receivedAt: Date;
  claimedUntil: Date;
}

/**
 * Stores clicks with one statement (one commit for a burst); returns their ids in input order.
 * The ids are matched back by content, so a reordered RETURNING could never swap two clicks.
 */
export async function recordClicks(db: DbOrTx, clicks: readonly NewClick[]): Promise<number[]> {
  if (clicks.length === 0) return [];
  const rows = await db
    .insert(interactionInbox)
    .values([...clicks])
    .returning({
      id: interactionInbox.id,
      actionId: interactionInbox.actionId,
      click: interactionInbox.click,
    });
  const same = rows.every(
    (r, i) => r.actionId === clicks[i]!.actionId && sameClick(r.click, clicks[i]!.click),
  );
  if (rows.length !== clicks.length || !same)
    throw new Error('storing clicks: RETURNING did not match the input');
  return rows.map((r) => r.id);
}

function sameClick(a: StoredClick, b: StoredClick): boolean {
  return a.user === b.user && a.value === b.value && a.channel === b.channel;
}

/** Guarded: only an unprocessed row is finished, once. */
export async function finishClick(
  db: DbOrTx,
  id: number,
  outcome: 'done' | 'failed' | 'expired',
  at: Date,
): Promise<boolean> {
  const rows = await db
    .update(interactionInbox)
    .set({ processedAt: at, outcome })
    .where(and(eq(interactionInbox.id, id), isNull(interactionInbox.processedAt)))
    .returning({ id: interactionInbox.id });
  return rows.length > 0;
}

/**
 * Takes over up to `limit` unprocessed rows whose claim lapsed before `now` (their process died
 * or gave up), claiming them until `claimedUntil`. Two replicas never take the same row.
 */
export async function takeOverLapsed(
  db: DbOrTx,
  now: Date,
  claimedUntil: Date,
  limit: number,
): Promise<InboxRow[]> {
  const lapsed = db
    .select({ id: interactionInbox.id })
    .from(interactionInbox)
    .where(and(isNull(interactionInbox.processedAt), lt(interactionInbox.claimedUntil, now)))
    .orderBy(interactionInbox.id)
    .limit(limit)
    .for('update', { skipLocked: true });
  return db
    .update(interactionInbox)
    .set({ claimedUntil, attempts: sql`${interactionInbox.attempts} + 1` })
    .where(inArray(interactionInbox.id, lapsed))
    .returning();
}

/** Removes processed rows older than `before` (the audit trail keeps the decisions themselves). */
export async function pruneProcessed(db: DbOrTx, before: Date): Promise<number> {
  const rows = await db
    .delete(interactionInbox)
    .where(lt(interactionInbox.processedAt, before))
    .returning({ id: interactionInbox.id });
  return rows.length;
}
