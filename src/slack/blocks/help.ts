// `/spot help`: usage for every subcommand. SPOT_SUBCOMMANDS is the data the router is checked
// against (each subcommand listed here has a route, and each route is listed here).
import type { KnownBlock } from '@slack/types';
import { context, escapeMrkdwn, header, message, type SlackMessage, section } from './limits.js';

export interface SubcommandHelp {
  /** First word after `/spot` (`pool` for `pool clear`). */
  name: string;
  usage: string;
  summary: string;
}

export const SPOT_SUBCOMMANDS = [
  { name: 'help', usage: 'help', summary: 'This list.' },
  {
    name: 'connect',
    usage: 'connect <name> [prod|lab] [region,...]',
    summary: 'Start connecting an AWS account: ExternalID and a one-click CloudFormation link.',
  },
  {
    name: 'verify',
    usage: 'verify <name> <role-arn>',
    summary: 'Check the role the template created and mark the account verified.',
  },
  {
    name: 'accounts',
    usage: 'accounts',
    summary: 'Connected accounts, environments, regions and approvers.',
  },
  {
    name: 'approvers',
    usage: 'approvers <name> @user...',
    summary: 'Set who may approve changes in an account.',
  },
  {
    name: 'evaluate',
    usage: 'evaluate <i-...|asg:<name>|eks:<cluster>/<nodegroup>> [@account] [in <region>]',
    summary: 'Spot recommendation for an instance, an Auto Scaling group or an EKS node group.',
  },
  {
    name: 'waste',
    usage: 'waste [account]',
    summary: 'Open waste findings: idle addresses, volumes, snapshots.',
  },
  { name: 'shadow', usage: 'shadow [account]', summary: 'Instances running without an authorising tag.' },
  { name: 'pools', usage: 'pools', summary: 'Spot pools avoided after interruptions, and until when.' },
  {
    name: 'pool',
    usage: 'pool clear <region>/<az>/<type>',
    summary: 'Stop avoiding a poisoned pool before it expires.',
  },
  {
    name: 'status',
    usage: 'status [id]',
    summary: 'The queue (running, queued by priority, scheduled), or where one recommendation stands.',
  },
  {
    name: 'schedule',
    usage: 'schedule <id|e<exec-id>> <now|in 2h|tomorrow 09:00|ISO> [critical|high|medium|low]',
    summary: 'When approved work runs, and at which priority (before approval: once approved).',
  },
  {
    name: 'approve',
    usage:
      'approve [account=]<name> [region=]<region> [kind=]<kind> [mode=parallel|sequential|by-region|by-resource-type] [max=N] [errors=N]',
    summary: 'Approve every matching card waiting for a decision, as one batch with one progress message.',
  },
  {
    name: 'history',
    usage: 'history [account] [days] [kind]',
    summary: 'Executions and who approved them, filtered in any order.',
  },
  {
    name: 'savings',
    usage: 'savings [account] [days] [kind] [csv]',
    summary: 'Savings measured against estimated, per kind; `csv` uploads one row per execution.',
  },
  { name: 'digest', usage: 'digest', summary: 'Post the daily digest now.' },
  {
    name: 'policy',
    usage: 'policy <account>',
    summary: 'View and edit the approval policy: auto-approval, approvers per risk level, windows.',
  },
  {
    name: 'cancel',
    usage: 'cancel <execution-id>',
    summary: 'Cancel an approved execution before it starts.',
  },
] as const satisfies readonly SubcommandHelp[];

export type SpotSubcommand = (typeof SPOT_SUBCOMMANDS)[number]['name'];

export function helpMessage(input: { command?: string; unknown?: string | null } = {}): SlackMessage {
  const cmd = input.command ?? '/spot';
  const blocks: KnownBlock[] = [header(`${cmd} commands`)];
  if (input.unknown) {
    blocks.push(section(`:question: Unknown or incomplete command: \`${escapeMrkdwn(input.unknown)}\``));
  }
  const lines = SPOT_SUBCOMMANDS.map((s) => `\`${cmd} ${escapeMrkdwn(s.usage)}\`\n${s.summary}`);
  // Two sections keep each well under the 3000-character limit.
  const half = Math.ceil(lines.length / 2);
  blocks.push(section(lines.slice(0, half).join('\n')), section(lines.slice(half).join('\n')));
  blocks.push(context(['Changes only run after an approver clicks Approve; dry-run mode only asks AWS.']));
  const usage = `Usage: ${SPOT_SUBCOMMANDS.map((s) => `${cmd} ${s.usage}`).join(' | ')}`;
  return message(
    input.unknown ? `Unknown command "${escapeMrkdwn(input.unknown)}". ${usage}` : usage,
    blocks,
  );
}
