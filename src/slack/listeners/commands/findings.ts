// /spot waste [account] and /spot shadow [account]: open findings with totals per account and
// kind (waste) or per account and region (Shadow IT); the cards are in the accounts' channels.

import { requireAccount } from '../../../accounts/store.js';
import { parseAccountName } from '../../../accounts/validation.js';
import { kindLabel, type OpenFinding, openFindings } from '../../../engine/reports.js';
import { SHADOW_KIND } from '../../../engine/shadow-policy.js';
import { WASTE_SCANNERS } from '../../../scanners/index.js';
import { type FindingsSummaryRow, findingsSummary } from '../../blocks/findings-summary.js';
import type { CommandContext, Subcommand } from './spot.js';

function rowsOf(findings: OpenFinding[], label: (f: OpenFinding) => string): FindingsSummaryRow[] {
  const rows = new Map<string, FindingsSummaryRow>();
  for (const f of findings) {
    const key = `${f.accountName}|${label(f)}`;
    const row = rows.get(key) ?? { account: f.accountName, label: label(f), count: 0, monthlySavingsUsd: 0 };
    row.count += 1;
    row.monthlySavingsUsd += f.monthlySavingsUsd;
    rows.set(key, row);
  }
  return [...rows.values()];
}

async function scopeOf(ctx: CommandContext, args: string[]): Promise<string | undefined> {
  if (args.length === 0) return undefined;
  const name = parseAccountName(args[0]);
  await requireAccount(ctx.deps.db, name);
  return name;
}

export const wasteCommand: Subcommand = async (ctx, args) => {
  const account = await scopeOf(ctx, args);
  const findings = await openFindings(ctx.deps.db, { kinds: [...WASTE_SCANNERS], account });
  return findingsSummary({ scope: 'waste', account, rows: rowsOf(findings, (f) => kindLabel(f.kind)) });
};

export const shadowCommand: Subcommand = async (ctx, args) => {
  const account = await scopeOf(ctx, args);
  const findings = await openFindings(ctx.deps.db, { kinds: [SHADOW_KIND], account });
  return findingsSummary({ scope: 'shadow', account, rows: rowsOf(findings, (f) => f.region) });
};
