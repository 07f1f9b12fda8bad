// /spot verify <name> <role-arn>
import { verifyAccount } from '../../../accounts/verify.js';
import { ephemeral } from './reply.js';
import { type Subcommand, usageError } from './spot.js';

export const verifyCommand: Subcommand = async (ctx, args) => {
  const [name, arn, ...rest] = args;
  if (!name || !arn || rest.length > 0) throw usageError('verify', 'Give the account name and the role ARN.');
  const account = await verifyAccount(ctx.deps, name, arn, ctx.userId);
  return ephemeral(
    `:white_check_mark: *${account.name}* is verified: spotops can assume \`${account.roleArn}\` ` +
      `(AWS account ${account.awsAccountId}). Scans start on the next schedule.`,
  );
};
