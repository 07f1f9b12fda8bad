// /spot waste [account] and /spot shadow [account]: open findings with totals per account and
// kind (waste) or per account and region (Shadow IT); the cards are in the accounts' channels.

import { requireAccount } from '../../../accounts/store.js';
import { parseAccountName } from '../../../accounts/validation.js';
import { kindLabel, openTotalsPerAccount } from '../../../engine/reports.js';
import { SHADOW_KIND } from '../../../engine/shadow-policy.js';
import { WASTE_SCANNERS } from '../../../scanners/index.js';
import { findingsSummary } from '../../blocks/findings-summary.js';
import type { CommandContext, Subcommand } from './spot.js';

async function scopeOf(ctx: CommandContext, args: string[]): Promise<string | undefined> {
  if (args.length === 0) return undefined;
  const name = parseAccountName(args[0]);
  await requireAccount(ctx.deps.db, name);
  return name;
}

export const wasteCommand: Subcommand = async (ctx, args) => {
  const account = await scopeOf(ctx, args);
  // One GROUP BY per account and kind: the summary never loads findings.
  const totals = await openTotalsPerAccount(ctx.deps.db, { kinds: WASTE_SCANNERS, account, groupBy: 'kind' });
  const rows = totals.map((t) => ({
    account: t.account,
    label: kindLabel(t.key),
    count: t.count,
    monthlySavingsUsd: t.monthlySavingsUsd,
  }));
  return findingsSummary({ scope: 'waste', account, rows });
};

export const shadowCommand: Subcommand = async (ctx, args) => {
  const account = await scopeOf(ctx, args);
  const totals = await openTotalsPerAccount(ctx.deps.db, {
    kinds: [SHADOW_KIND],
    account,
    groupBy: 'region',
  });
  const rows = totals.map((t) => ({
    account: t.account,
    label: t.key,
    count: t.count,
    monthlySavingsUsd: t.monthlySavingsUsd,
  }));
  return findingsSummary({ scope: 'shadow', account, rows });
};
