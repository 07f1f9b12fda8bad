// Set-based queries on `recommendations` for scans and read models. A scan writes a chunk of
// findings in two statements whatever its size: one bumps last_seen_at of the findings whose
// content hash is unchanged, one upserts the rest and appends their found/reopened audit rows
// in the same statement. Resolution is one statement per chunk of unseen findings, audit rows
// included. Every id list travels as one array parameter, so no chunk size meets PostgreSQL's
// bind-parameter limit. Below: what cards show beside a recommendation (its latest execution,
// who decided), taking a connection or a transaction first.
import { and, desc, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import {
  auditEvents,
  type Execution,
  executions,
  exemptions,
  type Recommendation,
  type RecommendationStatus,
  type RiskLevel,
  recommendations,
} from '../schema.js';
import { CHUNK_ROWS, pgArray, rows } from '../sets.js';

/** One finding as a scan stores it (the runner computes fingerprint and hash). */
export interface FindingRow {
  fingerprint: string;
  contentHash: string;
  kind: string;
  executor: string;
  accountId: number;
  region: string;
  resourceId: string;
  title: string;
  params: unknown;
  evidence: Record<string, unknown>;
  monthlySavingsUsd: number;
  riskLevel: RiskLevel;
  dueAt: Date | null;
}

/** What a scan reports about a row it opened, reopened or resolved: no evidence, no params. */
export interface FindingRef {
  id: number;
  kind: string;
  accountId: number;
  region: string;
  resourceId: string;
  title: string;
  monthlySavingsUsd: number;
  status: RecommendationStatus;
  /** Where its card is (null until one is posted). */
  slackChannel: string | null;
  slackTs: string | null;
}

export interface UpsertOutcome {
  /** Inserted, or back to `open` from `resolved`. */
  opened: FindingRef[];
  /** Rows whose content was written (new, changed or reopened). */
  written: number;
  /** Rows that were unchanged: only last_seen_at moved. */
  bumped: number;
}

/** Statuses whose content follows the latest scan; `resolved` is reopened by a sighting. */
const REFRESHED = sql.raw(`"recommendations"."status" in ('open', 'posted', 'resolved')`);
/** In ON CONFLICT, `recommendations.x` is the stored row and `excluded.x` the scan's. */
const follow = (column: string): SQL =>
  sql`case when ${REFRESHED} then ${sql.raw(`excluded."${column}"`)} else ${sql.raw(`"recommendations"."${column}"`)} end`;

const REF_COLUMNS = sql.raw(
  `id, kind, account_id as "accountId", region, resource_id as "resourceId", title, monthly_savings_usd as "monthlySavingsUsd", status, slack_channel as "slackChannel", slack_ts as "slackTs"`,
);

/**
 * Stores one chunk of a scan's findings (at most a few thousand; callers chunk) and appends the
 * `found` / `reopened` audit rows of the rows it opened. Fingerprints must be unique in the chunk.
 */
export async function upsertFindingChunk(
  db: DbOrTx,
  findings: readonly FindingRow[],
  now: Date,
): Promise<UpsertOutcome> {
  if (findings.length === 0) return { opened: [], written: 0, bumped: 0 };
  if (findings.length > CHUNK_ROWS * 4) throw new Error(`upserting ${findings.length} findings in one chunk`);
  const at = now.toISOString();
  const fingerprints = findings.map((f) => f.fingerprint);

  // Unchanged and not resolved (a resolved one must reopen): last_seen_at only. The `= any`
  // beside the join lets the planner probe the fingerprint index instead of hashing the whole
  // table for every chunk (a full scan per chunk made a large scan quadratic).
  const bumped = new Set(
    (
      await rows<{ fingerprint: string }>(
        db,
        sql`update recommendations set last_seen_at = ${at}::timestamptz
            from unnest(${pgArray(fingerprints, 'text')}, ${pgArray(
              findings.map((f) => f.contentHash),
              'text',
            )}) as seen(fingerprint, content_hash)
            where recommendations.fingerprint = any(${pgArray(fingerprints, 'text')})
              and recommendations.fingerprint = seen.fingerprint
              and recommendations.content_hash = seen.content_hash
              and recommendations.status <> 'resolved'
            returning recommendations.fingerprint`,
      )
    ).map((r) => r.fingerprint),
  );
  const rest = findings.filter((f) => !bumped.has(f.fingerprint));
  if (rest.length === 0) return { opened: [], written: 0, bumped: bumped.size };

  const col = <T extends string | number | boolean | null>(
    pick: (f: FindingRow) => T,
    type: Parameters<typeof pgArray>[1],
  ) => pgArray(rest.map(pick), type);
  const written = await rows<FindingRef & { inserted: boolean; reopened: boolean }>(
    db,
    sql`with input as (
          select * from unnest(
            ${col((f) => f.fingerprint, 'text')}, ${col((f) => f.kind, 'text')},
            ${col((f) => f.executor, 'text')}, ${col((f) => f.accountId, 'int4')},
            ${col((f) => f.region, 'text')}, ${col((f) => f.resourceId, 'text')},
            ${col((f) => f.title, 'text')}, ${col((f) => JSON.stringify(f.params ?? null), 'text')},
            ${col((f) => JSON.stringify(f.evidence), 'text')}, ${col((f) => f.monthlySavingsUsd, 'float8')},
            ${col((f) => f.riskLevel, 'text')}, ${col((f) => f.dueAt?.toISOString() ?? null, 'text')},
            ${col((f) => f.contentHash, 'text')}
          ) as t(fingerprint, kind, executor, account_id, region, resource_id, title, params, evidence,
                 monthly_savings_usd, risk_level, due_at, content_hash)
        ),
        prior as (
          select r.fingerprint, r.status from recommendations r
          where r.fingerprint = any(${col((f) => f.fingerprint, 'text')}) and r.status = 'resolved'
        ),
        up as (
          insert into recommendations (fingerprint, kind, executor, account_id, region, resource_id, title,
            params, evidence, monthly_savings_usd, risk_level, status, due_at, content_hash,
            first_seen_at, last_seen_at, updated_at)
          select fingerprint, kind, executor, account_id, region, resource_id, title, params::jsonb,
            evidence::jsonb, monthly_savings_usd, risk_level::risk_level, 'open', due_at::timestamptz,
            content_hash, ${at}::timestamptz, ${at}::timestamptz, ${at}::timestamptz
          from input
          on conflict (fingerprint) do update set
            status = case when "recommendations"."status" = 'resolved' then 'open'::recommendation_status
                     else "recommendations"."status" end,
            executor = ${follow('executor')},
            title = ${follow('title')},
            params = ${follow('params')},
            evidence = ${follow('evidence')},
            monthly_savings_usd = ${follow('monthly_savings_usd')},
            risk_level = ${follow('risk_level')},
            due_at = ${follow('due_at')},
            content_hash = ${follow('content_hash')},
            last_seen_at = excluded.last_seen_at,
            updated_at = ${follow('updated_at')}
          returning ${REF_COLUMNS}, fingerprint, (xmax = 0) as inserted
        ),
        flagged as (
          select up.*, coalesce(prior.status = 'resolved' and up.status = 'open', false) as reopened
          from up left join prior using (fingerprint)
        ),
        audited as (
          insert into audit_events (recommendation_id, account_id, actor, event, detail)
          select id, "accountId", 'system', case when inserted then 'found' else 'reopened' end,
            jsonb_build_object(
              'message', case when inserted then 'Found: ' else 'Seen again, reopened: ' end || title,
              'scanner', kind, 'region', region, 'resourceId', "resourceId")
          from flagged where inserted or reopened
        )
        select id, kind, "accountId", region, "resourceId", title, "monthlySavingsUsd", status, "slackChannel",
          "slackTs", inserted, reopened
        from flagged`,
  );
  const opened = written
    .filter((r) => r.inserted || r.reopened)
    .map(({ inserted: _i, reopened: _r, ...ref }) => ref);
  return { opened, written: written.length, bumped: bumped.size };
}

export interface ResolveScope {
  accountId: number;
  region: string;
  kind: string;
}

/**
 * After a complete scan: open/posted findings of the scope last seen before the scan started
 * become `resolved`, with a `resolved` audit row each, `limit` rows per statement. Seen findings
 * carry last_seen_at >= startedAt; the same bound keeps a concurrent run's fresh sightings.
 */
export async function resolveUnseenChunk(
  db: DbOrTx,
  scope: ResolveScope,
  startedAt: Date,
  now: Date,
  limit = CHUNK_ROWS,
): Promise<FindingRef[]> {
  return rows<FindingRef>(
    db,
    sql`with gone as (
          update recommendations set status = 'resolved', updated_at = ${now.toISOString()}::timestamptz
          where id in (
            select id from recommendations
            where account_id = ${scope.accountId} and region = ${scope.region} and kind = ${scope.kind}
              and status in ('open', 'posted') and last_seen_at < ${startedAt.toISOString()}::timestamptz
            limit ${limit}
          )
          returning ${REF_COLUMNS}
        ),
        audited as (
          insert into audit_events (recommendation_id, account_id, actor, event, detail)
          select id, "accountId", 'system', 'resolved',
            jsonb_build_object('message', 'Resolved: no longer seen by a complete ' || kind || ' scan',
              'scanner', kind, 'region', region, 'resourceId', "resourceId")
          from gone
        )
        select * from gone`,
  );
}

// ---- Read models: counted and summed in SQL, never by loading rows with their evidence ----

export interface OpenTotalsRow {
  account: string;
  /** The grouping value: the kind, or the region. */
  key: string;
  count: number;
  monthlySavingsUsd: number;
  /** First seen after `newSince`. */
  newCount: number;
  /** due_at at or before `dueBy`. */
  dueCount: number;
}

export interface OpenTotalsOptions {
  kinds?: readonly string[];
  account?: string;
  groupBy: 'kind' | 'region';
  /** Also group by account (the summaries per account); false totals across accounts. */
  perAccount?: boolean;
  newSince?: Date;
  dueBy?: Date;
}

const OPEN = sql.raw(`r.status in ('open', 'posted')`);

/** Open findings counted and summed per (account,) kind or region: one GROUP BY. */
export async function openTotals(db: DbOrTx, opts: OpenTotalsOptions): Promise<OpenTotalsRow[]> {
  const key = sql.raw(opts.groupBy === 'kind' ? 'r.kind' : 'r.region');
  const account = opts.perAccount === false ? sql.raw(`''`) : sql.raw('a.name');
  const newCount = opts.newSince
    ? sql`count(*) filter (where r.first_seen_at > ${opts.newSince.toISOString()}::timestamptz)`
    : sql`0`;
  const dueCount = opts.dueBy
    ? sql`count(*) filter (where r.due_at <= ${opts.dueBy.toISOString()}::timestamptz)`
    : sql`0`;
  return rows<OpenTotalsRow>(
    db,
    sql`select ${account} as account, ${key} as key, count(*)::int as count,
          coalesce(sum(r.monthly_savings_usd), 0)::float8 as "monthlySavingsUsd",
          (${newCount})::int as "newCount", (${dueCount})::int as "dueCount"
        from recommendations r join accounts a on a.id = r.account_id
        where ${OPEN}
          ${opts.kinds ? sql`and r.kind = any(${pgArray([...opts.kinds], 'text')})` : sql``}
          ${opts.account ? sql`and a.name = ${opts.account}` : sql``}
        group by 1, 2
        order by 4 desc, 3 desc, 1, 2`,
  );
}

export interface TopFinding {
  recommendationId: number;
  title: string;
  account: string;
  region: string;
  monthlySavingsUsd: number;
}

/** The biggest open savings: a top-N sort in the database, no evidence read. */
export async function topOpenFindings(db: DbOrTx, limit: number): Promise<TopFinding[]> {
  return rows<TopFinding>(
    db,
    sql`select r.id as "recommendationId", r.title, a.name as account, r.region,
          r.monthly_savings_usd as "monthlySavingsUsd"
        from recommendations r join accounts a on a.id = r.account_id
        where ${OPEN} and r.monthly_savings_usd > 0
        order by r.monthly_savings_usd desc, r.id
        limit ${limit}`,
  );
}

/** Rows of a scope by fingerprint, for tests and tools: one array parameter, any count. */
export async function countByFingerprints(db: DbOrTx, fingerprints: readonly string[]): Promise<number> {
  const [row] = await rows<{ n: number }>(
    db,
    sql`select count(*)::int as n from recommendations where fingerprint = any(${pgArray([...fingerprints], 'text')})`,
  );
  return row?.n ?? 0;
}

// ---- Cards: the recommendations a card shows and what is shown beside them ----

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

/** Cards waiting for a decision that match a `/spot approve` filter, oldest first (ids only). */
export async function awaitingApproval(
  db: DbOrTx,
  filter: { accountId?: number; region?: string; kinds: readonly string[] },
  limit: number,
): Promise<{ id: number; kind: string }[]> {
  if (filter.kinds.length === 0) return [];
  return db
    .select({ id: recommendations.id, kind: recommendations.kind })
    .from(recommendations)
    .where(
      and(
        eq(recommendations.status, 'posted'),
        inArray(recommendations.kind, [...filter.kinds]),
        filter.accountId === undefined ? undefined : eq(recommendations.accountId, filter.accountId),
        filter.region === undefined ? undefined : eq(recommendations.region, filter.region),
      ),
    )
    .orderBy(recommendations.id)
    .limit(limit);
}
