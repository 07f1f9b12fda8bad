// App Home: connected accounts, open findings, savings, recent executions and poisoned pools,
// for the person who opened it. Data from the database; blocks from the pure builder.
import { listAccounts } from '../accounts/store.js';
import type { Deps } from '../deps.js';
import { measuredSavingsByKind } from '../engine/measured-savings.js';
import { openTotalsByKind, recentExecutions } from '../engine/reports.js';
import { listPoisonedPools } from '../risk/pool-poisoning.js';
import { type AppHomeInput, appHome, type HomeFindingTotal } from './blocks/app-home.js';

export async function homeInput(deps: Deps): Promise<AppHomeInput> {
  // Counted and summed in SQL (one GROUP BY), not by loading the findings.
  const totals: HomeFindingTotal[] = (await openTotalsByKind(deps.db, deps.clock.now())).map((t) => ({
    label: t.label,
    count: t.count,
    monthlySavingsUsd: t.monthlySavingsUsd,
  }));
  const savings = await measuredSavingsByKind(deps.db);
  return {
    accounts: await listAccounts(deps.db),
    findings: totals,
    savings: {
      realisedMonthlyUsd: savings.reduce((n, r) => n + r.measuredMonthlyUsd, 0),
      estimatedMonthlyUsd: savings.reduce((n, r) => n + r.estimatedMonthlyUsd, 0),
    },
    recentExecutions: (await recentExecutions(deps.db, 10)).map((e) => ({
      id: e.id,
      title: e.title,
      status: e.status,
      dryRun: e.dryRun,
      approvedBy: e.approvedBy,
      at: e.at,
    })),
    poisonedPools: (await listPoisonedPools(deps.db, deps.clock)).length,
    now: deps.clock.now(),
  };
}

export async function publishHome(deps: Deps, userId: string): Promise<void> {
  const view = appHome(await homeInput(deps));
  await deps.notifier.publishHome(userId, view.blocks);
}
