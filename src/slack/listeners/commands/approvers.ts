// /spot approvers <name> @user ...
import { mention, setApprovers } from '../../../accounts/approvers.js';
import { parseAccountName, parseApprovers } from '../../../accounts/validation.js';
import { ephemeral } from './reply.js';
import { type Subcommand, usageError } from './spot.js';

export const approversCommand: Subcommand = async (ctx, args) => {
  const [rawName, ...people] = args;
  if (!rawName || people.length === 0) throw usageError('approvers', 'Name the account and the approvers.');
  const name = parseAccountName(rawName);
  const account = await setApprovers(ctx.deps, ctx.directory, name, parseApprovers(people), ctx.userId);
  return ephemeral(`Approvers of *${account.name}*: ${account.approvers.map(mention).join(', ')}`);
};
