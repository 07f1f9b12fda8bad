// The audit trail: one append-only row per fact, and the same fact as a reply in the thread of
// the card it concerns (when there is one). Both are written in one transaction: the reply is
// an outbox row the relay delivers later (its Slack ts is recorded on the outbox row, so the
// audit row is never updated). Nothing here waits on Slack.
import { eq } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import { type AuditEvent, auditEvents, executions } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { MessageRef } from '../ports.js';
import { enqueueReply } from './outbox.js';

export interface AuditDeps {
  /** A connection or the caller's transaction (then the rows commit with the caller's change). */
  db: DbOrTx;
  log: Logger;
}

export interface AuditInput {
  actor: string; // 'system' or a Slack user ID
  event: string; // found | approved | denied | validating | validated | dry_run | executed | ...
  /** The sentence shown in the thread, e.g. "Approved by <@U1>, validating...". */
  message: string;
  detail?: Record<string, unknown>;
  recommendationId?: number;
  executionId?: number;
  accountId?: number;
  /** Post to this thread instead of looking up the subject's card. */
  thread?: MessageRef;
  /** Record only; do not post in the thread (e.g. refused clicks, answered privately instead). */
  quiet?: boolean;
}

export async function audit(deps: AuditDeps, input: AuditInput): Promise<AuditEvent> {
  const write = async (db: DbOrTx) => {
    const [row] = await db
      .insert(auditEvents)
      .values({
        actor: input.actor,
        event: input.event,
        detail: { message: input.message, ...input.detail },
        recommendationId: input.recommendationId,
        executionId: input.executionId,
        accountId: input.accountId,
      })
      .returning();
    if (!input.quiet) {
      const recommendationId = input.thread ? undefined : await subjectOf(db, input);
      if (input.thread || recommendationId !== undefined) {
        await enqueueReply(db, {
          text: input.message,
          thread: input.thread,
          recommendationId,
          auditId: row!.id,
        });
      }
    }
    return row!;
  };
  // Inside a caller's transaction the rows join it; otherwise they get one of their own.
  const row = isTransaction(deps.db) ? await write(deps.db) : await (deps.db as Db).transaction(write);
  deps.log.info(
    {
      audit: row.id,
      actor: input.actor,
      event: input.event,
      recommendationId: input.recommendationId,
      executionId: input.executionId,
      accountId: input.accountId,
      ...input.detail,
    },
    input.message,
  );
  return row;
}

function isTransaction(db: DbOrTx): boolean {
  // drizzle's transaction objects have rollback(); plain databases do not.
  return typeof (db as { rollback?: unknown }).rollback === 'function';
}

/** The recommendation whose card thread tells the story: given, or via the execution. */
async function subjectOf(db: DbOrTx, input: AuditInput): Promise<number | undefined> {
  if (input.recommendationId !== undefined) return input.recommendationId;
  if (input.executionId === undefined) return undefined;
  const [ex] = await db
    .select({ rid: executions.recommendationId })
    .from(executions)
    .where(eq(executions.id, input.executionId));
  return ex?.rid ?? undefined;
}
