// The /spot command: a table of subcommands checked against the help data (SPOT_SUBCOMMANDS,
// so every subcommand in help is routed and every route is in help), a tokenizer, and the
// dispatcher. Parsing and help are pure and answer inside the 3-second ack; everything that
// touches the database or AWS runs after it.
import type { SlackDirectory } from '../../../accounts/approvers.js';
import type { Deps } from '../../../deps.js';
import { UserError } from '../../../lib/errors.js';
import { helpMessage, SPOT_SUBCOMMANDS, type SpotSubcommand } from '../../blocks/help.js';
import { accountsCommand } from './accounts.js';
import { approveCommand } from './approve.js';
import { approversCommand } from './approvers.js';
import { connectCommand } from './connect.js';
import { digestCommand } from './digest.js';
import { evaluateCommand } from './evaluate.js';
import { shadowCommand, wasteCommand } from './findings.js';
import { historyCommand } from './history.js';
import { cancelCommand, policyCommand } from './policy.js';
import { poolCommand, poolsCommand } from './pools.js';
import { errorReply, type Reply } from './reply.js';
import { savingsCommand } from './savings.js';
import { scheduleCommand } from './schedule.js';
import { statusCommand } from './status.js';
import { verifyCommand } from './verify.js';

export interface CommandContext {
  deps: Deps;
  directory: SlackDirectory;
  userId: string;
  channelId: string;
  /** Present for a slash command: opens a modal (`/spot policy`). */
  triggerId?: string;
  /** Sends an extra message while long work runs ("working..."). */
  progress(reply: Reply): Promise<void>;
  /** Wakes the execution worker after work was queued or moved. */
  kick?(): void;
}

export type Subcommand = (ctx: CommandContext, args: string[]) => Promise<Reply>;

export const subcommands = {
  help: async () => helpMessage(),
  connect: connectCommand,
  verify: verifyCommand,
  accounts: accountsCommand,
  approvers: approversCommand,
  evaluate: evaluateCommand,
  waste: wasteCommand,
  shadow: shadowCommand,
  pools: poolsCommand,
  pool: poolCommand,
  status: statusCommand,
  schedule: scheduleCommand,
  approve: approveCommand,
  history: historyCommand,
  savings: savingsCommand,
  digest: digestCommand,
  policy: policyCommand,
  cancel: cancelCommand,
} as const satisfies Record<SpotSubcommand, Subcommand>;

/** Words of the command text; Slack's `<@U1|name>` / `<https://...>` escapes stay one word. */
export function tokenize(text: string): string[] {
  return text.match(/<[^>]*>|\S+/g) ?? [];
}

function lookup(name: string | undefined): Subcommand | undefined {
  if (!name || !Object.hasOwn(subcommands, name)) return undefined;
  return subcommands[name as SpotSubcommand];
}

/** The answer that can be given without any I/O (help, unknown subcommand), if any. */
export function immediateReply(text: string): Reply | undefined {
  const [name] = tokenize(text.trim().toLowerCase());
  if (!name || name === 'help') return helpMessage();
  if (!lookup(name)) return helpMessage({ unknown: name.slice(0, 40) });
  return undefined;
}

/** Runs a subcommand; never throws: every failure becomes an ephemeral answer. */
export async function runSpotCommand(ctx: CommandContext, text: string): Promise<Reply> {
  const [rawName, ...args] = tokenize(text.trim());
  const command = lookup(rawName?.toLowerCase());
  if (!command) return immediateReply(text) ?? helpMessage();
  try {
    return await command(ctx, args);
  } catch (err) {
    return errorReply(err, ctx.deps.log, `/spot ${rawName}`);
  }
}

/** A UserError that ends with the subcommand's usage line. */
export function usageError(name: SpotSubcommand, problem: string): UserError {
  const usage = SPOT_SUBCOMMANDS.find((s) => s.name === name)!.usage;
  return new UserError(`${problem}\nUsage: \`/spot ${usage}\``);
}
