// Read models for people: open findings per account and kind, execution history, savings
// realised against estimated, the daily digest and App Home. Queries only; no Slack here.
// Counts and sums come from GROUP BY in the database: a summary never loads findings with their
// evidence, so it stays fast at 100k open findings.
import { and, count, desc, eq, gte, inArray, isNotNull, sql, sum } from 'drizzle-orm';
import type { Db, DbOrTx } from '../db/client.js';
import {
  type OpenTotalsRow,
  openTotals,
  type TopFinding,
  topOpenFindings,
} from '../db/queries/recommendations.js';
import { accounts, executions, type Recommendation, recommendations } from '../db/schema.js';
import { DAY } from '../lib/clock.js';

/** Statuses that still wait for a person. */
export const OPEN_STATUSES = ['open', 'posted'] as const;

import { kindLabel } from './finding-kinds.js';

export { kindLabel };

export interface OpenFinding extends Recommendation {
  accountName: string;
}

export async function openFindings(
  db: Db,
  opts: { kinds?: string[]; account?: string } = {},
): Promise<OpenFinding[]> {
  const rows = await db
    .select({ rec: recommendations, accountName: accounts.name })
    .from(recommendations)
    .innerJoin(accounts, eq(accounts.id, recommendations.accountId))
    .where(
      and(
        inArray(recommendations.status, [...OPEN_STATUSES]),
        opts.kinds ? inArray(recommendations.kind, opts.kinds) : undefined,
        opts.account ? eq(accounts.name, opts.account) : undefined,
      ),
    )
    .orderBy(desc(recommendations.monthlySavingsUsd), recommendations.id);
  return rows.map((r) => ({ ...r.rec, accountName: r.accountName }));
}

export interface HistoryRow {
  id: number;
  recommendationId: number | null;
  title: string;
  executor: string;
  status: (typeof executions.$inferSelect)['status'];
  dryRun: boolean;
  approvedBy: string | null;
  summary: string | null;
  error: string | null;
  at: Date;
}

export async function recentExecutions(db: Db, limit = 15): Promise<HistoryRow[]> {
  const rows = await db
    .select({ exec: executions, title: recommendations.title })
    .from(executions)
    .leftJoin(recommendations, eq(recommendations.id, executions.recommendationId))
    .orderBy(desc(executions.id))
    .limit(limit);
  return rows.map(({ exec, title }) => historyRowOf(exec, title));
}

/** One execution as the history lists show it. */
export function historyRowOf(exec: typeof executions.$inferSelect, title: string | null): HistoryRow {
  return {
    id: exec.id,
    recommendationId: exec.recommendationId,
    title: title ?? exec.executor,
    executor: exec.executor,
    status: exec.status,
    dryRun: exec.dryRun,
    approvedBy: exec.approvedBy,
    summary: exec.summary,
    error: exec.error,
    at: exec.finishedAt ?? exec.startedAt ?? exec.createdAt,
  };
}

export interface SavingsRow {
  kind: string;
  executions: number;
  estimatedMonthlyUsd: number;
  actualMonthlyUsd: number;
}

/** Live, succeeded executions per recommendation kind: what the cards said against what was verified. */
export async function savingsByKind(db: DbOrTx, since?: Date): Promise<SavingsRow[]> {
  const rows = await db
    .select({
      kind: recommendations.kind,
      executions: count(),
      estimated: sum(executions.estimatedMonthlySavings).mapWith(Number),
      actual: sum(executions.actualMonthlySavings).mapWith(Number),
    })
    .from(executions)
    .innerJoin(recommendations, eq(recommendations.id, executions.recommendationId))
    .where(
      and(
        eq(executions.status, 'succeeded'),
        eq(executions.dryRun, false),
        isNotNull(executions.finishedAt),
        since ? gte(executions.finishedAt, since) : undefined,
      ),
    )
    .groupBy(recommendations.kind);
  return rows
    .map((r) => ({
      kind: r.kind,
      executions: r.executions,
      estimatedMonthlyUsd: r.estimated ?? 0,
      actualMonthlyUsd: r.actual ?? 0,
    }))
    .sort((a, b) => b.actualMonthlyUsd - a.actualMonthlyUsd);
}

/** Failed executions created since `since`: a count, not rows. */
export async function failedExecutionsSince(db: DbOrTx, since: Date): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(executions)
    .where(and(eq(executions.status, 'failed'), gte(executions.createdAt, since)));
  return row?.n ?? 0;
}

export interface KindTotal {
  kind: string;
  label: string;
  count: number;
  monthlySavingsUsd: number;
  /** First seen within the last day before `now`. */
  newToday: number;
  /** Grace deadline within the next day (or past). */
  dueWithin24h: number;
}

/** Open findings per kind across accounts: one GROUP BY. */
export async function openTotalsByKind(db: DbOrTx, now: Date): Promise<KindTotal[]> {
  const rows = await openTotals(db, {
    groupBy: 'kind',
    perAccount: false,
    newSince: new Date(now.getTime() - DAY),
    dueBy: new Date(now.getTime() + DAY),
  });
  return rows.map((r) => ({
    kind: r.key,
    label: kindLabel(r.key),
    count: r.count,
    monthlySavingsUsd: r.monthlySavingsUsd,
    newToday: r.newCount,
    dueWithin24h: r.dueCount,
  }));
}

/** Open findings per account and kind (or region), optionally for some kinds or one account. */
export function openTotalsPerAccount(
  db: DbOrTx,
  opts: { kinds?: readonly string[]; account?: string; groupBy: 'kind' | 'region' },
): Promise<OpenTotalsRow[]> {
  return openTotals(db, { ...opts, perAccount: true });
}

/** Open monthly savings that are upper bounds (e.g. snapshots priced at their volume's size). */
export async function openUpperBoundMonthlyUsd(db: DbOrTx): Promise<number> {
  const [row] = await db
    .select({ usd: sum(recommendations.monthlySavingsUsd) })
    .from(recommendations)
    .where(
      and(
        inArray(recommendations.status, [...OPEN_STATUSES]),
        sql`(${recommendations.evidence} ->> 'savingsIsUpperBound') = 'true'`,
      ),
    );
  return Number(row?.usd ?? 0);
}

/** The same, per kind: one GROUP BY over the open findings. */
export async function openUpperBoundByKind(db: DbOrTx): Promise<Map<string, number>> {
  const rows = await db
    .select({ kind: recommendations.kind, usd: sum(recommendations.monthlySavingsUsd).mapWith(Number) })
    .from(recommendations)
    .where(
      and(
        inArray(recommendations.status, [...OPEN_STATUSES]),
        sql`(${recommendations.evidence} ->> 'savingsIsUpperBound') = 'true'`,
      ),
    )
    .groupBy(recommendations.kind);
  return new Map(rows.map((r) => [r.kind, r.usd ?? 0]));
}

/** The biggest open savings, for the digest. */
export const biggestOpenFindings = (db: DbOrTx, limit = 5): Promise<TopFinding[]> =>
  topOpenFindings(db, limit);

/** Findings first seen within the last day before `now`. */
export function isNew(rec: Pick<Recommendation, 'firstSeenAt'>, now: Date): boolean {
  return now.getTime() - rec.firstSeenAt.getTime() < DAY;
}
