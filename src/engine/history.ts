// Read models for `/spot history` and the savings CSV: executions filtered by account, age and
// recommendation kind, counted and limited in SQL (a page plus "N more"), and one row per
// execution with its estimate and its measured savings for the CSV export.
import { and, count, desc, eq, gte, inArray, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { accounts, executions, measuredSavings, recommendations } from '../db/schema.js';
import { DAY } from '../lib/clock.js';
import { type HistoryRow, historyRowOf } from './reports.js';

export interface ReportFilter {
  accountId?: number;
  /** Executions created within the last `days` days before `now`. */
  days?: number;
  /** Recommendation kind (FINDING_KINDS key). */
  kind?: string;
}

function where(filter: ReportFilter, now: Date): SQL | undefined {
  return and(
    filter.accountId === undefined ? undefined : eq(executions.accountId, filter.accountId),
    filter.days === undefined
      ? undefined
      : gte(executions.createdAt, new Date(now.getTime() - filter.days * DAY)),
    filter.kind === undefined ? undefined : eq(recommendations.kind, filter.kind),
  );
}

/** The newest `limit` executions matching the filter, and how many match in all. */
export async function executionHistory(
  db: DbOrTx,
  filter: ReportFilter,
  now: Date,
  limit: number,
): Promise<{ rows: (HistoryRow & { account: string; kind: string | null })[]; total: number }> {
  const w = where(filter, now);
  const [{ n } = { n: 0 }] = await db
    .select({ n: count() })
    .from(executions)
    .leftJoin(recommendations, eq(recommendations.id, executions.recommendationId))
    .where(w);
  const rows = await db
    .select({
      exec: executions,
      title: recommendations.title,
      kind: recommendations.kind,
      account: accounts.name,
    })
    .from(executions)
    .innerJoin(accounts, eq(accounts.id, executions.accountId))
    .leftJoin(recommendations, eq(recommendations.id, executions.recommendationId))
    .where(w)
    .orderBy(desc(executions.id))
    .limit(limit);
  return {
    total: n,
    rows: rows.map(({ exec, title, kind, account }) => ({ ...historyRowOf(exec, title), account, kind })),
  };
}

/** One execution's savings: what the card estimated and what was measured after it ran. */
export interface SavingsExportRow {
  executionId: number;
  recommendationId: number | null;
  account: string;
  region: string;
  kind: string | null;
  executor: string;
  resourceId: string | null;
  status: string;
  approvedBy: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  estimatedMonthlyUsd: number | null;
  measuredMonthlyUsd: number | null;
  savedToDateUsd: number | null;
  measurementMethod: string | null;
  measuredAt: Date | null;
}

/** Statuses of live executions that can have saved something (or had it undone). */
const SAVING_STATUSES = ['succeeded', 'rolled_back', 'failed'] as const;

/** Live executions that reached a final state (newest first), at most `limit`. */
export async function savingsExport(
  db: DbOrTx,
  filter: ReportFilter,
  now: Date,
  limit: number,
): Promise<SavingsExportRow[]> {
  const rows = await db
    .select({
      exec: executions,
      account: accounts.name,
      kind: recommendations.kind,
      resourceId: recommendations.resourceId,
      m: measuredSavings,
    })
    .from(executions)
    .innerJoin(accounts, eq(accounts.id, executions.accountId))
    .leftJoin(recommendations, eq(recommendations.id, executions.recommendationId))
    .leftJoin(measuredSavings, eq(measuredSavings.executionId, executions.id))
    .where(
      and(where(filter, now), eq(executions.dryRun, false), inArray(executions.status, [...SAVING_STATUSES])),
    )
    .orderBy(desc(executions.id))
    .limit(limit);
  return rows.map(({ exec, account, kind, resourceId, m }) => ({
    executionId: exec.id,
    recommendationId: exec.recommendationId,
    account,
    region: exec.region,
    kind: m?.kind ?? kind,
    executor: exec.executor,
    resourceId,
    status: exec.status,
    approvedBy: exec.approvedBy,
    createdAt: exec.createdAt,
    finishedAt: exec.finishedAt,
    estimatedMonthlyUsd: m?.estimatedMonthlyUsd ?? exec.estimatedMonthlySavings,
    measuredMonthlyUsd: m?.monthlyRateUsd ?? null,
    savedToDateUsd: m?.savedUsd ?? null,
    measurementMethod: m?.method ?? null,
    measuredAt: m?.measuredAt ?? null,
  }));
}
