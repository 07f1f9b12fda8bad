import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CredentialBroker, sessionName } from '../../src/aws/credentials.js';
import { ManualClock, MINUTE } from '../../src/lib/clock.js';
import { UserError } from '../../src/lib/errors.js';

const sts = mockClient(STSClient);
const target = { roleArn: 'arn:aws:iam::444455556666:role/SpotOps-web', externalId: 'e'.repeat(32) };

describe('assumed-role credentials', () => {
  const clock = new ManualClock('2026-11-24T12:00:00Z');
  let n = 0;
  beforeEach(() => {
    sts.reset();
    n = 0;
    sts.on(AssumeRoleCommand).callsFake(() => ({
      Credentials: {
        AccessKeyId: `ASIA${++n}`,
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date(clock.now().getTime() + 60 * MINUTE),
      },
    }));
  });

  it('assume the role with the ExternalID, a session name carrying the actor, for one hour', async () => {
    const broker = new CredentialBroker({ sts: new STSClient({}), clock });
    await broker.credentialsFor(target, 'U0ALICE');
    expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: target.roleArn,
      ExternalId: target.externalId,
      RoleSessionName: 'spotops-U0ALICE',
      DurationSeconds: 3600,
    });
  });

  it('are cached per actor until five minutes before they expire', async () => {
    const broker = new CredentialBroker({ sts: new STSClient({}), clock });
    const first = await broker.credentialsFor(target, 'system');
    clock.advance(54 * MINUTE);
    expect(await broker.credentialsFor(target, 'system')).toBe(first);
    expect((await broker.credentialsFor(target, 'U0BOB')).accessKeyId).toBe('ASIA2');
    clock.advance(2 * MINUTE); // 56 min: inside the 5-minute window
    expect((await broker.credentialsFor(target, 'system')).accessKeyId).toBe('ASIA3');
  });

  it('explain an AccessDenied as a fixable problem', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const broker = new CredentialBroker({ sts: new STSClient({}), clock });
    await expect(broker.credentialsFor(target)).rejects.toThrow(UserError);
    await expect(broker.credentialsFor(target)).rejects.toThrow(/ExternalID/);
  });

  it('keep session names within STS rules', () => {
    expect(sessionName('U0ALICE')).toBe('spotops-U0ALICE');
    expect(sessionName('a b/c:d')).toBe('spotops-a-b-c-d');
    expect(sessionName('x'.repeat(100))).toHaveLength(64);
  });
});
