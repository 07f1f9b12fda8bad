// The daily digest: open findings per kind (and what is new today), the biggest items, Shadow
// IT deadlines, poisoned pools, and savings realised against estimated over the last 30 days.
// Every figure is a SQL aggregate: no finding is loaded to be counted.

import { replacedBeforeTerminationRate } from '../db/queries/interruption-responses.js';
import type { Deps } from '../deps.js';
import { effectiveSavingsRateNow } from '../engine/effective-savings-rate.js';
import { measuredSavingsByKind } from '../engine/measured-savings.js';
import { enqueuePost } from '../engine/outbox.js';
import {
  biggestOpenFindings,
  failedExecutionsSince,
  openTotalsByKind,
  openUpperBoundMonthlyUsd,
} from '../engine/reports.js';
import { SHADOW_KIND } from '../engine/shadow-policy.js';
import { DAY } from '../lib/clock.js';
import { listPoisonedPools } from '../risk/pool-poisoning.js';
import { type DigestInput, digest } from '../slack/blocks/digest.js';

export async function digestInput(deps: Deps): Promise<DigestInput> {
  const now = deps.clock.now();
  const totals = await openTotalsByKind(deps.db, now);
  const since = new Date(now.getTime() - 30 * DAY);
  // Measured savings (never the estimate copied) and the Effective Savings Rate.
  const savings = await measuredSavingsByKind(deps.db, since);
  const esr = await effectiveSavingsRateNow(deps.db);
  const shadow = totals.find((t) => t.kind === SHADOW_KIND);
  return {
    day: now,
    perKind: totals
      .map((t) => ({
        label: t.label,
        count: t.count,
        newToday: t.newToday,
        monthlySavingsUsd: t.monthlySavingsUsd,
      }))
      .sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd),
    topItems: await biggestOpenFindings(deps.db, 5),
    savings: {
      realisedMonthlyUsd: savings.reduce((n, r) => n + r.measuredMonthlyUsd, 0),
      estimatedMonthlyUsd: savings.reduce((n, r) => n + r.estimatedMonthlyUsd, 0),
      executions: savings.reduce((n, r) => n + r.executions, 0),
      failed: await failedExecutionsSince(deps.db, since),
      effectiveSavingsRate: esr.rate,
      upperBoundMonthlyUsd: await openUpperBoundMonthlyUsd(deps.db),
    },
    shadowIt: { open: shadow?.count ?? 0, dueWithin24h: shadow?.dueWithin24h ?? 0 },
    poisonedPools: (await listPoisonedPools(deps.db, deps.clock)).length,
    interruptions: await replacedBeforeTerminationRate(deps.db, { since }),
  };
}

/** Queues the digest for the channel (the outbox relay posts it); returns the outbox row id. */
/** Queues the digest for the channel (the outbox relay posts it); returns the outbox row id. */
export async function postDigest(deps: Deps, channel = deps.config.SPOTOPS_CHANNEL): Promise<number> {
  const msg = digest(await digestInput(deps));
  return enqueuePost(deps.db, channel, msg.text, msg.blocks);
}
