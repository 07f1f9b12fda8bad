// Cards are a pure projection of the database: this module gathers a card's inputs (the
// recommendations it shows, their latest executions, who decided what) and calls the pure
// builders in blocks/. The relay calls it at delivery time, so a card can be rendered again
// at any moment (after an outage, or when several changes are coalesced into one update).

import { eq } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import type { Db, DbOrTx } from '../db/client.js';
import { activeApprovalsOf } from '../db/queries/approvals.js';
import {
  lastActors,
  latestExecutions,
  latestExemptions,
  recommendationById,
  recommendationsByIds,
  recommendationsOfCard,
} from '../db/queries/recommendations.js';
import type { Execution, Recommendation } from '../db/schema.js';
import { recommendationNotes } from '../db/schema.js';
import { approvalRisk, riskContextOf } from '../engine/approval-risk.js';
import { findingKind, isWasteKind } from '../engine/finding-kinds.js';
import { cardChanged } from '../engine/outbox.js';
import { bindingOf } from '../engine/plan-hash.js';
import { getPolicy } from '../engine/policy.js';
import { DEFAULT_PRIORITY, priorityName } from '../engine/priorities.js';
import { SHADOW_KIND, shadowPolicy } from '../engine/shadow-policy.js';
import { getExecutor } from '../executors/index.js';
import type { Clock } from '../lib/clock.js';
import type { MessageRef } from '../ports.js';
import {
  type ExecutionStatusInput,
  type RecommendationCardInput,
  recommendationCard,
  SHADOW_PAGE_SIZE,
  type ShadowItem,
  type ShadowItemState,
  type SlackMessage,
  shadowItGroupCard,
  WASTE_PAGE_SIZE,
  type WasteItem,
  type WasteItemState,
  wasteGroupCard,
  wasteGroupKey,
  withExecutionStatus,
} from './blocks/index.js';

export { isWasteKind } from '../engine/finding-kinds.js';

export interface CardDeps {
  db: DbOrTx;
  clock: Clock;
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
    runsAt: exec.status === 'approved' ? exec.scheduledFor : null,
    waitReason: exec.waitReason,
    autoApproved: exec.autoApproved,
  };
}

/** A schedule asked for before approval, as the cards show it. */
function wishOf(rec: Recommendation): { at: Date; priority: string } | null {
  return rec.requestedRunAt
    ? { at: rec.requestedRunAt, priority: priorityName(rec.requestedPriority ?? DEFAULT_PRIORITY) }
    : null;
}

function wasteState(
  rec: Recommendation,
  exec: Execution | undefined,
  actors: Map<string, string>,
  now: Date,
  approvals?: string | null,
): WasteItemState {
  const by = exec?.approvedBy ?? 'system';
  switch (rec.status) {
    case 'approved':
    case 'executing': {
      const waiting = exec?.status === 'approved';
      return {
        kind: 'in-progress',
        by,
        dryRun: exec?.dryRun,
        executionId: exec?.id,
        runsAt: waiting && exec.scheduledFor > now ? exec.scheduledFor : null,
        waitReason: waiting ? exec.waitReason : null,
        auto: exec?.autoApproved,
      };
    }
    case 'superseded':
      return { kind: 'superseded' };
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
      return { kind: 'open', scheduled: wishOf(rec), approvals };
  }
}

/** "1 of 2 approvals: <@U1>" per open item with approvals given (and their plan still current). */
async function approvalLines(deps: CardDeps, recs: Recommendation[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  const given = await activeApprovalsOf(
    deps.db,
    recs.map((r) => r.id),
  );
  if (given.size === 0) return out;
  const policy = await getPolicy(deps.db, await getAccount(deps.db as Db, recs[0]!.accountId));
  for (const r of recs) {
    const b = bindingOf(r);
    const list = (given.get(r.id) ?? []).filter(
      (a) => a.planHash === b.planHash && a.evidenceHash === b.evidenceHash,
    );
    if (list.length === 0) continue;
    const needed = policy.approversNeeded[list[0]!.level];
    out.set(r.id, `${list.length} of ${needed} approvals: ${list.map((a) => `<@${a.userId}>`).join(', ')}`);
  }
  return out;
}

/** "Approval: LOW change · approvers @bob (1 needed; auto-approved up to $500/month)" for a group. */
async function groupApprovalLine(deps: CardDeps, rec: Recommendation): Promise<string | null> {
  const executor = getExecutor(rec.executor);
  const parsed = executor?.params.safeParse(rec.params);
  if (!executor || !parsed?.success) return null;
  const account = await getAccount(deps.db as Db, rec.accountId);
  const level = approvalRisk(executor, parsed.data, account, riskContextOf(rec)).level;
  const policy = await getPolicy(deps.db, account);
  const who = account.approvers.length
    ? account.approvers
        .map((a) => (a.startsWith('subteam:') ? `<!subteam^${a.slice(8)}>` : `<@${a}>`))
        .join(', ')
    : 'no approvers yet';
  const auto =
    level === 'LOW' && policy.autoApprove.enabled
      ? `; auto-approved up to $${policy.autoApprove.maxMonthlySavingsUsd}/month after a ${policy.cancelWindowMinutes} min cancel window`
      : '';
  return `:lock: Approval: ${level} change · ${who} (${policy.approversNeeded[level]} needed${auto})`;
}

/** The page holding the item that changed, so the clicker sees its outcome. */
function pageOf(recs: Recommendation[], pageSize: number, focusId?: number, offset?: number): number {
  const focus = focusId === undefined ? -1 : recs.findIndex((r) => r.id === focusId);
  return offset ?? (focus >= 0 ? Math.floor(focus / pageSize) * pageSize : 0);
}

/** A waste group card from its findings (same account, region and kind). */
async function renderWasteGroup(
  deps: CardDeps,
  recs: Recommendation[],
  focusId?: number,
  offset?: number,
): Promise<SlackMessage | null> {
  const first = recs[0];
  const kind = first && findingKind(first.kind);
  if (!first || !kind) return null;
  const account = await getAccount(deps.db as Db, first.accountId);
  const ids = recs.map((r) => r.id);
  const execs = await latestExecutions(deps.db, ids);
  const actors = await lastActors(deps.db, ids, ['ignored', 'rejected', 'rollback_requested']);
  const approvals = await approvalLines(deps, recs);
  const items: WasteItem[] = recs.map((r) => ({
    recommendationId: r.id,
    title: r.title,
    evidence: kind.line(r.evidence),
    monthlySavingsUsd: r.monthlySavingsUsd,
    state: wasteState(r, execs.get(r.id), actors, deps.clock.now(), approvals.get(r.id)),
  }));
  return wasteGroupCard({
    groupKey: wasteGroupKey(first.accountId, first.region, first.kind),
    account,
    region: first.region,
    labels: kind,
    items,
    offset: pageOf(recs, WASTE_PAGE_SIZE, focusId, offset),
    note: kind.note ?? null,
    approval: await groupApprovalLine(deps, first),
    now: deps.clock.now(),
  });
}

function shadowState(
  rec: Recommendation,
  exec: Execution | undefined,
  exemption: { createdBy: string; reason: string; expiresAt: Date | null } | undefined,
): ShadowItemState {
  switch (rec.status) {
    case 'claimed': {
      const tags = ((exec?.params ?? {}) as { tags?: Record<string, string> }).tags ?? {};
      return {
        kind: 'claimed',
        by: exec?.approvedBy ?? 'someone',
        owner: tags.Owner ?? '?',
        team: tags.Team ?? null,
      };
    }
    case 'exempted':
      return {
        kind: 'exempted',
        by: exemption?.createdBy ?? 'someone',
        reason: exemption?.reason ?? '',
        until: exemption?.expiresAt ?? null,
      };
    case 'executed': {
      const by = exec?.approvedBy === 'system' ? null : (exec?.approvedBy ?? null);
      return exec?.executor === 'stop-instance'
        ? { kind: 'stopped', by }
        : {
            kind: 'terminated',
            by,
            snapshots: (exec?.undo as { snapshotIds?: string[] } | null)?.snapshotIds ?? [],
          };
    }
    case 'approved':
    case 'executing':
      return { kind: 'in-progress', by: exec?.approvedBy ?? 'system', dryRun: exec?.dryRun };
    case 'failed':
      return { kind: 'failed', error: exec?.error ?? 'see the thread' };
    case 'stale':
      return { kind: 'stale', reason: exec?.error ?? 'the instance changed' };
    case 'resolved':
      return { kind: 'gone' };
    default:
      return { kind: 'open' };
  }
}

/** One Shadow IT card per account + region: every untagged instance of the group, paged. */
async function renderShadowGroup(
  deps: CardDeps,
  recs: Recommendation[],
  focusId?: number,
  offset?: number,
): Promise<SlackMessage | null> {
  const first = recs[0];
  if (!first) return null;
  const account = await getAccount(deps.db as Db, first.accountId);
  const ids = recs.map((r) => r.id);
  const execs = await latestExecutions(deps.db, ids);
  const exempt = await latestExemptions(
    deps.db,
    first.accountId,
    recs.filter((r) => r.status === 'exempted').map((r) => r.resourceId),
  );
  const evidence = findingKind(SHADOW_KIND)!.evidence;
  const items: ShadowItem[] = recs.map((r) => {
    const e = evidence.safeParse(r.evidence).data ?? {};
    return {
      recommendationId: r.id,
      instance: {
        id: r.resourceId,
        type: (e.instanceType as string | undefined) ?? '?',
        az: (e.availabilityZone as string | undefined) ?? null,
        launchedAt: e.launchTime ? new Date(e.launchTime as string) : null,
        name: (e.name as string | undefined) ?? null,
      },
      launchedBy: (e.launchedBy as string | undefined) ?? null,
      dueAt: r.dueAt,
      state: shadowState(r, execs.get(r.id), exempt.get(r.resourceId)),
    };
  });
  const missing = (evidence.safeParse(first.evidence).data?.missingTags as string[] | undefined) ?? [];
  return shadowItGroupCard({
    groupKey: wasteGroupKey(first.accountId, first.region, first.kind),
    account,
    region: first.region,
    policy: shadowPolicy(account),
    missingTags: missing,
    items,
    offset: pageOf(recs, SHADOW_PAGE_SIZE, focusId, offset),
    now: deps.clock.now(),
  });
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
async function approvalOf(deps: CardDeps, rec: Recommendation): Promise<RecommendationCardInput['approval']> {
  const account = await getAccount(deps.db, rec.accountId);
  const executor = getExecutor(rec.executor);
  const parsed = executor?.params.safeParse(rec.params);
  const risk =
    executor && parsed?.success ? approvalRisk(executor, parsed.data, account, riskContextOf(rec)) : null;
  const level = risk?.level ?? rec.riskLevel;
  const policy = await getPolicy(deps.db, account);
  const binding = bindingOf(rec);
  const requestedBy = (rec.evidence as { requestedBy?: string }).requestedBy ?? null;
  const given = ((await activeApprovalsOf(deps.db, [rec.id])).get(rec.id) ?? []).filter(
    (a) =>
      a.planHash === binding.planHash && a.evidenceHash === binding.evidenceHash && a.userId !== requestedBy,
  );
  const [note] = await deps.db
    .select()
    .from(recommendationNotes)
    .where(eq(recommendationNotes.recommendationId, rec.id));
  return {
    risk: level,
    approvers: account.approvers,
    requestedBy,
    raisedBy: risk?.raisedBy ?? [],
    needed: policy.approversNeeded[level],
    approvedBy: given.map((a) => a.userId),
    note: note?.note ?? null,
  };
}

async function renderSpotCard(deps: CardDeps, rec: Recommendation): Promise<SlackMessage> {
  const input = reviveCardInput(rec, deps.clock.now());
  input.approval = await approvalOf(deps, rec);
  input.scheduled = wishOf(rec);
  if (rec.status === 'superseded') {
    input.approval = { ...input.approval!, superseded: true };
  }
  const card = recommendationCard(input);
  const exec = (await latestExecutions(deps.db, [rec.id])).get(rec.id);
  // While the card waits for a decision (also after a Shadow run, and when a new evaluation of the
  // same target is being posted) it keeps its buttons: an earlier execution is history.
  if (!exec || rec.status === 'posted' || rec.status === 'open' || rec.status === 'superseded') return card;
  return withExecutionStatus(card, executionStatusInput(exec, deps.clock.now()));
}

/** Any card from the recommendations it shows (a group, or one Spot recommendation). */
export async function renderRecommendations(
  deps: CardDeps,
  recs: Recommendation[],
  focusId?: number,
  offset?: number,
): Promise<SlackMessage | null> {
  const first = recs[0];
  if (!first) return null;
  if (isWasteKind(first.kind)) return renderWasteGroup(deps, recs, focusId, offset);
  if (first.kind === SHADOW_KIND) return renderShadowGroup(deps, recs, focusId, offset);
  if (first.kind.startsWith('spot-')) return renderSpotCard(deps, first);
  return null;
}

/** A new card for these recommendations (the relay's card_post). */
export async function renderNewCard(deps: CardDeps, recIds: readonly number[]): Promise<SlackMessage | null> {
  return renderRecommendations(deps, await recommendationsByIds(deps.db, recIds));
}

/** The card showing `recId` as it should look now, and where it is; null when it has none. */
export async function renderCardOf(
  deps: CardDeps,
  recId: number,
  offset?: number,
): Promise<{ ref: MessageRef; message: SlackMessage } | null> {
  const rec = await recommendationById(deps.db, recId);
  if (!rec?.slackChannel || !rec.slackTs) return null;
  const ref = { channel: rec.slackChannel, ts: rec.slackTs };
  const recs = findingKind(rec.kind)?.grouped ? await recommendationsOfCard(deps.db, ref) : [rec];
  const message = await renderRecommendations(deps, recs, rec.id, offset);
  return message ? { ref, message } : null;
}

/**
 * Kept for callers on other branches: the card showing `recId` must be re-rendered. Writes an
 * outbox row (the relay renders and updates it); nothing here talks to Slack.
 */
export async function refreshCard(
  deps: { db: DbOrTx },
  recId: number | null | undefined,
  offset?: number,
): Promise<void> {
  await cardChanged(deps.db, recId, offset === undefined ? {} : { offset });
}
