// /spot status: the execution queue (running, queued by priority, next scheduled);
// /spot status <id>: a recommendation and its executions.
import { desc, eq } from 'drizzle-orm';
import { getAccount } from '../../../accounts/store.js';
import { queueOverview } from '../../../db/queries/executions.js';
import { executions } from '../../../db/schema.js';
import { getRecommendation } from '../../../engine/approval.js';
import { priorityName } from '../../../engine/priorities.js';
import { queueLimits } from '../../../engine/queue.js';
import { statusMessage } from '../../blocks/history.js';
import { QUEUE_LIST_MAX, queueStatusMessage } from '../../blocks/queue-status.js';
import { type CommandContext, type Subcommand, usageError } from './spot.js';

async function queueStatus(ctx: CommandContext) {
  const q = await queueOverview(ctx.deps.db, ctx.deps.clock.now(), QUEUE_LIST_MAX);
  const named = <T extends { priority: number }>(items: T[]) =>
    items.map((i) => ({ ...i, priority: priorityName(i.priority) }));
  return queueStatusMessage({
    ...q,
    runningTop: named(q.runningTop),
    queuedTop: named(q.queuedTop),
    nextScheduled: named(q.nextScheduled),
    limits: queueLimits(ctx.deps.config),
  });
}

export const statusCommand: Subcommand = async (ctx, args) => {
  if (args.length === 0) return queueStatus(ctx);
  const raw = args[0]?.replace(/^#/, '');
  if (!raw || !/^\d{1,9}$/.test(raw) || args.length > 1)
    throw usageError('status', 'Give the number shown on the card, e.g. `#42`.');
  const rec = await getRecommendation(ctx.deps, Number(raw));
  const account = await getAccount(ctx.deps.db, rec.accountId);
  const execs = await ctx.deps.db
    .select()
    .from(executions)
    .where(eq(executions.recommendationId, rec.id))
    .orderBy(desc(executions.id));
  return statusMessage({
    recommendationId: rec.id,
    title: rec.title,
    account: account.name,
    region: rec.region,
    status: rec.status,
    monthlySavingsUsd: rec.monthlySavingsUsd,
    firstSeenAt: rec.firstSeenAt,
    executions: execs.map((e) => ({
      id: e.id,
      title: e.executor,
      status: e.status,
      dryRun: e.dryRun,
      approvedBy: e.approvedBy,
      summary: e.summary,
      error: e.error,
      at: e.finishedAt ?? e.startedAt ?? e.createdAt,
    })),
  });
};
