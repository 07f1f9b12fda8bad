// /spot policy <account> (opens the approval policy modal) and /spot cancel <execution-id>.
import { eq } from 'drizzle-orm';
import { requireAccount } from '../../../accounts/store.js';
import { parseAccountName } from '../../../accounts/validation.js';
import { approvalPolicies } from '../../../db/schema.js';
import { cancelExecution } from '../../../engine/cancel.js';
import { getPolicy } from '../../../engine/policy.js';
import { UserError } from '../../../lib/errors.js';
import { policyModal } from '../../blocks/index.js';
import { ephemeral } from './reply.js';
import { type Subcommand, usageError } from './spot.js';

export const policyCommand: Subcommand = async (ctx, args) => {
  const [rawName] = args;
  if (!rawName) throw usageError('policy', 'Name the account.');
  const account = await requireAccount(ctx.deps.db, parseAccountName(rawName));
  if (!ctx.triggerId) throw new UserError('Slack did not send what is needed to open the form; try again.');
  const [row] = await ctx.deps.db
    .select()
    .from(approvalPolicies)
    .where(eq(approvalPolicies.accountId, account.id));
  await ctx.deps.notifier.openModal(
    ctx.triggerId,
    policyModal({
      account,
      policy: await getPolicy(ctx.deps.db, account),
      updated: row ? { by: row.updatedBy, at: row.updatedAt } : null,
    }),
  );
  return ephemeral(`Opened the approval policy of *${account.name}*.`);
};

export const cancelCommand: Subcommand = async (ctx, args) => {
  const raw = (args[0] ?? '').replace(/^#/, '');
  if (!/^\d{1,9}$/.test(raw)) throw usageError('cancel', 'Give the execution id (a number).');
  const r = await cancelExecution(ctx.deps, ctx.directory, Number(raw), ctx.userId);
  return ephemeral(r.ok ? (r.message ?? 'Cancelled.') : `:warning: ${r.message}`);
};
