// App Home: connected accounts, open findings totals, savings, and recent executions. The home
// surface allows 100 blocks; each list is capped so the whole view stays within that.
import type { KnownBlock } from '@slack/types';
import type { ExecutionStatus } from '../../db/schema.js';
import { ACTIONS } from '../ids.js';
import { money, perMonth, plural, slackDate, who } from './format.js';
import {
  actions,
  button,
  context,
  divider,
  escapeMrkdwn,
  fields,
  fitBlocks,
  header,
  SLACK_LIMITS,
  section,
} from './limits.js';

export interface HomeFindingTotal {
  /** "Unattached EBS volumes", "Untagged instances". */
  label: string;
  count: number;
  monthlySavingsUsd: number;
}

export interface HomeExecution {
  id: number;
  title: string;
  status: ExecutionStatus;
  dryRun: boolean;
  approvedBy?: string | null;
  at: Date;
}

export interface AppHomeInput {
  accounts: {
    name: string;
    environment: 'PROD' | 'LAB';
    status: 'pending' | 'verified';
    regions: string[];
  }[];
  findings: HomeFindingTotal[];
  savings: { realisedMonthlyUsd: number; estimatedMonthlyUsd: number };
  recentExecutions: HomeExecution[];
  poisonedPools: number;
  now: Date;
}

export interface HomeSurface {
  type: 'home';
  blocks: KnownBlock[];
}

const MAX_ACCOUNTS = 20;
const MAX_FINDING_LINES = 30;
const MAX_EXECUTIONS = 15;

const STATUS_ICON: Record<ExecutionStatus, string> = {
  pending: ':hourglass:',
  awaiting_approval: ':hourglass:',
  approved: ':white_check_mark:',
  validating: ':mag:',
  executing: ':gear:',
  verifying: ':gear:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  stale: ':warning:',
  rolling_back: ':leftwards_arrow_with_hook:',
  rolled_back: ':leftwards_arrow_with_hook:',
  cancelled: ':no_entry:',
};

export function appHome(input: AppHomeInput): HomeSurface {
  const blocks: KnownBlock[] = [header('spotops')];
  blocks.push(
    context([`Updated ${slackDate(input.now)}`]),
    ...actions([button({ text: 'Refresh', actionId: ACTIONS.homeRefresh })]),
  );

  const openCount = input.findings.reduce((n, f) => n + f.count, 0);
  const openUsd = input.findings.reduce((n, f) => n + f.monthlySavingsUsd, 0);
  blocks.push(
    fields([
      `*Open findings*\n${openCount} · ${perMonth(openUsd)}`,
      `*Savings realised*\n${perMonth(input.savings.realisedMonthlyUsd)}`,
      `*Estimated at approval*\n${perMonth(input.savings.estimatedMonthlyUsd)}`,
      `*Poisoned Spot pools*\n${input.poisonedPools}`,
    ]),
    divider(),
  );

  blocks.push(section(`*Accounts* (${input.accounts.length})`));
  if (input.accounts.length === 0) {
    blocks.push(context(['None yet: `/spot connect <name> [prod|lab] [region,...]`']));
  } else {
    const lines = input.accounts
      .slice(0, MAX_ACCOUNTS)
      .map(
        (a) =>
          `• *${escapeMrkdwn(a.name)}* · ${a.environment} · ${a.status === 'verified' ? 'verified' : 'pending'} · ${a.regions.join(', ') || 'no regions'}`,
      );
    if (input.accounts.length > MAX_ACCOUNTS)
      lines.push(`_${input.accounts.length - MAX_ACCOUNTS} more: \`/spot accounts\`_`);
    blocks.push(section(lines.join('\n')));
  }

  blocks.push(divider(), section(`*Open findings* (${openCount})`));
  if (input.findings.length === 0) {
    blocks.push(context(['Nothing open. :sparkles:']));
  } else {
    const lines = [...input.findings]
      .sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd)
      .slice(0, MAX_FINDING_LINES)
      .map((f) => `• ${escapeMrkdwn(f.label)}: ${f.count} · ${perMonth(f.monthlySavingsUsd)}`);
    blocks.push(section(lines.join('\n')));
  }

  blocks.push(divider(), section('*Recent executions*'));
  if (input.recentExecutions.length === 0) {
    blocks.push(context(['None yet.']));
  } else {
    for (const e of input.recentExecutions.slice(0, MAX_EXECUTIONS)) {
      const by = e.approvedBy ? ` · approved by ${who(e.approvedBy)}` : '';
      blocks.push(
        context([
          `${STATUS_ICON[e.status]} #${e.id} ${escapeMrkdwn(e.title)} · ${e.status.replace('_', ' ')}${e.dryRun ? ' (dry run)' : ''}${by} · ${slackDate(e.at)}`,
        ]),
      );
    }
  }
  blocks.push(
    context([
      `Realised savings are measured after execution; estimates are what cards promised (${money(input.savings.estimatedMonthlyUsd)}/month). ${plural(input.recentExecutions.length, 'execution')} shown.`,
    ]),
  );
  return { type: 'home', blocks: fitBlocks(blocks, SLACK_LIMITS.blocksPerHome) };
}
