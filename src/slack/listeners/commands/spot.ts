// The /spot command: a table of subcommands (the help text is generated from it, so every
// subcommand in help is routed), a tokenizer, and the dispatcher. Parsing and help are pure and
// answer inside the 3-second ack; everything that touches the database or AWS runs after it.
import type { SlackDirectory } from '../../../accounts/approvers.js';
import type { Deps } from '../../../deps.js';
import { UserError } from '../../../lib/errors.js';
import { accountsCommand } from './accounts.js';
import { approversCommand } from './approvers.js';
import { connectCommand } from './connect.js';
import { ephemeral, errorReply, type Reply } from './reply.js';
import { verifyCommand } from './verify.js';

export interface CommandContext {
  deps: Deps;
  directory: SlackDirectory;
  userId: string;
  channelId: string;
  /** Sends an extra message while long work runs ("working..."). */
  progress(reply: Reply): Promise<void>;
}

export interface Subcommand {
  usage: string;
  summary: string;
  run(ctx: CommandContext, args: string[]): Promise<Reply>;
}

export const subcommands = {
  help: { usage: 'help', summary: 'this list', run: async () => helpReply() },
  connect: connectCommand,
  verify: verifyCommand,
  accounts: accountsCommand,
  approvers: approversCommand,
} as const satisfies Record<string, Subcommand>;

export type SubcommandName = keyof typeof subcommands;

/** Words of the command text; Slack's `<@U1|name>` / `<https://...>` escapes stay one word. */
export function tokenize(text: string): string[] {
  return text.match(/<[^>]*>|\S+/g) ?? [];
}

export function helpText(): string {
  const lines = Object.values(subcommands as Record<string, Subcommand>).map(
    (c) => `• \`/spot ${c.usage}\` - ${c.summary}`,
  );
  return `*spotops* - AWS cost and governance, approved in Slack.\n${lines.join('\n')}`;
}

export function helpReply(): Reply {
  return ephemeral(helpText(), [{ type: 'section', text: { type: 'mrkdwn', text: helpText() } }]);
}

function lookup(name: string | undefined): Subcommand | undefined {
  if (!name || !Object.hasOwn(subcommands, name)) return undefined;
  return (subcommands as Record<string, Subcommand>)[name];
}

/** The answer that can be given without any I/O (help, unknown subcommand), if any. */
export function immediateReply(text: string): Reply | undefined {
  const [name] = tokenize(text.trim().toLowerCase());
  if (!name || name === 'help') return helpReply();
  if (!lookup(name)) {
    return ephemeral(`:warning: \`${name.slice(0, 40)}\` is not a /spot command.\n${helpText()}`, undefined);
  }
  return undefined;
}

/** Runs a subcommand; never throws: every failure becomes an ephemeral answer. */
export async function runSpotCommand(ctx: CommandContext, text: string): Promise<Reply> {
  const [rawName, ...args] = tokenize(text.trim());
  const command = lookup(rawName?.toLowerCase());
  if (!command) return immediateReply(text) ?? helpReply();
  try {
    return await command.run(ctx, args);
  } catch (err) {
    return errorReply(err, ctx.deps.log, `/spot ${rawName}`);
  }
}

export function usageError(command: Subcommand, problem: string): UserError {
  return new UserError(`${problem}\nUsage: \`/spot ${command.usage}\``);
}
