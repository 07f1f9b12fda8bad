// A batch's progress message as it should look now: a pure projection of the batch row and the
// counts of its executions, rendered by the relay at delivery (like the cards in cards.ts).
import { and, eq, min } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { batchById, batchCounts } from '../db/queries/batches.js';
import { executions } from '../db/schema.js';
import { describeSettings } from '../engine/batches.js';
import { batchProgressMessage, type SlackMessage } from './blocks/index.js';

export async function renderBatchProgress(
  db: DbOrTx,
  batchId: string,
): Promise<{ message: SlackMessage; channel: string | null; ts: string | null } | null> {
  const batch = await batchById(db, batchId);
  if (!batch) return null;
  const counts = await batchCounts(db, batchId);
  const [next] = await db
    .select({ at: min(executions.scheduledFor) })
    .from(executions)
    .where(and(eq(executions.batchId, batchId), eq(executions.status, 'approved')));
  const message = batchProgressMessage({
    batchId,
    description: batch.description,
    requestedBy: batch.requestedBy,
    settings: describeSettings(batch),
    counts,
    stopReason: batch.stopReason,
    nextAt: next?.at ?? null,
  });
  return { message, channel: batch.slackChannel, ts: batch.slackTs };
}
