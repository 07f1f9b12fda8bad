// The operator's own AWS identity (the account customer roles must trust), from
// sts:GetCallerIdentity with the default credential chain; asked once per process.
import type { STSClient } from '@aws-sdk/client-sts';
import { stsSdk } from '../aws/sdk.js';
import { UserError } from '../lib/errors.js';

const cache = new WeakMap<STSClient, Promise<string>>();

export function operatorAccountId(sts: STSClient): Promise<string> {
  let pending = cache.get(sts);
  if (!pending) {
    pending = sts.send(new stsSdk.GetCallerIdentityCommand({})).then(
      (out) => {
        if (!out.Account) throw new Error('GetCallerIdentity answered without an account');
        return out.Account;
      },
      (cause) => {
        cache.delete(sts);
        throw new UserError(
          'spotops cannot tell which AWS account it runs in (sts:GetCallerIdentity failed). Give the bot AWS ' +
            'credentials (instance profile, IRSA or AWS_* variables) and try again.',
          { cause },
        );
      },
    );
    cache.set(sts, pending);
  }
  return pending;
}
