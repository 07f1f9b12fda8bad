// Posting what a scan found, in few messages: one card per account + region + kind (new
// findings join the group's current card while it still has open items), ONE summary reply per
// card per scan ("12 new, 3 gone"), and each affected card re-rendered once. Everything is an
// outbox row written with the status change; the audit trail keeps one row per finding.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import type { Config } from '../config.js';
import type { Db, DbOrTx } from '../db/client.js';
import { latestCardOfGroup, unpostedRecommendations } from '../db/queries/recommendations.js';
import { type Account, auditEvents, outbox, type Recommendation, recommendations } from '../db/schema.js';
import type { Logger } from '../lib/logger.js';
import { audit } from './audit.js';
import { findingKind, isGroupedKind } from './finding-kinds.js';
import { cardChanged, enqueueCardPost, enqueueReply } from './outbox.js';
import { transitionRecommendation } from './transition.js';

export interface PublishDeps {
  db: Db;
  log: Logger;
  config: Pick<Config, 'SPOTOPS_CHANNEL'>;
}

export function channelOf(
  config: Pick<Config, 'SPOTOPS_CHANNEL'>,
  account: Pick<Account, 'slackChannel'>,
): string {
  return account.slackChannel ?? config.SPOTOPS_CHANNEL;
}

interface CardTally {
  /** A recommendation on the card: replies and refreshes are addressed through it. */
  recId: number;
  kind: string;
  isNew: boolean;
  added: number;
  gone: number;
  savings: number;
}

export interface PublishResult {
  /** Findings put on a card (new or joined). */
  posted: number;
  /** Cards posted or changed by this run. */
  cards: number;
}

const money = (n: number) => `$${n.toFixed(2)}/month`;

/**
 * Posts the open findings (all, or those of `kinds`) and tells each affected card what the
 * scan changed: `resolved` are the findings the scan no longer saw.
 */
export async function publishScanResults(
  deps: PublishDeps,
  opts: {
    kinds?: readonly string[];
    resolved?: readonly Pick<
      Recommendation,
      'id' | 'kind' | 'accountId' | 'region' | 'slackChannel' | 'slackTs'
    >[];
  } = {},
): Promise<PublishResult> {
  const open = (await unpostedRecommendations(deps.db)).filter(
    (r) => isGroupedKind(r.kind) && (!opts.kinds || opts.kinds.includes(r.kind)),
  );
  const groups = new Map<string, Recommendation[]>();
  for (const rec of open) {
    const key = `${rec.accountId}:${rec.region}:${rec.kind}`;
    groups.set(key, [...(groups.get(key) ?? []), rec]);
  }
  const tallies = new Map<string, CardTally>();
  let posted = 0;
  for (const group of groups.values()) {
    const first = group[0]!;
    const account = await getAccount(deps.db, first.accountId);
    try {
      const card = await deps.db.transaction((tx) => placeGroup(tx, deps, account, group));
      const t = tallies.get(card.key) ?? {
        recId: card.recId,
        kind: first.kind,
        isNew: card.isNew,
        added: 0,
        gone: 0,
        savings: 0,
      };
      t.added += group.length;
      t.savings += group.reduce((n, r) => n + r.monthlySavingsUsd, 0);
      tallies.set(card.key, t);
      posted += group.length;
    } catch (err) {
      // The findings stay `open` and are posted by the next run.
      deps.log.warn({ err, account: account.name, kind: first.kind }, 'queueing the findings card failed');
    }
  }
  for (const rec of opts.resolved ?? []) {
    if (!rec.slackChannel) continue;
    const key = rec.slackTs
      ? `${rec.slackChannel}:${rec.slackTs}`
      : `${rec.slackChannel}:${rec.accountId}:${rec.region}:${rec.kind}`;
    const t = tallies.get(key) ?? {
      recId: rec.id,
      kind: rec.kind,
      isNew: false,
      added: 0,
      gone: 0,
      savings: 0,
    };
    t.gone += 1;
    tallies.set(key, t);
  }
  for (const t of tallies.values()) {
    await deps.db.transaction(async (tx) => {
      await enqueueReply(tx, { recommendationId: t.recId, text: summaryOf(t) });
      // A new card is rendered when it is delivered; a card that existed needs one update.
      if (!t.isNew) await cardChanged(tx, t.recId);
    });
  }
  return { posted, cards: tallies.size };
}

function summaryOf(t: CardTally): string {
  const kind = findingKind(t.kind);
  const noun = (n: number) => (n === 1 ? (kind?.singular ?? 'finding') : (kind?.plural ?? 'findings'));
  const savings = t.savings > 0 ? ` (${money(t.savings)})` : '';
  if (t.isNew) return `Found ${t.added} ${noun(t.added)}${savings}.`;
  const parts = [];
  if (t.added) parts.push(`${t.added} new${savings}`);
  if (t.gone) parts.push(`${t.gone} gone`);
  return `This scan: ${parts.join(', ')}.`;
}

/**
 * Puts one group's findings on a card, inside the caller's transaction: the group's current
 * card when it still has open items (delivered, or still queued), otherwise a new one.
 */
async function placeGroup(
  tx: DbOrTx,
  deps: PublishDeps,
  account: Account,
  group: Recommendation[],
): Promise<{ key: string; recId: number; isNew: boolean }> {
  const first = group[0]!;
  const ids = group.map((r) => r.id);
  const current = await latestCardOfGroup(tx, first);
  let target: { channel: string; ts: string | null; key: string; isNew: boolean } | undefined;
  if (current?.slackChannel && current.slackTs) {
    target = {
      channel: current.slackChannel,
      ts: current.slackTs,
      key: `${current.slackChannel}:${current.slackTs}`,
      isNew: false,
    };
  } else if (current?.slackChannel) {
    // The group's card is still queued: the new findings join the queued post.
    const [queued] = await tx
      .update(outbox)
      .set({
        payload: sql`jsonb_set(${outbox.payload}, '{recommendationIds}', (${outbox.payload}->'recommendationIds') || ${JSON.stringify(ids)}::jsonb)`,
      })
      .where(
        and(
          eq(outbox.status, 'pending'),
          eq(outbox.kind, 'card_post'),
          sql`${outbox.payload}->'recommendationIds' @> ${JSON.stringify([current.id])}::jsonb`,
        ),
      )
      .returning({ id: outbox.id });
    if (queued) target = { channel: current.slackChannel, ts: null, key: `outbox:${queued.id}`, isNew: true };
  }
  if (!target) {
    const channel = channelOf(deps.config, account);
    const id = await enqueueCardPost(tx, { channel, recommendationIds: ids });
    target = { channel, ts: null, key: `outbox:${id}`, isNew: true };
  }
  // One statement for the group's status and one for its audit rows (not one per finding).
  await tx
    .update(recommendations)
    .set({ status: 'posted', slackChannel: target.channel, slackTs: target.ts, updatedAt: new Date() })
    .where(and(inArray(recommendations.id, ids), eq(recommendations.status, 'open')));
  // The audit trail keeps every finding; the thread gets one summary per card.
  await tx.insert(auditEvents).values(
    group.map((rec) => ({
      actor: 'system',
      event: 'card_posted',
      detail: {
        message: `Posted: ${rec.title}${rec.monthlySavingsUsd > 0 ? ` (${money(rec.monthlySavingsUsd)})` : ''}`,
        card: target.key,
      },
      recommendationId: rec.id,
      accountId: rec.accountId,
    })),
  );
  return { key: target.key, recId: first.id, isNew: target.isNew };
}

/**
 * Queues a Spot recommendation card where it was asked for (the relay falls back to the
 * account's channel when the bot cannot post there). Returns the channel it is queued for.
 */
export async function postRecommendationCard(
  deps: PublishDeps,
  rec: Recommendation,
  channel: string,
): Promise<{ channel: string }> {
  const account = await getAccount(deps.db, rec.accountId);
  const fallback = channelOf(deps.config, account);
  // A "not worth it" evaluation has nothing to decide: it is on record, not waiting for anyone.
  const decided = Boolean((rec.evidence as { card?: { notWorthIt?: boolean } }).card?.notWorthIt);
  const by = (rec.evidence as { requestedBy?: string }).requestedBy;
  await deps.db.transaction(async (tx) => {
    await transitionRecommendation(tx, rec.id, ['open'], decided ? 'resolved' : 'posted', {
      slackChannel: channel,
      slackTs: null,
    });
    await enqueueCardPost(tx, {
      channel,
      recommendationIds: [rec.id],
      ...(fallback !== channel ? { fallbackChannel: fallback } : {}),
    });
    await audit(
      { db: tx, log: deps.log },
      {
        actor: by ?? 'system',
        event: 'card_posted',
        message: `Evaluated${by ? ` for <@${by}>` : ''}: ${rec.title}${rec.monthlySavingsUsd > 0 ? ` (${money(rec.monthlySavingsUsd)})` : ''}`,
        recommendationId: rec.id,
        accountId: rec.accountId,
      },
    );
  });
  return { channel };
}
