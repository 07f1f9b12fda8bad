// `/spot waste` and `/spot shadow`: an ephemeral summary of open findings with totals per account
// and kind; the cards themselves are in the accounts' channels.
import type { KnownBlock } from '@slack/types';
import { perMonth, plural } from './format.js';
import { context, escapeMrkdwn, header, message, type SlackMessage, section } from './limits.js';

export interface FindingsSummaryRow {
  account: string;
  /** "Unattached EBS volumes" or, for shadow, a region ("us-east-1"). */
  label: string;
  count: number;
  monthlySavingsUsd: number;
}

export interface FindingsSummaryInput {
  scope: 'waste' | 'shadow';
  /** The account the command was limited to, if any. */
  account?: string | null;
  rows: FindingsSummaryRow[];
}

// header + context + one section per account
const MAX_ACCOUNTS = 40;
const MAX_LINES_PER_ACCOUNT = 25;

export function findingsSummary(input: FindingsSummaryInput): SlackMessage {
  const what = input.scope === 'waste' ? 'waste findings' : 'untagged instances';
  const where = input.account ? ` in ${escapeMrkdwn(input.account)}` : '';
  const rows = input.rows.filter((r) => r.count > 0);
  if (rows.length === 0) {
    return message(`No open ${what}${where}`, [section(`:white_check_mark: No open ${what}${where}.`)]);
  }
  const byAccount = new Map<string, FindingsSummaryRow[]>();
  for (const r of rows) byAccount.set(r.account, [...(byAccount.get(r.account) ?? []), r]);
  const totalCount = rows.reduce((n, r) => n + r.count, 0);
  const totalUsd = rows.reduce((n, r) => n + r.monthlySavingsUsd, 0);

  const title = `${totalCount} open ${what}${input.account ? ` in ${input.account}` : ''}`;
  const blocks: KnownBlock[] = [
    header(title),
    context([`${perMonth(totalUsd)} in total · ${plural(byAccount.size, 'account')}`]),
  ];
  const accounts = [...byAccount.entries()]
    .map(([account, list]) => ({ account, list, usd: list.reduce((n, r) => n + r.monthlySavingsUsd, 0) }))
    .sort((a, b) => b.usd - a.usd || a.account.localeCompare(b.account));
  for (const a of accounts.slice(0, MAX_ACCOUNTS)) {
    const lines = [...a.list]
      .sort((x, y) => y.monthlySavingsUsd - x.monthlySavingsUsd)
      .slice(0, MAX_LINES_PER_ACCOUNT)
      .map((r) => `• ${escapeMrkdwn(r.label)}: ${r.count} · ${perMonth(r.monthlySavingsUsd)}`);
    const count = a.list.reduce((n, r) => n + r.count, 0);
    blocks.push(section(`*${escapeMrkdwn(a.account)}*: ${count} · ${perMonth(a.usd)}\n${lines.join('\n')}`));
  }
  if (accounts.length > MAX_ACCOUNTS)
    blocks.push(context([`${accounts.length - MAX_ACCOUNTS} more accounts not shown`]));
  const fallbackTitle = `${totalCount} open ${what}${where}`;
  return message(`${fallbackTitle}, ${perMonth(totalUsd)}`, blocks);
}
