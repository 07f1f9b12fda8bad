// The one place mutating EC2 calls go through. Every call is first sent with DryRun: true, so
// permissions and parameters are checked by AWS itself; only when the context is live is it
// sent for real. Callers cannot forget dry-run: the primitive decides.
import { awsErrorCode, PermissionError } from '../lib/errors.js';

export interface MutationContext {
  dryRun: boolean;
}

export type MutationResult<T> = { dryRun: true } | { dryRun: false; result: T };

/**
 * `send(dryRun)` must pass `DryRun: dryRun` to the EC2 command. `action` is the IAM action
 * (e.g. `ec2:ReleaseAddress`), used to name a missing permission.
 */
export async function mutateEc2<T>(
  ctx: MutationContext,
  action: string,
  send: (dryRun: boolean) => Promise<T>,
): Promise<MutationResult<T>> {
  await checkEc2Permission(action, () => send(true));
  if (ctx.dryRun) return { dryRun: true };
  return { dryRun: false, result: await send(false) };
}

/** Sends a DryRun request and interprets AWS's answer: allowed, or a PermissionError. */
export async function checkEc2Permission(action: string, sendDryRun: () => Promise<unknown>): Promise<void> {
  try {
    await sendDryRun();
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === 'DryRunOperation') return;
    if (code === 'UnauthorizedOperation' || code === 'AccessDenied' || code === 'AccessDeniedException') {
      throw new PermissionError(action, undefined, { cause: err });
    }
    throw err;
  }
  // A DryRun request that "succeeds" means the API ignored the flag: treat it as a bug, never as
  // permission to go on silently.
  throw new Error(`${action} answered a DryRun request without DryRunOperation`);
}

/**
 * For APIs without DryRun (Auto Scaling, EKS): the primitive still owns the decision, and reports
 * what it would have done.
 */
export async function mutateWithoutDryRun<T>(
  ctx: MutationContext,
  action: string,
  send: () => Promise<T>,
): Promise<MutationResult<T>> {
  if (ctx.dryRun) return { dryRun: true };
  try {
    return { dryRun: false, result: await send() };
  } catch (err) {
    const code = awsErrorCode(err);
    if (code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'UnauthorizedOperation') {
      throw new PermissionError(action, undefined, { cause: err });
    }
    throw err;
  }
}
