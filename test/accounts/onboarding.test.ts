import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { findAccount, listAccounts } from '../../src/accounts/store.js';
import { auditEvents } from '../../src/db/schema.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const sts = mockClient(STSClient);
const OPERATOR = '111122223333';
const CUSTOMER = '444455556666';
const ROLE = `arn:aws:iam::${CUSTOMER}:role/SpotOps-payments`;

function accessDenied(): Error {
  return Object.assign(
    new Error(
      `User: arn:aws:sts::${OPERATOR}:assumed-role/bot is not authorized to perform: sts:AssumeRole on resource: ${ROLE}`,
    ),
    {
      name: 'AccessDenied',
      $fault: 'client',
    },
  );
}

describe('connecting an AWS account through Slack', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({
      Account: OPERATOR,
      Arn: `arn:aws:sts::${OPERATOR}:assumed-role/bot/i-1`,
      UserId: 'AROA:i-1',
    });
  });

  it('creates a pending account with a fresh ExternalID and answers with the template and a quick-create link', async () => {
    const reply = await t.commandReply('connect payments prod us-east-1,eu-west-1');
    const account = await findAccount(t.db.db, 'payments');
    expect(account).toMatchObject({
      status: 'pending',
      environment: 'PROD',
      regions: ['us-east-1', 'eu-west-1'],
      createdBy: 'U0ALICE',
      approvers: ['U0ALICE'],
    });
    expect(account!.externalId.length).toBeGreaterThanOrEqual(32);
    const all = JSON.stringify(reply.blocks);
    expect(all).toContain(account!.externalId);
    expect(all).toContain('cloudformation/home?region=us-east-1#/stacks/quickcreate');
    expect(all).toContain(`arn:aws:iam::${OPERATOR}:root`);
    expect(all).toContain('sts:ExternalId');
  });

  it('gives every account its own ExternalID', async () => {
    await t.commandReply('connect payments-lab lab');
    const [a, b] = [await findAccount(t.db.db, 'payments'), await findAccount(t.db.db, 'payments-lab')];
    expect(a!.externalId).not.toBe(b!.externalId);
    expect(b!.environment).toBe('LAB');
  });

  it('refuses a second account with the same name', async () => {
    const reply = await t.commandReply('connect payments lab');
    expect(reply.text).toContain('already exists');
  });

  it.each([
    ['connect', 'Give the account a name'],
    ['connect "payments prod"', 'is not a valid account name'],
    ['connect Payments_Prod', 'is not a valid account name'],
    ['connect ok-name staging', 'is not a list of AWS regions'],
    ['connect ok-name prod not-a-region', 'is not a list of AWS regions'],
    ['verify payments arn:aws:iam::12:role/x', 'is not an IAM role ARN'],
    ['verify payments', 'Give the account name and the role ARN'],
  ])('answers `/spot %s` with a clear ephemeral message and writes nothing', async (text, message) => {
    const before = (await listAccounts(t.db.db)).length;
    const auditBefore = (await t.db.db.select().from(auditEvents)).length;
    const reply = await t.commandReply(text);
    expect(reply.text).toContain(message);
    expect(reply.text).not.toMatch(/at .*\.ts:\d+|Error:/);
    expect((await listAccounts(t.db.db)).length).toBe(before);
    expect((await t.db.db.select().from(auditEvents)).length).toBe(auditBefore);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('explains an AccessDenied from AssumeRole: ExternalID or trust, and how to fix it', async () => {
    sts.on(AssumeRoleCommand).rejects(accessDenied());
    const reply = await t.commandReply(`verify payments ${ROLE}`);
    expect(reply.text).toContain('ExternalID');
    expect(reply.text).toContain('does not trust');
    expect(reply.text).toContain('/spot connect');
    expect((await findAccount(t.db.db, 'payments'))!.status).toBe('pending');
  });

  it('verifies with the right ExternalID and records the role', async () => {
    const account = await findAccount(t.db.db, 'payments');
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIACUSTOMER',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date('2026-11-24T13:00:00Z'),
      },
    });
    sts.on(GetCallerIdentityCommand).resolves({
      Account: CUSTOMER,
      Arn: `arn:aws:sts::${CUSTOMER}:assumed-role/SpotOps-payments/spotops-U0ALICE`,
    });
    const reply = await t.commandReply(`verify payments ${ROLE}`);
    expect(reply.text).toContain('is verified');
    const call = sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input;
    expect(call).toMatchObject({
      RoleArn: ROLE,
      ExternalId: account!.externalId,
      RoleSessionName: 'spotops-U0ALICE',
    });
    expect(await findAccount(t.db.db, 'payments')).toMatchObject({
      status: 'verified',
      roleArn: ROLE,
      awsAccountId: CUSTOMER,
    });
  });

  it('refuses a role whose identity is another account than its ARN says', async () => {
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date('2026-11-24T13:00:00Z'),
      },
    });
    sts.on(GetCallerIdentityCommand).resolves({ Account: '999999999999' });
    const reply = await t.commandReply(
      `verify payments-lab arn:aws:iam::${CUSTOMER}:role/SpotOps-payments-lab`,
    );
    expect(reply.text).toContain('answered as AWS account 999999999999');
    expect((await findAccount(t.db.db, 'payments-lab'))!.status).toBe('pending');
  });

  it('lists accounts with environment, regions, status and approvers', async () => {
    const reply = await t.commandReply('accounts');
    const all = `${reply.text} ${JSON.stringify(reply.blocks ?? [])}`;
    expect(all).toContain('payments');
    expect(all).toContain('PROD');
    expect(all).toContain('eu-west-1');
    expect(all).toContain('verified');
    expect(all).toContain('pending');
    expect(all).toContain('U0ALICE');
  });

  it('lets an approver set the approvers, and audits it', async () => {
    const reply = await t.commandReply('approvers payments <@U0BOB|bob> <!subteam^S0PLAT|@platform>');
    expect(reply.text).toContain('<@U0BOB>');
    expect((await findAccount(t.db.db, 'payments'))!.approvers).toEqual(['U0BOB', 'subteam:S0PLAT']);
    const rows = await t.db.db.select().from(auditEvents);
    expect(rows.at(-1)).toMatchObject({ actor: 'U0ALICE', event: 'approvers_changed' });
  });

  it('refuses someone who is neither an approver nor an admin, and audits the refusal', async () => {
    const reply = await t.commandReply('approvers payments <@U0MALLORY>', { user: 'U0MALLORY' });
    expect(reply.text).toContain('Only a current approver');
    expect((await findAccount(t.db.db, 'payments'))!.approvers).toEqual(['U0BOB', 'subteam:S0PLAT']);
    const rows = await t.db.db.select().from(auditEvents);
    expect(rows.at(-1)).toMatchObject({ actor: 'U0MALLORY', event: 'denied' });
  });

  it('lets a member of an approver user group and a workspace admin change approvers', async () => {
    t.slack.groups.set('S0PLAT', ['U0CAROL']);
    (t.clock as ManualClock).advance(61_000); // group membership is cached for a minute
    expect((await t.commandReply('approvers payments <@U0CAROL>', { user: 'U0CAROL' })).text).toContain(
      '<@U0CAROL>',
    );
    t.slack.admins.add('U0ADMIN');
    expect((await t.commandReply('approvers payments <@U0DAVE>', { user: 'U0ADMIN' })).text).toContain(
      '<@U0DAVE>',
    );
  });
});

describe('the onboarding template in the connect reply', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.stop());

  it('is valid YAML that fits Slack section limits', async () => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({ Account: OPERATOR });
    const reply = await t.commandReply('connect web lab');
    const code = (reply.blocks ?? [])
      .map((b: any) => b.text?.text as string)
      .filter((s) => s?.startsWith('```'))
      .map((s) => s.slice(3, -3))
      .join('');
    for (const b of reply.blocks ?? []) expect((b.text?.text ?? '').length).toBeLessThanOrEqual(3000);
    const template = parse(code);
    expect(template.Resources.SpotOpsRole.Type).toBe('AWS::IAM::Role');
  });
});
