// Cards in Slack, rendered from the database (the source of truth between detection and
// Slack): posting new findings, and re-rendering a card in place after every state change.
// Builders in blocks/ are pure; this module gathers their inputs and calls the notifier.
import { and, desc, eq, inArray } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import {
  type Account,
  auditEvents,
  type Execution,
  executions,
  exemptions,
  type Recommendation,
  recommendations,
} from '../db/schema.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { SHADOW_KIND, shadowPolicy } from '../engine/shadow-policy.js';
import { transitionRecommendation } from '../engine/transition.js';
import { getExecutor } from '../executors/index.js';
import {
  type ExecutionStatusInput,
  type RecommendationCardInput,
  recommendationCard,
  type ShadowItState,
  type SlackMessage,
  shadowItCard,
  WASTE_PAGE_SIZE,
  type WasteItem,
  type WasteItemState,
  wasteGroupCard,
  wasteGroupKey,
  withExecutionStatus,
} from './blocks/index.js';
import type { MessageRef } from './notifier.js';

interface WasteKind {
  singular: string;
  plural: string;
  doneVerb: string;
  /** Safety line: what is kept (a snapshot) or said plainly (no backup). */
  note: string;
  evidence(e: Record<string, any>): string;
}

const day = (iso: unknown) => (typeof iso === 'string' ? iso.slice(0, 10) : '?');

export const WASTE_KINDS: Record<string, WasteKind> = {
  'unassociated-elastic-ips': {
    singular: 'unassociated Elastic IP',
    plural: 'unassociated Elastic IPs',
    doneVerb: 'released',
    note: 'No backup: a released address may never come back, and allow-lists elsewhere may name it.',
    evidence: (e) => `${e.publicIp} · ${e.allocationId}${e.name ? ` · ${e.name}` : ''}`,
  },
  'unattached-ebs-volumes': {
    singular: 'unattached EBS volume',
    plural: 'unattached EBS volumes',
    doneVerb: 'deleted (snapshot kept)',
    note: 'A snapshot is taken before each volume is deleted; Roll back recreates the volume from it.',
    evidence: (e) =>
      `${e.sizeGiB} GiB ${e.volumeType} in ${e.availabilityZone ?? '?'} · unattached since ${day(e.unattachedSince)} (${
        e.unattachedSinceSource === 'create-time' ? 'created then' : 'first seen by spotops'
      })${e.name ? ` · ${e.name}` : ''}`,
  },
  'old-ebs-snapshots': {
    singular: 'unused EBS snapshot',
    plural: 'unused EBS snapshots',
    doneVerb: 'deleted',
    note: 'No backup: a deleted snapshot cannot be restored. Estimates use the full volume size (an upper bound).',
    evidence: (e) =>
      `${e.volumeSizeGiB} GiB · created ${day(e.startTime)} (${e.ageDays} days) · no AMI or launch template uses it${
        e.description ? ` · ${e.description}` : ''
      }`,
  },
};

export const isWasteKind = (kind: string): boolean => Object.hasOwn(WASTE_KINDS, kind);

function channelOf(deps: Deps, account: Account): string {
  return account.slackChannel ?? deps.config.SPOTOPS_CHANNEL;
}

async function latestExecutions(deps: Deps, recIds: number[]): Promise<Map<number, Execution>> {
  if (recIds.length === 0) return new Map();
  const rows = await deps.db
    .select()
    .from(executions)
    .where(inArray(executions.recommendationId, recIds))
    .orderBy(desc(executions.id));
  const out = new Map<number, Execution>();
  for (const r of rows)
    if (r.recommendationId !== null && !out.has(r.recommendationId)) out.set(r.recommendationId, r);
  return out;
}

/** Who did the last person-driven thing to each recommendation (ignored, rolled back, claimed...). */
async function lastActors(deps: Deps, recIds: number[], events: string[]): Promise<Map<string, string>> {
  if (recIds.length === 0) return new Map();
  const rows = await deps.db
    .select({
      rid: auditEvents.recommendationId,
      event: auditEvents.event,
      actor: auditEvents.actor,
      detail: auditEvents.detail,
    })
    .from(auditEvents)
    .where(and(inArray(auditEvents.recommendationId, recIds), inArray(auditEvents.event, events)))
    .orderBy(auditEvents.id);
  const out = new Map<string, string>();
  for (const r of rows) out.set(`${r.rid}:${r.event}`, r.actor);
  return out;
}

export function executionStatusInput(exec: Execution, at: Date, rolledBackBy?: string): ExecutionStatusInput {
  const executor = getExecutor(exec.executor);
  return {
    executionId: exec.id,
    status: exec.status,
    dryRun: exec.dryRun,
    approvedBy: exec.approvedBy,
    summary: exec.summary,
    error: exec.error,
    // Only a reversible executor with stored undo data offers Roll back (terminate keeps
    // snapshots as undo data but cannot bring an instance back).
    canRollback: Boolean(executor?.rollback) && exec.undo !== null && exec.undo !== undefined,
    rollbackNote: executor?.rollbackNote ?? null,
    rolledBackBy: rolledBackBy ?? null,
    at: exec.finishedAt ?? exec.startedAt ?? at,
  };
}

function wasteState(
  rec: Recommendation,
  exec: Execution | undefined,
  actors: Map<string, string>,
): WasteItemState {
  const by = exec?.approvedBy ?? 'system';
  switch (rec.status) {
    case 'approved':
    case 'executing':
      return { kind: 'in-progress', by, dryRun: exec?.dryRun };
    case 'executed': {
      const executor = exec ? getExecutor(exec.executor) : undefined;
      return {
        kind: 'done',
        by,
        executionId: exec?.id,
        canRollback: Boolean(executor?.rollback) && exec?.undo !== null && exec?.undo !== undefined,
        note: exec?.summary ?? null,
      };
    }
    case 'failed':
      return { kind: 'failed', error: exec?.error ?? 'see the thread' };
    case 'stale':
      return { kind: 'stale', reason: exec?.error ?? 'the resource changed' };
    case 'ignored':
    case 'rejected':
      return { kind: 'ignored', by: actors.get(`${rec.id}:${rec.status}`) ?? 'someone' };
    case 'rolled_back':
      return { kind: 'rolled-back', by: actors.get(`${rec.id}:rollback_requested`) ?? 'spotops' };
    case 'resolved':
      return { kind: 'resolved' };
    default:
      return { kind: 'open' };
  }
}

async function renderWasteCard(
  deps: Deps,
  ref: MessageRef,
  focusId?: number,
  offset?: number,
): Promise<SlackMessage | null> {
  const recs = await deps.db
    .select()
    .from(recommendations)
    .where(and(eq(recommendations.slackChannel, ref.channel), eq(recommendations.slackTs, ref.ts)))
    .orderBy(recommendations.id);
  return renderWasteGroup(deps, recs, focusId, offset);
}

/** A waste group card from its findings (same account, region and kind). */
async function renderWasteGroup(
  deps: Deps,
  recs: Recommendation[],
  focusId?: number,
  offset?: number,
): Promise<SlackMessage | null> {
  const first = recs[0];
  if (!first) return null;
  const kind = WASTE_KINDS[first.kind]!;
  const account = await getAccount(deps.db, first.accountId);
  const ids = recs.map((r) => r.id);
  const execs = await latestExecutions(deps, ids);
  const actors = await lastActors(deps, ids, ['ignored', 'rejected', 'rollback_requested']);
  const items: WasteItem[] = recs.map((r) => ({
    recommendationId: r.id,
    title: r.title,
    evidence: kind.evidence(r.evidence),
    monthlySavingsUsd: r.monthlySavingsUsd,
    state: wasteState(r, execs.get(r.id), actors),
  }));
  // Show the page holding the item that changed, so the clicker sees its outcome.
  const focus = focusId === undefined ? -1 : recs.findIndex((r) => r.id === focusId);
  const page = offset ?? (focus >= 0 ? Math.floor(focus / WASTE_PAGE_SIZE) * WASTE_PAGE_SIZE : 0);
  return wasteGroupCard({
    groupKey: wasteGroupKey(first.accountId, first.region, first.kind),
    account,
    region: first.region,
    labels: kind,
    items,
    offset: page,
    note: kind.note,
    now: deps.clock.now(),
  });
}

async function renderShadowCard(deps: Deps, rec: Recommendation): Promise<SlackMessage> {
  const account = await getAccount(deps.db, rec.accountId);
  const e = rec.evidence as Record<string, any>;
  const exec = (await latestExecutions(deps, [rec.id])).get(rec.id);
  let state: ShadowItState = { kind: 'open' };
  if (rec.status === 'claimed' && exec) {
    const tags = (exec.params as { tags?: Record<string, string> }).tags ?? {};
    state = {
      kind: 'claimed',
      by: exec.approvedBy ?? 'someone',
      owner: tags.Owner ?? '?',
      team: tags.Team ?? null,
    };
  } else if (rec.status === 'exempted') {
    const [ex] = await deps.db
      .select()
      .from(exemptions)
      .where(and(eq(exemptions.accountId, rec.accountId), eq(exemptions.resourceId, rec.resourceId)))
      .orderBy(desc(exemptions.id))
      .limit(1);
    state = {
      kind: 'exempted',
      by: ex?.createdBy ?? 'someone',
      reason: ex?.reason ?? '',
      until: ex?.expiresAt ?? null,
    };
  } else if (rec.status === 'executed' && exec) {
    const by = exec.approvedBy === 'system' ? null : exec.approvedBy;
    state =
      exec.executor === 'stop-instance'
        ? { kind: 'stopped', by }
        : {
            kind: 'terminated',
            by,
            snapshots: (exec.undo as { snapshotIds?: string[] } | null)?.snapshotIds ?? [],
          };
  } else if (rec.status === 'resolved') {
    state = { kind: 'gone' };
  }
  const card = shadowItCard({
    recommendationId: rec.id,
    account,
    region: rec.region,
    instance: {
      id: rec.resourceId,
      type: e.instanceType ?? '?',
      az: e.availabilityZone ?? null,
      launchedAt: e.launchTime ? new Date(e.launchTime) : null,
      name: e.name ?? null,
    },
    launchedBy: e.launchedBy ?? null,
    missingTags: e.missingTags ?? [],
    policy: shadowPolicy(account),
    dueAt: rec.dueAt,
    state,
    now: deps.clock.now(),
  });
  // While an execution is in flight, or when it did not succeed, the card shows its status
  // instead of the buttons.
  const inFlightOrFailed = exec && ['approved', 'executing', 'failed', 'stale'].includes(rec.status);
  return inFlightOrFailed ? withExecutionStatus(card, executionStatusInput(exec, deps.clock.now())) : card;
}

/** Spot recommendation cards store their builder input in evidence.card (dates as ISO strings). */
export function reviveCardInput(rec: Recommendation, now: Date): RecommendationCardInput {
  const card = structuredClone((rec.evidence as { card: RecommendationCardInput }).card);
  card.recommendationId = rec.id;
  card.now = now;
  card.onDemand.asOf = new Date(card.onDemand.asOf);
  for (const p of card.spotPrices) if (p.poisonedUntil) p.poisonedUntil = new Date(p.poisonedUntil);
  return card;
}

/** Who may approve the move, at the change's own risk (the executor's rule), as of now. */
async function approvalOf(deps: Deps, rec: Recommendation): Promise<RecommendationCardInput['approval']> {
  const account = await getAccount(deps.db, rec.accountId);
  const executor = getExecutor(rec.executor);
  const parsed = executor?.params.safeParse(rec.params);
  const risk = executor && parsed?.success ? executor.risk(parsed.data, account) : rec.riskLevel;
  return {
    risk,
    approvers: account.approvers,
    requestedBy: (rec.evidence as { requestedBy?: string }).requestedBy ?? null,
  };
}

async function renderSpotCard(deps: Deps, rec: Recommendation): Promise<SlackMessage> {
  const input = reviveCardInput(rec, deps.clock.now());
  input.approval = await approvalOf(deps, rec);
  const card = recommendationCard(input);
  const exec = (await latestExecutions(deps, [rec.id])).get(rec.id);
  // While the card waits for a decision (also after a Shadow run, and when a new evaluation of the
  // same target is being posted) it keeps its buttons: an earlier execution is history.
  if (!exec || rec.status === 'posted' || rec.status === 'open') return card;
  return withExecutionStatus(card, executionStatusInput(exec, deps.clock.now()));
}

export async function renderCard(
  deps: Deps,
  rec: Recommendation,
  offset?: number,
): Promise<SlackMessage | null> {
  if (isWasteKind(rec.kind)) {
    return rec.slackChannel && rec.slackTs
      ? renderWasteCard(deps, { channel: rec.slackChannel, ts: rec.slackTs }, rec.id, offset)
      : null;
  }
  if (rec.kind === SHADOW_KIND) return renderShadowCard(deps, rec);
  if (rec.kind.startsWith('spot-')) return renderSpotCard(deps, rec);
  return null;
}

/** Re-renders the card of a recommendation in place. A Slack failure is logged, never thrown. */
export async function refreshCard(
  deps: Deps,
  recId: number | null | undefined,
  offset?: number,
): Promise<void> {
  if (recId === null || recId === undefined) return;
  try {
    const [rec] = await deps.db.select().from(recommendations).where(eq(recommendations.id, recId));
    if (!rec?.slackChannel || !rec.slackTs) return;
    const msg = await renderCard(deps, rec, offset);
    if (msg) await deps.notifier.update({ channel: rec.slackChannel, ts: rec.slackTs }, msg.text, msg.blocks);
  } catch (err) {
    deps.log.warn({ err, recommendationId: recId }, 'card refresh failed');
  }
}

/**
 * Posts cards for new findings: one Shadow IT card per instance, one waste card per account +
 * region + kind (new items join the group's current card while it still has open items).
 * Each item gets a "Found" reply in the card's thread, the first line of its story.
 */
export async function publishFindings(deps: Deps, recs: readonly Recommendation[]): Promise<number> {
  let posted = 0;
  const groups = new Map<string, Recommendation[]>();
  for (const rec of recs) {
    if (rec.status !== 'open') continue;
    const key =
      rec.kind === SHADOW_KIND ? `shadow:${rec.id}` : wasteGroupKey(rec.accountId, rec.region, rec.kind);
    if (!isWasteKind(rec.kind) && rec.kind !== SHADOW_KIND) continue;
    groups.set(key, [...(groups.get(key) ?? []), rec]);
  }
  for (const group of groups.values()) {
    const first = group[0]!;
    const account = await getAccount(deps.db, first.accountId);
    try {
      // New waste items join the group's open card (updated in place); otherwise a new card.
      const joined = isWasteKind(first.kind) ? await currentGroupCard(deps, first) : undefined;
      let ref = joined;
      if (!ref) {
        const msg = isWasteKind(first.kind)
          ? await renderWasteGroup(deps, group)
          : await renderShadowCard(deps, first);
        if (!msg) continue;
        ref = await deps.notifier.post(channelOf(deps, account), msg.text, msg.blocks);
      }
      for (const rec of group) {
        await transitionRecommendation(deps.db, rec.id, ['open'], 'posted', {
          slackChannel: ref.channel,
          slackTs: ref.ts,
        });
      }
      // The card was rendered while the items were `open`; the joined card shows them now.
      if (joined) await refreshCard(deps, first.id);
      for (const rec of group) {
        const savings = rec.monthlySavingsUsd > 0 ? ` ($${rec.monthlySavingsUsd.toFixed(2)}/month)` : '';
        await audit(deps, {
          actor: 'system',
          event: 'card_posted',
          message: `Found: ${rec.title}${savings}`,
          recommendationId: rec.id,
          accountId: rec.accountId,
        });
      }
      posted += group.length;
    } catch (err) {
      // The findings stay `open` and are posted by the next run.
      deps.log.warn({ err, account: account.name, kind: first.kind }, 'posting findings failed');
    }
  }
  return posted;
}

/** The findings of one waste group (account + region + kind), oldest first. */
export async function groupRecommendations(
  deps: Deps,
  group: { accountId: number; region: string; kind: string },
  status?: Recommendation['status'],
): Promise<Recommendation[]> {
  return deps.db
    .select()
    .from(recommendations)
    .where(
      and(
        eq(recommendations.accountId, group.accountId),
        eq(recommendations.region, group.region),
        eq(recommendations.kind, group.kind),
        status ? eq(recommendations.status, status) : undefined,
      ),
    )
    .orderBy(recommendations.id);
}

/** The group's card that still has open items, if any: new items join it. */
async function currentGroupCard(deps: Deps, rec: Recommendation): Promise<MessageRef | undefined> {
  const latest = (await groupRecommendations(deps, rec, 'posted'))
    .filter((r) => r.slackChannel && r.slackTs)
    .at(-1);
  return latest ? { channel: latest.slackChannel!, ts: latest.slackTs! } : undefined;
}

/** Findings still waiting to be posted (e.g. a Slack outage during the last run). */
export async function unpostedFindings(deps: Deps): Promise<Recommendation[]> {
  return deps.db
    .select()
    .from(recommendations)
    .where(eq(recommendations.status, 'open'))
    .orderBy(recommendations.id);
}

/**
 * Posts a Spot recommendation card where it was asked for; when the bot cannot post there (not
 * in the channel), in the account's channel instead. Returns where it went.
 */
export async function postRecommendationCard(
  deps: Deps,
  rec: Recommendation,
  channel: string,
): Promise<MessageRef> {
  const account = await getAccount(deps.db, rec.accountId);
  const msg = await renderSpotCard(deps, rec);
  let ref: MessageRef;
  try {
    ref = await deps.notifier.post(channel, msg.text, msg.blocks);
  } catch (err) {
    deps.log.warn(
      { err, channel },
      'posting the card where it was asked for failed; using the account channel',
    );
    ref = await deps.notifier.post(channelOf(deps, account), msg.text, msg.blocks);
  }
  // A "not worth it" evaluation has nothing to decide: it is on record, not waiting for anyone.
  const decided = Boolean((rec.evidence as { card?: RecommendationCardInput }).card?.notWorthIt);
  await transitionRecommendation(deps.db, rec.id, ['open'], decided ? 'resolved' : 'posted', {
    slackChannel: ref.channel,
    slackTs: ref.ts,
  });
  const by = (rec.evidence as { requestedBy?: string }).requestedBy;
  await audit(deps, {
    actor: by ?? 'system',
    event: 'card_posted',
    message: `Evaluated${by ? ` for <@${by}>` : ''}: ${rec.title}${rec.monthlySavingsUsd > 0 ? ` ($${rec.monthlySavingsUsd.toFixed(2)}/month)` : ''}`,
    recommendationId: rec.id,
    accountId: rec.accountId,
    thread: ref,
  });
  return ref;
}
