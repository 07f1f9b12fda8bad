// `/spot verify <name> <role-arn>`: proves the role works with this account's ExternalID and
// belongs to the AWS account the ARN names, then marks the account verified.
import { eq } from 'drizzle-orm';
import { assumeRole } from '../aws/credentials.js';
import { stsSdk } from '../aws/sdk.js';
import { type Account, accounts } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { UserError } from '../lib/errors.js';
import { requireAccount } from './store.js';
import { parseRoleArn } from './validation.js';

export async function verifyAccount(
  deps: Deps,
  name: string,
  rawArn: string,
  actor: string,
): Promise<Account> {
  const role = parseRoleArn(rawArn);
  const account = await requireAccount(deps.db, name);
  const creds = await assumeRole(
    deps.operatorSts,
    { roleArn: role.arn, externalId: account.externalId },
    actor,
  );
  // Ask the assumed identity who it is: the role must live in the account its ARN names.
  const sts = new stsSdk.STSClient({ region: deps.config.AWS_REGION, credentials: creds });
  let identity: string | undefined;
  try {
    identity = (await sts.send(new stsSdk.GetCallerIdentityCommand({}))).Account;
  } catch (cause) {
    throw new Error(`checking the identity of ${role.arn}`, { cause });
  } finally {
    sts.destroy();
  }
  if (identity !== role.accountId) {
    throw new UserError(
      `The role answered as AWS account ${identity ?? 'unknown'}, but its ARN names ${role.accountId}. ` +
        'Check that you pasted the RoleArn output of the stack you deployed for this account.',
    );
  }
  const [row] = await deps.db
    .update(accounts)
    .set({
      roleArn: role.arn,
      awsAccountId: role.accountId,
      status: 'verified',
      verifiedAt: deps.clock.now(),
    })
    .where(eq(accounts.id, account.id))
    .returning();
  await audit(deps, {
    actor,
    event: 'account_verified',
    message: `Account ${name} verified: ${role.arn}`,
    accountId: account.id,
    detail: { roleArn: role.arn, awsAccountId: role.accountId },
  });
  return row!;
}
