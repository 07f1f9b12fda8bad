// Customer-account credentials: STS AssumeRole with the account's ExternalID. The session name
// carries the actor (Slack user or "system") so CloudTrail shows who asked for each call.
// Credentials are cached per account+actor until five minutes before they expire.
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { type Clock, MINUTE, systemClock } from '../lib/clock.js';
import { awsErrorCode, UserError } from '../lib/errors.js';
import { stsSdk } from './sdk.js';

export interface RoleTarget {
  roleArn: string;
  externalId: string;
}

export const SYSTEM_ACTOR = 'system';
const REFRESH_BEFORE_MS = 5 * MINUTE;

/** `spotops-<actor>`, trimmed to STS's charset ([\w+=,.@-]) and 64-character limit. */
export function sessionName(actor: string): string {
  return `spotops-${actor}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

export class CredentialBroker {
  readonly #cache = new Map<string, AwsCredentialIdentity & { expiration: Date }>();
  readonly #sts: () => STSClient;
  readonly #clock: Clock;

  /** `sts`: the operator's client, or a function building it on first use (the SDK loads lazily). */
  constructor(opts: { sts?: STSClient | (() => STSClient); region?: string; clock?: Clock } = {}) {
    const given = opts.sts;
    let built: STSClient | undefined;
    this.#sts =
      typeof given === 'function'
        ? given
        : () =>
            (built ??=
              given ??
              new stsSdk.STSClient({ region: opts.region ?? process.env.AWS_REGION ?? 'us-east-1' }));
    this.#clock = opts.clock ?? systemClock;
  }

  async credentialsFor(target: RoleTarget, actor: string = SYSTEM_ACTOR): Promise<AwsCredentialIdentity> {
    const key = `${target.roleArn}|${actor}`;
    const cached = this.#cache.get(key);
    if (cached && cached.expiration.getTime() - REFRESH_BEFORE_MS > this.#clock.now().getTime())
      return cached;
    const creds = await assumeRole(this.#sts(), target, actor);
    this.#cache.set(key, creds);
    return creds;
  }

  /** A credential provider for SDK clients; re-reads the cache on every refresh. */
  provider(target: RoleTarget, actor: string = SYSTEM_ACTOR): () => Promise<AwsCredentialIdentity> {
    return () => this.credentialsFor(target, actor);
  }

  forget(roleArn: string): void {
    for (const key of this.#cache.keys()) if (key.startsWith(`${roleArn}|`)) this.#cache.delete(key);
  }
}

export async function assumeRole(
  sts: STSClient,
  target: RoleTarget,
  actor: string,
): Promise<AwsCredentialIdentity & { expiration: Date }> {
  try {
    const out = await sts.send(
      new stsSdk.AssumeRoleCommand({
        RoleArn: target.roleArn,
        ExternalId: target.externalId,
        RoleSessionName: sessionName(actor),
        DurationSeconds: 3600,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.Expiration) {
      throw new Error('STS answered without credentials');
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: new Date(c.Expiration),
    };
  } catch (cause) {
    throw explainAssumeRoleError(target.roleArn, cause);
  }
}

/** Turns STS refusals into a message that says what is wrong and how to fix it. */
export function explainAssumeRoleError(roleArn: string, cause: unknown): Error {
  const code = awsErrorCode(cause);
  if (code === 'AccessDenied' || code === 'AccessDeniedException') {
    return new UserError(
      `AWS refused to let spotops assume ${roleArn}. Either the ExternalID does not match the one in the ` +
        'role\'s trust policy (condition "sts:ExternalId"), or the role does not trust the spotops operator ' +
        'account. Re-deploy the CloudFormation template from `/spot connect` (it carries both), then verify again.',
      { cause },
    );
  }
  if (code === 'RegionDisabledException') {
    return new UserError(
      'STS is not enabled in this region for that account; enable it in IAM account settings.',
      {
        cause,
      },
    );
  }
  if (code === 'ValidationError') {
    return new UserError(`AWS says the role ARN ${roleArn} is not valid.`, { cause });
  }
  return new Error(`assuming ${roleArn}`, { cause });
}
