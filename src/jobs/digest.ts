// The daily digest: open findings per kind (and what is new today), the biggest items, Shadow
// IT deadlines, poisoned pools, and savings realised against estimated over the last 30 days.
import { and, eq, gte } from 'drizzle-orm';
import { executions } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { enqueuePost } from '../engine/outbox.js';
import { isNew, kindLabel, openFindings, savingsByKind } from '../engine/reports.js';
import { SHADOW_KIND } from '../engine/shadow-policy.js';
import { DAY } from '../lib/clock.js';
import { listPoisonedPools } from '../risk/pool-poisoning.js';
import { type DigestInput, digest } from '../slack/blocks/digest.js';

export async function digestInput(deps: Deps): Promise<DigestInput> {
  const now = deps.clock.now();
  const open = await openFindings(deps.db);
  const perKind = new Map<string, DigestInput['perKind'][number]>();
  for (const f of open) {
    const k = perKind.get(f.kind) ?? {
      label: kindLabel(f.kind),
      count: 0,
      newToday: 0,
      monthlySavingsUsd: 0,
    };
    k.count += 1;
    if (isNew(f, now)) k.newToday += 1;
    k.monthlySavingsUsd += f.monthlySavingsUsd;
    perKind.set(f.kind, k);
  }
  const since = new Date(now.getTime() - 30 * DAY);
  const savings = await savingsByKind(deps.db, since);
  const failed = await deps.db
    .select({ id: executions.id })
    .from(executions)
    .where(and(eq(executions.status, 'failed'), gte(executions.createdAt, since)));
  const shadow = open.filter((f) => f.kind === SHADOW_KIND);
  return {
    day: now,
    perKind: [...perKind.values()].sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd),
    topItems: open
      .filter((f) => f.monthlySavingsUsd > 0)
      .slice(0, 5)
      .map((f) => ({
        recommendationId: f.id,
        title: f.title,
        account: f.accountName,
        region: f.region,
        monthlySavingsUsd: f.monthlySavingsUsd,
      })),
    savings: {
      realisedMonthlyUsd: savings.reduce((n, r) => n + r.actualMonthlyUsd, 0),
      estimatedMonthlyUsd: savings.reduce((n, r) => n + r.estimatedMonthlyUsd, 0),
      executions: savings.reduce((n, r) => n + r.executions, 0),
      failed: failed.length,
    },
    shadowIt: {
      open: shadow.length,
      dueWithin24h: shadow.filter((f) => f.dueAt && f.dueAt.getTime() - now.getTime() <= DAY).length,
    },
    poisonedPools: (await listPoisonedPools(deps.db, deps.clock)).length,
  };
}

/** Queues the digest for the channel (the outbox relay posts it); returns the outbox row id. */
export async function postDigest(deps: Deps, channel = deps.config.SPOTOPS_CHANNEL): Promise<number> {
  const msg = digest(await digestInput(deps));
  return enqueuePost(deps.db, channel, msg.text, msg.blocks);
}
