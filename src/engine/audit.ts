// The audit trail: one append-only row per fact, and the same fact as a reply in the thread of
// the card it concerns (when there is one). The reply is posted first so its ts can be stored
// in the row, which is never updated afterwards.
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { type AuditEvent, auditEvents, executions, recommendations } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import type { MessageRef, Notifier } from '../slack/notifier.js';

export interface AuditDeps {
  db: Db;
  log: Logger;
  notifier?: Notifier;
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
  const thread = input.quiet ? undefined : (input.thread ?? (await threadOf(deps.db, input)));
  let slackTs: string | undefined;
  if (thread && deps.notifier) {
    try {
      slackTs = (await deps.notifier.reply(thread, input.message)).ts;
    } catch (err) {
      deps.log.warn({ err, event: input.event }, 'audit thread reply failed; the row is still written');
    }
  }
  const [row] = await deps.db
    .insert(auditEvents)
    .values({
      actor: input.actor,
      event: input.event,
      detail: { message: input.message, ...input.detail },
      recommendationId: input.recommendationId,
      executionId: input.executionId,
      accountId: input.accountId,
      slackTs,
    })
    .returning();
  deps.log.info(
    {
      audit: row!.id,
      actor: input.actor,
      event: input.event,
      recommendationId: input.recommendationId,
      executionId: input.executionId,
      accountId: input.accountId,
      ...input.detail,
    },
    input.message,
  );
  return row!;
}

/** The card thread of the audit subject: the recommendation's card, directly or via the execution. */
async function threadOf(db: Db, input: AuditInput): Promise<MessageRef | undefined> {
  let recId = input.recommendationId;
  if (recId === undefined && input.executionId !== undefined) {
    const [ex] = await db
      .select({ rid: executions.recommendationId })
      .from(executions)
      .where(eq(executions.id, input.executionId));
    recId = ex?.rid ?? undefined;
  }
  if (recId === undefined) return undefined;
  const [rec] = await db
    .select({ channel: recommendations.slackChannel, ts: recommendations.slackTs })
    .from(recommendations)
    .where(eq(recommendations.id, recId));
  return rec?.channel && rec.ts ? { channel: rec.channel, ts: rec.ts } : undefined;
}
