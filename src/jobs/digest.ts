// The daily digest: open findings per kind (and what is new today), the biggest items, Shadow
// IT deadlines, poisoned pools, savings realised against estimated over the last 30 days, and a
// chart of savings over time uploaded with it (a PNG rendered here, no browser, no network).
// Every figure is a SQL aggregate: no finding is loaded to be counted, so it is the same work
// with 100,000 open findings. No account connected: no digest.
import { verifiedAccounts } from '../accounts/store.js';
import { replacedBeforeTerminationRate } from '../db/queries/interruption-responses.js';
import type { Deps } from '../deps.js';
import { effectiveSavingsRateNow } from '../engine/effective-savings-rate.js';
import { measuredSavingsByKind } from '../engine/measured-savings.js';
import { enqueueFile, enqueuePost } from '../engine/outbox.js';
import {
  biggestOpenFindings,
  failedExecutionsSince,
  openTotalsByKind,
  openUpperBoundByKind,
} from '../engine/reports.js';
import { dayIn, type SavingsPoint, savingsSeries } from '../engine/savings-series.js';
import { SHADOW_KIND } from '../engine/shadow-policy.js';
import { DAY } from '../lib/clock.js';
import { listPoisonedPools } from '../risk/pool-poisoning.js';
import { type DigestInput, digest } from '../slack/blocks/digest.js';
import { renderSavingsChart } from '../slack/files/savings-chart.js';

/** Days the chart covers. */
export const CHART_DAYS = 30;

export async function digestInput(deps: Deps): Promise<DigestInput> {
  const now = deps.clock.now();
  const totals = await openTotalsByKind(deps.db, now);
  const bounds = await openUpperBoundByKind(deps.db);
  const since = new Date(now.getTime() - 30 * DAY);
  // Measured savings (never the estimate copied) and the Effective Savings Rate.
  const savings = await measuredSavingsByKind(deps.db, since);
  const esr = await effectiveSavingsRateNow(deps.db);
  const shadow = totals.find((t) => t.kind === SHADOW_KIND);
  return {
    day: now,
    dayLabel: dayIn(now, deps.config.DIGEST_TIME_ZONE),
    perKind: totals
      .map((t) => ({
        label: t.label,
        count: t.count,
        newToday: t.newToday,
        monthlySavingsUsd: t.monthlySavingsUsd,
        upperBoundMonthlyUsd: bounds.get(t.kind) ?? 0,
      }))
      .sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd),
    topItems: await biggestOpenFindings(deps.db, 5),
    savings: {
      realisedMonthlyUsd: savings.reduce((n, r) => n + r.measuredMonthlyUsd, 0),
      estimatedMonthlyUsd: savings.reduce((n, r) => n + r.estimatedMonthlyUsd, 0),
      executions: savings.reduce((n, r) => n + r.executions, 0),
      failed: await failedExecutionsSince(deps.db, since),
      effectiveSavingsRate: esr.rate,
      upperBoundMonthlyUsd: [...bounds.values()].reduce((n, v) => n + v, 0),
    },
    shadowIt: { open: shadow?.count ?? 0, dueWithin24h: shadow?.dueWithin24h ?? 0 },
    poisonedPools: (await listPoisonedPools(deps.db, deps.clock)).length,
    interruptions: await replacedBeforeTerminationRate(deps.db, { since }),
  };
}

export type DigestOutcome =
  | { posted: false; reason: string }
  | { posted: true; outboxId: number; chart: boolean };

/**
 * Queues the digest for the channel, and its chart when there are savings to draw (the outbox
 * relay posts both, in order). Nothing when no account is connected.
 */
export async function postDigest(deps: Deps, channel = deps.config.SPOTOPS_CHANNEL): Promise<DigestOutcome> {
  if ((await verifiedAccounts(deps.db)).length === 0) {
    return { posted: false, reason: 'no account is connected' };
  }
  const input = await digestInput(deps);
  const points = await savingsSeries(deps.db, {
    now: deps.clock.now(),
    days: CHART_DAYS,
    timeZone: deps.config.DIGEST_TIME_ZONE,
  });
  const png = hasSavings(points) ? await chart(deps, points) : null;
  const msg = digest({ ...input, chartDays: png ? CHART_DAYS : undefined });
  return deps.db.transaction(async (tx) => {
    const outboxId = await enqueuePost(tx, channel, msg.text, msg.blocks);
    if (png) {
      await enqueueFile(tx, {
        channel,
        filename: `spotops-savings-${input.dayLabel}.png`,
        title: `Savings over the last ${CHART_DAYS} days`,
        bytes: png,
      });
    }
    return { posted: true as const, outboxId, chart: png !== null };
  });
}

const hasSavings = (points: SavingsPoint[]) =>
  points.some((p) => p.estimatedMonthlyUsd > 0 || p.measuredMonthlyUsd > 0);

/** The chart, or null (logged) when it cannot be drawn: the digest goes out either way. */
async function chart(deps: Deps, points: SavingsPoint[]): Promise<Buffer | null> {
  try {
    return await renderSavingsChart(
      points,
      `Monthly savings, last ${CHART_DAYS} days (${deps.config.DIGEST_TIME_ZONE})`,
    );
  } catch (err) {
    deps.log.error({ err }, 'rendering the digest chart failed; the digest goes out without it');
    return null;
  }
}
