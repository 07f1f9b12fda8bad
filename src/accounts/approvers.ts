// Who may approve actions in an account: Slack users and user groups. Only an existing approver
// or a workspace admin may change the list; every change is audited.
import { eq } from 'drizzle-orm';
import { type Account, accounts } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { UserError } from '../lib/errors.js';
import { requireAccount } from './store.js';

/** What the approver check needs to know about Slack; backed by users.info / usergroups.users.list. */
export interface SlackDirectory {
  isWorkspaceAdmin(userId: string): Promise<boolean>;
  groupMembers(groupId: string): Promise<string[]>;
  /** A name for AWS tags (e-mail or real name); the user ID when Slack does not say. */
  displayName(userId: string): Promise<string>;
}

export async function isApprover(dir: SlackDirectory, account: Account, userId: string): Promise<boolean> {
  if (account.approvers.includes(userId)) return true;
  for (const entry of account.approvers) {
    if (entry.startsWith('subteam:') && (await dir.groupMembers(entry.slice(8))).includes(userId))
      return true;
  }
  return false;
}

export async function setApprovers(
  deps: Deps,
  dir: SlackDirectory,
  name: string,
  approvers: string[],
  actor: string,
): Promise<Account> {
  if (approvers.length === 0)
    throw new UserError('Name at least one approver: `/spot approvers <name> @user ...`.');
  const account = await requireAccount(deps.db, name);
  const allowed = (await isApprover(dir, account, actor)) || (await dir.isWorkspaceAdmin(actor));
  if (!allowed) {
    await audit(deps, {
      actor,
      event: 'denied',
      message: `<@${actor}> tried to change the approvers of ${name} and was refused`,
      accountId: account.id,
      detail: { action: 'set_approvers', requested: approvers },
    });
    throw new UserError(
      `Only a current approver of \`${name}\` or a workspace admin can change its approvers.`,
    );
  }
  const [row] = await deps.db
    .update(accounts)
    .set({ approvers })
    .where(eq(accounts.id, account.id))
    .returning();
  await audit(deps, {
    actor,
    event: 'approvers_changed',
    message: `Approvers of ${name} set to ${approvers.map(mention).join(', ')}`,
    accountId: account.id,
    detail: { before: account.approvers, after: approvers },
  });
  return row!;
}

export function mention(entry: string): string {
  return entry.startsWith('subteam:') ? `<!subteam^${entry.slice(8)}>` : `<@${entry}>`;
}
