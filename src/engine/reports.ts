// Read models for people: open findings per account and kind, execution history, savings
// realised against estimated, the daily digest and App Home. Queries only; no Slack here.
import { and, desc, eq, gte, inArray, isNotNull } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { accounts, executions, type Recommendation, recommendations } from '../db/schema.js';
import { DAY } from '../lib/clock.js';

/** Statuses that still wait for a person. */
export const OPEN_STATUSES = ['open', 'posted'] as const;

export { kindLabel } from './finding-kinds.js';

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
  return rows.map(({ exec, title }) => ({
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
  }));
}

export interface SavingsRow {
  kind: string;
  executions: number;
  estimatedMonthlyUsd: number;
  actualMonthlyUsd: number;
}

/** Live, succeeded executions per recommendation kind: what the cards said against what was verified. */
export async function savingsByKind(db: Db, since?: Date): Promise<SavingsRow[]> {
  const rows = await db
    .select({ kind: recommendations.kind, exec: executions })
    .from(executions)
    .innerJoin(recommendations, eq(recommendations.id, executions.recommendationId))
    .where(
      and(
        eq(executions.status, 'succeeded'),
        eq(executions.dryRun, false),
        isNotNull(executions.finishedAt),
        since ? gte(executions.finishedAt, since) : undefined,
      ),
    );
  const out = new Map<string, SavingsRow>();
  for (const { kind, exec } of rows) {
    const row = out.get(kind) ?? { kind, executions: 0, estimatedMonthlyUsd: 0, actualMonthlyUsd: 0 };
    row.executions += 1;
    row.estimatedMonthlyUsd += exec.estimatedMonthlySavings ?? 0;
    row.actualMonthlyUsd += exec.actualMonthlySavings ?? 0;
    out.set(kind, row);
  }
  return [...out.values()].sort((a, b) => b.actualMonthlyUsd - a.actualMonthlyUsd);
}

/** Findings first seen within the last day before `now`. */
export function isNew(rec: Pick<Recommendation, 'firstSeenAt'>, now: Date): boolean {
  return now.getTime() - rec.firstSeenAt.getTime() < DAY;
}
