// `/spot accounts`: every connected account with environment, regions, status and approvers.
import type { KnownBlock } from '@slack/types';
import { plural } from './format.js';
import { context, escapeMrkdwn, header, message, type SlackMessage, section } from './limits.js';

export interface AccountRow {
  name: string;
  awsAccountId?: string | null;
  environment: 'PROD' | 'LAB';
  regions: string[];
  status: 'pending' | 'verified';
  /** Slack user ids (U…/W…) or user group ids (S…). */
  approvers: string[];
  slackChannel?: string | null;
  shadowItAction?: 'terminate' | 'stop' | 'notify' | null;
}

// header + context + one section per account
const MAX_ACCOUNTS = 45;

/** `<@U1>` for users, `<!subteam^S1>` for user groups, escaped text for anything else. */
export function approverMention(id: string): string {
  if (/^[UW][A-Z0-9]+$/.test(id)) return `<@${id}>`;
  if (/^S[A-Z0-9]{2,}$/.test(id)) return `<!subteam^${id}>`;
  return escapeMrkdwn(id);
}

function shadowPolicy(a: AccountRow): string {
  const action = a.shadowItAction ?? (a.environment === 'PROD' ? 'notify' : 'terminate');
  return `Shadow IT: ${action}`;
}

export function accountsList(input: { accounts: AccountRow[] }): SlackMessage {
  const accounts = [...input.accounts].sort((a, b) => a.name.localeCompare(b.name));
  if (accounts.length === 0) {
    return message('No AWS accounts connected yet', [
      section(
        ':link: *No AWS accounts connected yet.* Start with `/spot connect <name> [prod|lab] [region,...]`.',
      ),
    ]);
  }
  const blocks: KnownBlock[] = [header(`${plural(accounts.length, 'connected account')}`)];
  for (const a of accounts.slice(0, MAX_ACCOUNTS)) {
    const status =
      a.status === 'verified' ? ':white_check_mark: verified' : ':hourglass: pending verification';
    const id = a.awsAccountId ? ` (${a.awsAccountId})` : '';
    const approvers =
      a.approvers.length > 0 ? a.approvers.map(approverMention).join(' ') : '_none: nobody can approve_';
    const channel = a.slackChannel
      ? ` · cards in ${/^[CG][A-Z0-9]+$/.test(a.slackChannel) ? `<#${a.slackChannel}>` : escapeMrkdwn(a.slackChannel)}`
      : '';
    blocks.push(
      section(
        `*${escapeMrkdwn(a.name)}*${id} · ${a.environment} · ${status}\nRegions: ${a.regions.length > 0 ? a.regions.join(', ') : '_none_'} · ${shadowPolicy(a)}${channel}\nApprovers: ${approvers}`,
      ),
    );
  }
  const facts = ['Set approvers with `/spot approvers <name> @user...`'];
  if (accounts.length > MAX_ACCOUNTS) facts.unshift(`${accounts.length - MAX_ACCOUNTS} more not shown`);
  blocks.push(context(facts));
  const names = accounts.map((a) => `${escapeMrkdwn(a.name)} (${a.environment}, ${a.status})`).join(', ');
  return message(`${plural(accounts.length, 'connected account')}: ${names}`, blocks);
}
