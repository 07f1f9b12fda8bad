// The engine's side of the outbox: every user-visible effect (thread reply, card post, card
// update, ephemeral answer, channel post) is a row written with the state change it reports,
// in the same transaction when the caller passes one. The relay (slack/relay.ts) delivers the
// rows in id order per ordering key, within Slack's rate limits, and retries; the engine
// never waits on Slack. Cards are not stored here: the relay renders them from the database
// at delivery time, so a card always shows the latest state, even after an outage.
import type { KnownBlock } from '@slack/types';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../db/client.js';
import { outbox, recommendations } from '../db/schema.js';
import type { MessageRef, OutboxWake } from '../ports.js';

const ref = z.object({ channel: z.string().min(1), ts: z.string().min(1) });
const blocks = z.array(z.record(z.string(), z.unknown())).optional();

/** One schema per outbox kind: the payload is parsed again by the relay before delivery. */
export const OUTBOX_PAYLOADS = {
  /** A message in a channel (digest, pool alert, operator notice). */
  post: z.object({
    channel: z.string().min(1),
    text: z.string(),
    blocks,
    /** A surface template rendered at delivery (e.g. `pool_alert`) from `input`, instead of blocks. */
    template: z.string().optional(),
    input: z.unknown().optional(),
    /** Set on delivery-problem notices, so each (channel, cause) is said once a day. */
    noticeKey: z.string().optional(),
  }),
  /**
   * A reply in the thread of a card: the thread is resolved at delivery time from the
   * recommendation (its card may not be delivered yet when the reply is written) or given.
   */
  reply: z.object({
    text: z.string(),
    recommendationId: z.number().int().optional(),
    thread: ref.optional(),
    auditId: z.number().int().optional(),
  }),
  /** A new card for these recommendations (one waste/Shadow IT group, or one Spot card). */
  card_post: z.object({
    channel: z.string().min(1),
    recommendationIds: z.array(z.number().int()).min(1),
    /** Where to post instead when the bot cannot post in `channel` (not in it, archived...). */
    fallbackChannel: z.string().min(1).optional(),
  }),
  /** Re-render the card showing this recommendation (coalesced: one render per card). */
  card_refresh: z.object({
    recommendationId: z.number().int(),
    offset: z.number().int().min(0).optional(),
  }),
  /**
   * A file shared in a channel (a CSV report, the digest's chart): text content as is, binary
   * content base64-encoded. Delivered in its channel's order, after what was queued before it.
   */
  file: z
    .object({
      channel: z.string().min(1),
      filename: z.string().min(1).max(200),
      title: z.string().max(250).optional(),
      comment: z.string().max(4000).optional(),
      text: z.string().optional(),
      base64: z.string().optional(),
    })
    .refine((f) => (f.text === undefined) !== (f.base64 === undefined), 'either text or base64 content'),
  /**
   * Post, then update in place, the progress message of a batch approval; the relay renders it
   * from the database and one render covers every row queued before it (coalesced).
   */
  batch_progress: z.object({ batchId: z.string().min(1) }),
  /** A private answer to one person in a channel. */
  ephemeral: z.object({ channel: z.string().min(1), user: z.string().min(1), text: z.string(), blocks }),
} as const;

export type OutboxKind = keyof typeof OUTBOX_PAYLOADS;
export type OutboxPayload<K extends OutboxKind> = z.infer<(typeof OUTBOX_PAYLOADS)[K]>;

const wakers = new Set<OutboxWake>();

/** The relay registers here so rows written by the engine are delivered at once, not at the next poll. */
export function onOutboxWrite(wake: OutboxWake): () => void {
  wakers.add(wake);
  return () => wakers.delete(wake);
}

function wake(): void {
  // After the caller's transaction commits the relay's next pass sees the rows; a wake that
  // comes too early only costs one empty pass (the relay also polls).
  for (const w of wakers) queueMicrotask(w);
}

export const channelKey = (channel: string) => `channel:${channel}`;

/** Writes one outbox row; validates the payload so a bad row can never be stored. */
export async function enqueue<K extends OutboxKind>(
  db: DbOrTx,
  kind: K,
  payload: OutboxPayload<K>,
  orderingKey: string,
): Promise<number> {
  const parsed = OUTBOX_PAYLOADS[kind].parse(payload) as Record<string, unknown>;
  const [row] = await db
    .insert(outbox)
    .values({ kind, orderingKey, payload: parsed })
    .returning({ id: outbox.id });
  wake();
  return row!.id;
}

export function enqueuePost(db: DbOrTx, channel: string, text: string, blocks?: KnownBlock[]) {
  return enqueue(db, 'post', { channel, text, blocks: blocks as never }, channelKey(channel));
}

/** A message the surface renders from a named template (the core holds no Block Kit). */
export function enqueueTemplate(db: DbOrTx, channel: string, template: string, input: unknown, text: string) {
  return enqueue(db, 'post', { channel, text, template, input }, channelKey(channel));
}

/** A file for a channel, through the relay like every other Slack write. */
export function enqueueFile(
  db: DbOrTx,
  input: { channel: string; filename: string; title?: string; comment?: string } & (
    | { text: string }
    | { bytes: Uint8Array }
  ),
) {
  const { channel, filename, title, comment } = input;
  const content =
    'text' in input ? { text: input.text } : { base64: Buffer.from(input.bytes).toString('base64') };
  return enqueue(db, 'file', { channel, filename, title, comment, ...content }, channelKey(channel));
}

export function enqueueEphemeral(db: DbOrTx, channel: string, user: string, text: string) {
  return enqueue(db, 'ephemeral', { channel, user, text }, `ephemeral:${channel}:${user}`);
}

/**
 * A reply in the thread of a recommendation's card (resolved at delivery) or of a given message.
 * Returns null when there is no card to reply to (never posted anywhere).
 */
export async function enqueueReply(
  db: DbOrTx,
  input: { text: string; recommendationId?: number; thread?: MessageRef; auditId?: number },
): Promise<number | null> {
  let channel = input.thread?.channel;
  if (!channel && input.recommendationId !== undefined) {
    const [rec] = await db
      .select({ channel: recommendations.slackChannel })
      .from(recommendations)
      .where(eq(recommendations.id, input.recommendationId));
    channel = rec?.channel ?? undefined;
  }
  if (!channel) return null;
  return enqueue(db, 'reply', input, channelKey(channel));
}

/**
 * The card showing `recId` must show its new state. Writes a card_refresh row behind anything
 * already queued for the card's channel (so a card whose post is still queued is rendered after
 * it); the relay renders each card once however many rows name it.
 */
export async function cardChanged(
  db: DbOrTx,
  recId: number | null | undefined,
  opts: { offset?: number } = {},
): Promise<void> {
  if (recId === null || recId === undefined) return;
  const [rec] = await db
    .select({ channel: recommendations.slackChannel })
    .from(recommendations)
    .where(eq(recommendations.id, recId));
  if (!rec?.channel) return; // no card yet: the card post renders the current state anyway
  // Always a row of its own: one already queued may be rendering right now, from a read made
  // before this transaction commits. The relay coalesces queued refreshes into one render.
  await enqueue(db, 'card_refresh', { recommendationId: recId, ...opts }, channelKey(rec.channel));
}

/** A new card for recommendations that have none yet; the relay stores its ts on them when posted. */
export function enqueueCardPost(
  db: DbOrTx,
  input: { channel: string; recommendationIds: number[]; fallbackChannel?: string },
): Promise<number> {
  return enqueue(db, 'card_post', input, channelKey(input.channel));
}

/** The progress message of a batch must show its new counts (posted the first time). */
export function enqueueBatchProgress(db: DbOrTx, batchId: string, channel: string): Promise<number> {
  return enqueue(db, 'batch_progress', { batchId }, channelKey(channel));
}
