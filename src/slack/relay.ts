// The outbox relay: delivers outbox rows to Slack in id order per ordering key (a channel's
// posts, replies and card updates in the order they were written; a card before its replies),
// within Slack's rate limits (about one message per second per channel; a chat.update budget),
// coalescing queued refreshes of one card into one render. 429 (Retry-After), 5xx and network
// errors back off and retry without blocking anyone but that key; permanent errors
// (not_in_channel, channel_not_found, missing_scope...) mark the row failed and tell the
// operators once, in words they can act on. Delivery is at least once: a crash between Slack's
// answer and the commit repeats that one message.
import type { KnownBlock } from '@slack/types';
import { and, asc, eq, gt, gte, inArray, sql } from 'drizzle-orm';
import type { Database, Db } from '../db/client.js';
import { setBatchMessage } from '../db/queries/batches.js';
import { recommendationById, setCardRef } from '../db/queries/recommendations.js';
import { accounts, type OutboxRow, outbox, recommendations } from '../db/schema.js';
import { rows } from '../db/sets.js';
import {
  channelKey,
  enqueue,
  OUTBOX_PAYLOADS,
  type OutboxKind,
  type OutboxPayload,
  onOutboxWrite,
} from '../engine/outbox.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { ChatPort, MessageRef } from '../ports.js';
import { renderBatchProgress } from './batch-message.js';
import { renderCardOf, renderNewCard } from './cards.js';
import { channelMention, classifySlackError } from './errors.js';
import { renderTemplate } from './templates.js';

export interface RelayDeps {
  db: Db;
  database?: Pick<Database, 'withAdvisoryLock'>;
  clock: Clock;
  log: Logger;
  chat: ChatPort;
  /** Where delivery problems are reported (the operators' channel). */
  operatorChannel: string;
}

export interface RelayOptions {
  /** Minimum gap between two posts in one channel (Slack: about 1 message per second). */
  postIntervalMs?: number;
  /** Minimum gap between two chat.update calls (Tier 3: about 50 per minute). */
  updateIntervalMs?: number;
  /** Rows delivered per ordering key in one pass. */
  perKey?: number;
  /** Ordering keys worked on at once. */
  concurrency?: number;
  /** Poll interval while started (rows written by other processes). */
  pollMs?: number;
  /** Backoff cap for transient errors. */
  maxBackoffMs?: number;
  /** Attempts after which a transient error counts as permanent. */
  maxAttempts?: number;
}

type Outcome = { ok: true; ts?: string } | { ok: false; skipped: string };

export class OutboxRelay {
  readonly #o: Required<RelayOptions>;
  /** Earliest time the next call of a class may go out: `post:<channel>`, `update`. */
  readonly #gates = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | null = null;
  #again = false;
  #unsubscribe: (() => void) | undefined;

  constructor(
    private readonly deps: RelayDeps,
    opts: RelayOptions = {},
  ) {
    this.#o = {
      postIntervalMs: 1000,
      updateIntervalMs: 1200,
      perKey: 20,
      concurrency: 4,
      pollMs: 500,
      maxBackoffMs: 5 * 60_000,
      maxAttempts: 40,
      ...opts,
    };
  }

  /** Runs passes until one delivers nothing; concurrent kicks coalesce into one more pass. */
  kick(): Promise<number> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      let total = 0;
      do {
        this.#again = false;
        const n = await this.pass().catch((err) => {
          this.deps.log.error({ err }, 'outbox relay pass failed');
          return 0;
        });
        total += n;
        if (n > 0) this.#again = true;
      } while (this.#again);
      return total;
    })().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  start(): void {
    this.#unsubscribe = onOutboxWrite(() => void this.kick());
    this.#timer = setInterval(() => void this.kick(), this.#o.pollMs);
    this.#timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    await this.#running;
  }

  /** One pass over every ordering key whose head is due; returns rows finished (delivered, failed, skipped). */
  async pass(): Promise<number> {
    const run = () => this.#pass();
    if (!this.deps.database) return run();
    // One relay at a time across replicas: per-key order needs a single deliverer.
    const lock = await this.deps.database.withAdvisoryLock('spotops-outbox-relay', run);
    return lock.acquired ? lock.value : 0;
  }

  async #pass(): Promise<number> {
    const heads = await this.deps.db
      .selectDistinctOn([outbox.orderingKey])
      .from(outbox)
      .where(eq(outbox.status, 'pending'))
      .orderBy(outbox.orderingKey, asc(outbox.id));
    let done = 0;
    const queue = [...heads];
    const worker = async () => {
      for (let head = queue.shift(); head; head = queue.shift()) done += await this.#drainKey(head);
    };
    await Promise.all(Array.from({ length: Math.min(this.#o.concurrency, queue.length) }, worker));
    return done;
  }

  /** Delivers rows of one key in order until one must wait (backoff or rate limit). */
  async #drainKey(first: OutboxRow): Promise<number> {
    let row: OutboxRow | undefined = first;
    let done = 0;
    for (let n = 0; row && n < this.#o.perKey; n++) {
      const now = this.deps.clock.now().getTime();
      // A fresh row is always due (its default time is the database's clock); a retried one waits.
      if (row.attempts > 0 && row.nextAttemptAt.getTime() > now) break;
      const gate = this.#gateOf(row);
      if (gate && (this.#gates.get(gate) ?? 0) > now) break;
      const finished = await this.#deliver(row);
      if (gate) {
        this.#gates.set(
          gate,
          this.deps.clock.now().getTime() +
            (gate === 'update' ? this.#o.updateIntervalMs : this.#o.postIntervalMs),
        );
      }
      if (!finished) break;
      done += 1;
      [row] = await this.deps.db
        .select()
        .from(outbox)
        .where(
          and(eq(outbox.orderingKey, row.orderingKey), eq(outbox.status, 'pending'), gt(outbox.id, row.id)),
        )
        .orderBy(asc(outbox.id))
        .limit(1);
    }
    return done;
  }

  #gateOf(row: OutboxRow): string | undefined {
    switch (row.kind as OutboxKind) {
      case 'card_refresh':
      case 'batch_progress': // posted once, then only updated: the chat.update budget
        return 'update';
      case 'ephemeral':
        return undefined;
      default:
        return `post:${row.orderingKey}`;
    }
  }

  /** Delivers one row; true when it is finished (delivered, skipped or failed for good). */
  async #deliver(row: OutboxRow): Promise<boolean> {
    const kind = row.kind as OutboxKind;
    const schema = OUTBOX_PAYLOADS[kind];
    const parsed = schema?.safeParse(row.payload);
    if (!parsed?.success) {
      await this.#finish(row, 'failed', { error: `unreadable ${row.kind} payload` });
      return true;
    }
    let outcome: Outcome;
    try {
      outcome = await this.#send(row, kind, parsed.data as never);
    } catch (err) {
      return this.#failed(row, kind, parsed.data as never, err);
    }
    if (outcome.ok) await this.#finish(row, 'delivered', { ts: outcome.ts });
    else await this.#finish(row, 'skipped', { error: outcome.skipped });
    return true;
  }

  async #send<K extends OutboxKind>(row: OutboxRow, kind: K, p: OutboxPayload<K>): Promise<Outcome> {
    const { chat } = this.deps;
    switch (kind) {
      case 'post': {
        const post = p as OutboxPayload<'post'>;
        const rendered = post.template ? renderTemplate(post.template, post.input) : null;
        const ref = await chat.post(
          post.channel,
          rendered?.text ?? post.text,
          (rendered?.blocks ?? post.blocks) as KnownBlock[],
        );
        return { ok: true, ts: ref.ts };
      }
      case 'file': {
        const f = p as OutboxPayload<'file'>;
        await chat.uploadFile(f.channel, {
          filename: f.filename,
          title: f.title,
          comment: f.comment,
          content: f.text ?? Buffer.from(f.base64 ?? '', 'base64'),
        });
        return { ok: true };
      }
      case 'ephemeral': {
        const e = p as OutboxPayload<'ephemeral'>;
        await chat.ephemeral(e.channel, e.user, e.text, e.blocks as KnownBlock[] | undefined);
        return { ok: true };
      }
      case 'reply': {
        const r = p as OutboxPayload<'reply'>;
        const thread = r.thread ?? (await this.#cardOf(r.recommendationId));
        if (!thread) return { ok: false, skipped: 'the card was never posted' };
        const ref = await chat.reply(thread, r.text);
        return { ok: true, ts: ref.ts };
      }
      case 'card_post': {
        const c = p as OutboxPayload<'card_post'>;
        const msg = await renderNewCard(this.deps, c.recommendationIds);
        if (!msg) return { ok: false, skipped: 'nothing to show' };
        let ref: MessageRef;
        try {
          ref = await chat.post(c.channel, msg.text, msg.blocks);
        } catch (err) {
          const f = classifySlackError(err, c.channel);
          if (f.kind !== 'permanent' || !c.fallbackChannel) throw err;
          this.deps.log.warn(
            { err, channel: c.channel },
            'cannot post the card where it was asked for; using the account channel',
          );
          ref = await chat.post(c.fallbackChannel, msg.text, msg.blocks);
          await this.deps.db
            .update(recommendations)
            .set({ slackChannel: ref.channel })
            .where(inArray(recommendations.id, c.recommendationIds));
        }
        await this.deps.db
          .update(recommendations)
          .set({ slackChannel: ref.channel })
          .where(
            and(inArray(recommendations.id, c.recommendationIds), sql`${recommendations.slackTs} is null`),
          );
        await setCardRef(this.deps.db, c.recommendationIds, ref);
        return { ok: true, ts: ref.ts };
      }
      case 'card_refresh': {
        const c = p as OutboxPayload<'card_refresh'>;
        // Only refreshes committed before the render reads the database are covered by it: one
        // committed while it renders may carry newer state, so it stays queued for its own render.
        const covered = c.offset === undefined ? await this.#queuedRefreshesOf(row, c.recommendationId) : [];
        const card = await renderCardOf(this.deps, c.recommendationId, c.offset);
        if (!card) return { ok: false, skipped: 'the card was never posted' };
        await chat.update(card.ref, card.message.text, card.message.blocks);
        await this.#markCoalesced(row, covered, card.ref);
        return { ok: true, ts: card.ref.ts };
      }
      case 'batch_progress': {
        const b = p as OutboxPayload<'batch_progress'>;
        // Rows committed before the render reads are covered by it; later ones render again.
        const covered = (
          await this.deps.db
            .select({ id: outbox.id })
            .from(outbox)
            .where(
              and(
                eq(outbox.status, 'pending'),
                eq(outbox.kind, 'batch_progress'),
                sql`${outbox.payload}->>'batchId' = ${b.batchId}`,
                gt(outbox.id, row.id),
              ),
            )
        ).map((r) => r.id);
        const view = await renderBatchProgress(this.deps.db, b.batchId);
        if (!view?.channel) return { ok: false, skipped: 'the batch has no message channel' };
        let ref: MessageRef;
        if (view.ts) {
          ref = { channel: view.channel, ts: view.ts };
          await chat.update(ref, view.message.text, view.message.blocks);
        } else {
          ref = await chat.post(view.channel, view.message.text, view.message.blocks);
          await setBatchMessage(this.deps.db, b.batchId, ref);
        }
        await this.#markCoalesced(row, covered, ref);
        return { ok: true, ts: ref.ts };
      }
    }
    return { ok: false, skipped: `unknown kind ${kind}` };
  }

  async #cardOf(recId: number | undefined): Promise<MessageRef | undefined> {
    if (recId === undefined) return undefined;
    const rec = await recommendationById(this.deps.db, recId);
    return rec?.slackChannel && rec.slackTs ? { channel: rec.slackChannel, ts: rec.slackTs } : undefined;
  }

  /** Queued whole-card refreshes of the card `recId` is on (any of its items), other than `row`. */
  async #queuedRefreshesOf(row: OutboxRow, recId: number): Promise<number[]> {
    const found = await rows<{ id: number }>(
      this.deps.db,
      sql`
      select o.id from ${outbox} o
      where o.status = 'pending' and o.kind = 'card_refresh' and o.id <> ${row.id}
        and not (o.payload ? 'offset')
        and (o.payload->>'recommendationId')::int in (
          select r.id from ${recommendations} r, ${recommendations} me
          where me.id = ${recId} and r.slack_channel = me.slack_channel and r.slack_ts = me.slack_ts)`,
    );
    return found.map((r) => Number(r.id));
  }

  async #markCoalesced(row: OutboxRow, covered: number[], ref: MessageRef): Promise<void> {
    if (covered.length === 0) return;
    await this.deps.db
      .update(outbox)
      .set({
        status: 'delivered',
        deliveredAt: this.deps.clock.now(),
        resultTs: ref.ts,
        lastError: `coalesced into outbox ${row.id}`,
      })
      .where(and(eq(outbox.status, 'pending'), inArray(outbox.id, covered)));
  }

  async #finish(
    row: OutboxRow,
    status: 'delivered' | 'skipped' | 'failed',
    r: { ts?: string; error?: string },
  ) {
    await this.deps.db
      .update(outbox)
      .set({
        status,
        attempts: row.attempts + 1,
        deliveredAt: status === 'delivered' ? this.deps.clock.now() : null,
        resultTs: r.ts ?? null,
        lastError: r.error ?? null,
      })
      .where(eq(outbox.id, row.id));
  }

  async #failed<K extends OutboxKind>(
    row: OutboxRow,
    kind: K,
    p: OutboxPayload<K>,
    err: unknown,
  ): Promise<boolean> {
    const where = channelMention(channelOfPayload(kind, p) ?? keyChannel(row.orderingKey));
    const f = classifySlackError(err, where);
    const attempts = row.attempts + 1;
    if (f.kind === 'retry' && attempts < this.#o.maxAttempts) {
      const backoff = f.afterMs ?? Math.min(this.#o.maxBackoffMs, 1000 * 2 ** Math.min(attempts - 1, 16));
      await this.deps.db
        .update(outbox)
        .set({
          attempts,
          nextAttemptAt: new Date(this.deps.clock.now().getTime() + backoff),
          lastError: f.cause,
        })
        .where(eq(outbox.id, row.id));
      this.deps.log.warn(
        { err, outbox: row.id, kind, attempts, backoffMs: backoff },
        'slack delivery failed; will retry',
      );
      return false;
    }
    const sentence =
      f.kind === 'permanent' ? f.sentence : `Slack kept failing (${f.cause}) after ${attempts} attempts.`;
    const code = f.kind === 'permanent' ? f.code : 'gave_up';
    this.deps.log.error({ err, outbox: row.id, kind, code }, 'slack delivery failed for good');
    await this.#finish(row, 'failed', { error: `${code}: ${sentence}` });
    await this.#tellOperators(row, kind, p, code, sentence);
    return true;
  }

  /**
   * One actionable message per (channel, cause): in the operators' channel, or, when that is
   * the channel that fails, directly to the approvers of the account concerned.
   */
  async #tellOperators<K extends OutboxKind>(
    row: OutboxRow,
    kind: K,
    p: OutboxPayload<K>,
    code: string,
    sentence: string,
  ): Promise<void> {
    if (kind === 'ephemeral') return; // a private answer that could not be shown is not worth a broadcast
    const failing = channelOfPayload(kind, p) ?? keyChannel(row.orderingKey);
    const noticeKey = `${failing}:${code}`;
    const since = new Date(this.deps.clock.now().getTime() - 24 * 3600_000);
    const [already] = await this.deps.db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(sql`${outbox.payload}->>'noticeKey' = ${noticeKey}`, gte(outbox.createdAt, since)))
      .limit(1);
    if (already) return;
    const what =
      kind === 'reply'
        ? 'a thread reply'
        : kind === 'card_refresh'
          ? 'a card update'
          : kind === 'file'
            ? 'a file'
            : 'a message';
    const text = `:warning: spotops could not post ${what} in ${channelMention(failing)}: ${sentence}`;
    const targets =
      failing === this.deps.operatorChannel ? await this.#approversOf(p) : [this.deps.operatorChannel];
    for (const target of targets) {
      await enqueue(this.deps.db, 'post', { channel: target, text, noticeKey } as never, channelKey(target));
    }
  }

  async #approversOf(p: unknown): Promise<string[]> {
    const recId =
      (p as { recommendationId?: number }).recommendationId ??
      (p as { recommendationIds?: number[] }).recommendationIds?.[0];
    if (recId === undefined) return [];
    const rec = await recommendationById(this.deps.db, recId);
    if (!rec) return [];
    const [acc] = await this.deps.db.select().from(accounts).where(eq(accounts.id, rec.accountId));
    // A user id as channel opens a direct message with that person.
    return (acc?.approvers ?? []).filter((a) => /^U[A-Z0-9]+$/.test(a));
  }

  /** Runs passes until nothing pending is due; for tests and shutdown. */
  async drain(maxPasses = 1000): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxPasses; i++) {
      const n = await this.pass();
      total += n;
      if (n === 0) return total;
    }
    return total;
  }
}

function channelOfPayload(kind: OutboxKind, p: unknown): string | undefined {
  const x = p as { channel?: string; thread?: { channel: string } };
  if (kind === 'reply') return x.thread?.channel;
  return x.channel;
}

const keyChannel = (key: string) => key.replace(/^channel:/, '');
