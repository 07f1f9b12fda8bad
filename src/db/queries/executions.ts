// Queries on executions as a queue: what runs now (per account, per batch), which wave a batch
// is in, and the overview `/spot status` shows. Counts come from SQL aggregation, so they stay
// cheap with thousands queued.
import { and, asc, count, eq, gt, inArray, isNotNull, lte, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.js';
import { accounts, type BatchMode, batches, type ExecutionStatus, executions } from '../schema.js';
import { rows as setRows } from '../sets.js';

/** The statuses of an execution a worker is running (under a lease). */
export const RUNNING_STATUSES = [
  'validating',
  'executing',
  'verifying',
  'rolling_back',
] as const satisfies ExecutionStatus[];

/** A batch with queued work: how many of its executions run, and the wave it is in. */
export interface BatchLoad {
  id: string;
  mode: BatchMode;
  maxConcurrency: number;
  running: number;
  /** by-region / by-resource-type: the group running (or next) that the others wait for. */
  wave?: string;
}

export interface QueueLoad {
  running: number;
  byAccount: Map<number, number>;
  batches: Map<string, BatchLoad>;
}

/** The column that groups a batch's executions into waves, per mode (none for the others). */
export function waveColumn(mode: BatchMode) {
  if (mode === 'by-region') return executions.region;
  if (mode === 'by-resource-type') return executions.executor;
  return undefined;
}

export function waveOf(mode: BatchMode, e: { region: string; executor: string }): string | undefined {
  if (mode === 'by-region') return e.region;
  if (mode === 'by-resource-type') return e.executor;
  return undefined;
}

/** What is running now, and the state of every batch that still has queued executions. */
export async function queueLoad(db: DbOrTx): Promise<QueueLoad> {
  const perAccount = await db
    .select({ accountId: executions.accountId, n: count() })
    .from(executions)
    .where(inArray(executions.status, [...RUNNING_STATUSES]))
    .groupBy(executions.accountId);
  const byAccount = new Map(perAccount.map((r) => [r.accountId, Number(r.n)]));
  const running = [...byAccount.values()].reduce((a, b) => a + b, 0);

  const waiting = db
    .selectDistinct({ id: executions.batchId })
    .from(executions)
    .where(and(eq(executions.status, 'approved'), isNotNull(executions.batchId)));
  const rows = await db
    .select({
      id: batches.id,
      mode: batches.mode,
      maxConcurrency: batches.maxConcurrency,
      running: sql<number>`(select count(*) from ${executions} r
        where r.batch_id = "batches"."id" and r.status in ('validating','executing','verifying','rolling_back'))`.mapWith(
        Number,
      ),
    })
    .from(batches)
    .where(inArray(batches.id, waiting));
  const loads = new Map<string, BatchLoad>(rows.map((r) => [r.id, r]));
  const waved = rows.filter((r) => waveColumn(r.mode) !== undefined).map((r) => r.id);
  if (waved.length > 0) {
    // Groups run in the order of their first member in the batch's queue order (so a group is
    // finished before the next starts, however the ids interleave); a group running now stays.
    const groups = await setRows<{
      batch_id: string;
      grp: string;
      first: number;
      open: boolean;
      active: boolean;
    }>(
      db,
      sql`select x.batch_id, x.grp, min(x.rn)::int as first, bool_or(x.open) as open, bool_or(x.active) as active
        from (
          select e.batch_id,
            case when b.mode = 'by-region' then e.region else e.executor end as grp,
            e.status in ('approved','validating','executing','verifying','rolling_back') as open,
            e.status in ('validating','executing','verifying','rolling_back') as active,
            row_number() over (partition by e.batch_id order by e.priority, e.scheduled_for, e.id) as rn
          from ${executions} e join ${batches} b on b.id = e.batch_id
          where e.batch_id in (${sql.join(
            waved.map((id) => sql`${id}`),
            sql`, `,
          )})
        ) x
        group by x.batch_id, x.grp`,
    );
    const best = new Map<string, { grp: string; first: number; active: boolean }>();
    for (const g of groups) {
      if (!g.open) continue;
      const cur = best.get(g.batch_id);
      const better = !cur || (g.active && !cur.active) || (g.active === cur.active && g.first < cur.first);
      if (better) best.set(g.batch_id, { grp: g.grp, first: Number(g.first), active: g.active });
    }
    for (const [id, g] of best) {
      const b = loads.get(id);
      if (b) b.wave = g.grp;
    }
  }
  return { running, byAccount, batches: loads };
}

export interface QueueOverview {
  running: number;
  /** Due and waiting, per priority band (critical, high, medium, low). */
  queuedByPriority: { band: string; n: number }[];
  scheduledLater: number;
  runningTop: QueueItem[];
  queuedTop: QueueItem[];
  nextScheduled: QueueItem[];
}

export interface QueueItem {
  id: number;
  executor: string;
  account: string;
  region: string;
  priority: number;
  scheduledFor: Date;
  startedAt: Date | null;
  batchId: string | null;
  recommendationId: number | null;
}

const BAND = sql<string>`case when ${executions.priority} <= 10 then 'critical' when ${executions.priority} <= 50 then 'high' when ${executions.priority} <= 100 then 'medium' else 'low' end`;

/** The queue for `/spot status`: counts by aggregation, the first `top` of each list. */
export async function queueOverview(db: DbOrTx, now: Date, top: number): Promise<QueueOverview> {
  const [totals] = await db
    .select({
      running:
        sql<number>`count(*) filter (where ${inArray(executions.status, [...RUNNING_STATUSES])})`.mapWith(
          Number,
        ),
      later:
        sql<number>`count(*) filter (where ${executions.status} = 'approved' and ${gt(executions.scheduledFor, now)})`.mapWith(
          Number,
        ),
    })
    .from(executions)
    .where(inArray(executions.status, ['approved', ...RUNNING_STATUSES]));
  const bands = await db
    .select({ band: BAND, n: count() })
    .from(executions)
    .where(and(eq(executions.status, 'approved'), lte(executions.scheduledFor, now)))
    .groupBy(BAND);
  const item = {
    id: executions.id,
    executor: executions.executor,
    account: accounts.name,
    region: executions.region,
    priority: executions.priority,
    scheduledFor: executions.scheduledFor,
    startedAt: executions.startedAt,
    batchId: executions.batchId,
    recommendationId: executions.recommendationId,
  };
  const list = () =>
    db.select(item).from(executions).innerJoin(accounts, eq(accounts.id, executions.accountId));
  const runningTop = await list()
    .where(inArray(executions.status, [...RUNNING_STATUSES]))
    .orderBy(asc(executions.startedAt), asc(executions.id))
    .limit(top);
  const queuedTop = await list()
    .where(and(eq(executions.status, 'approved'), lte(executions.scheduledFor, now)))
    .orderBy(executions.priority, executions.scheduledFor, executions.id)
    .limit(top);
  const nextScheduled = await list()
    .where(and(eq(executions.status, 'approved'), gt(executions.scheduledFor, now)))
    .orderBy(executions.scheduledFor, executions.priority, executions.id)
    .limit(top);
  const order = ['critical', 'high', 'medium', 'low'];
  return {
    running: totals?.running ?? 0,
    scheduledLater: totals?.later ?? 0,
    queuedByPriority: bands
      .map((b) => ({ band: b.band, n: Number(b.n) }))
      .sort((a, b) => order.indexOf(a.band) - order.indexOf(b.band)),
    runningTop,
    queuedTop,
    nextScheduled,
  };
}
