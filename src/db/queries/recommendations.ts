// Queries on recommendations (and what cards show beside them: latest execution, who decided),
// taking a connection or a transaction first.
import { and, desc, eq, inArray, isNotNull, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import {
  auditEvents,
  type Execution,
  executions,
  exemptions,
  type Recommendation,
  type RecommendationStatus,
  recommendations,
} from '../schema.js';

export async function recommendationById(db: DbOrTx, id: number): Promise<Recommendation | undefined> {
  const [row] = await db.select().from(recommendations).where(eq(recommendations.id, id));
  return row;
}

export function recommendationsByIds(db: DbOrTx, ids: readonly number[]): Promise<Recommendation[]> {
  if (ids.length === 0) return Promise.resolve([]);
  return db
    .select()
    .from(recommendations)
    .where(inArray(recommendations.id, [...ids]))
    .orderBy(recommendations.id);
}

/** The recommendations one Slack message shows (a group card holds many), oldest first. */
export function recommendationsOfCard(
  db: DbOrTx,
  ref: { channel: string; ts: string },
): Promise<Recommendation[]> {
  return db
    .select()
    .from(recommendations)
    .where(and(eq(recommendations.slackChannel, ref.channel), eq(recommendations.slackTs, ref.ts)))
    .orderBy(recommendations.id);
}

/** Records where a card was posted on the recommendations it shows. */
export async function setCardRef(
  db: DbOrTx,
  ids: readonly number[],
  ref: { channel: string; ts: string },
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(recommendations)
    .set({ slackChannel: ref.channel, slackTs: ref.ts })
    .where(and(inArray(recommendations.id, [...ids]), isNull(recommendations.slackTs)));
}

/** The findings of one group (account + region + kind), oldest first. */
export function groupRecommendations(
  db: DbOrTx,
  group: { accountId: number; region: string; kind: string },
  status?: RecommendationStatus,
): Promise<Recommendation[]> {
  return db
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

/** The newest posted finding of a group that has a card (delivered or queued). */
export async function latestCardOfGroup(
  db: DbOrTx,
  group: { accountId: number; region: string; kind: string },
): Promise<Recommendation | undefined> {
  const [row] = await db
    .select()
    .from(recommendations)
    .where(
      and(
        eq(recommendations.accountId, group.accountId),
        eq(recommendations.region, group.region),
        eq(recommendations.kind, group.kind),
        eq(recommendations.status, 'posted'),
        isNotNull(recommendations.slackChannel),
      ),
    )
    .orderBy(desc(recommendations.id))
    .limit(1);
  return row;
}

/** Findings still waiting to be posted. */
export function unpostedRecommendations(db: DbOrTx): Promise<Recommendation[]> {
  return db
    .select()
    .from(recommendations)
    .where(eq(recommendations.status, 'open'))
    .orderBy(recommendations.id);
}

export async function latestExecutions(
  db: DbOrTx,
  recIds: readonly number[],
): Promise<Map<number, Execution>> {
  if (recIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(executions)
    .where(inArray(executions.recommendationId, [...recIds]))
    .orderBy(desc(executions.id));
  const out = new Map<number, Execution>();
  for (const r of rows)
    if (r.recommendationId !== null && !out.has(r.recommendationId)) out.set(r.recommendationId, r);
  return out;
}

/** Who did the last person-driven thing to each recommendation, keyed `<id>:<event>`. */
export async function lastActors(
  db: DbOrTx,
  recIds: readonly number[],
  events: string[],
): Promise<Map<string, string>> {
  if (recIds.length === 0) return new Map();
  const rows = await db
    .select({ rid: auditEvents.recommendationId, event: auditEvents.event, actor: auditEvents.actor })
    .from(auditEvents)
    .where(and(inArray(auditEvents.recommendationId, [...recIds]), inArray(auditEvents.event, events)))
    .orderBy(auditEvents.id);
  const out = new Map<string, string>();
  for (const r of rows) out.set(`${r.rid}:${r.event}`, r.actor);
  return out;
}

/** The latest exemption of each resource of an account. */
export async function latestExemptions(
  db: DbOrTx,
  accountId: number,
  resourceIds: readonly string[],
): Promise<Map<string, typeof exemptions.$inferSelect>> {
  if (resourceIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(exemptions)
    .where(and(eq(exemptions.accountId, accountId), inArray(exemptions.resourceId, [...resourceIds])))
    .orderBy(exemptions.id);
  return new Map(rows.map((r) => [r.resourceId, r]));
}
