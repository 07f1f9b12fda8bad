// The report subcommands and App Home, through the Bolt app against the fake Slack.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executions, measuredSavings, recommendations } from '../../src/db/schema.js';
import { recordInterruption } from '../../src/risk/pool-poisoning.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { slackPost } from '../helpers/signing.js';

describe('report commands', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    const account = await verifiedAccount(t.db.db, { name: 'payments', environment: 'PROD' });
    const base = {
      accountId: account.id,
      region: 'us-east-1',
      params: {},
      status: 'posted' as const,
      firstSeenAt: new Date('2026-11-24T08:00:00Z'),
    };
    const [vol] = await t.db.db
      .insert(recommendations)
      .values([
        {
          ...base,
          fingerprint: 'a',
          kind: 'unattached-ebs-volumes',
          executor: 'delete-ebs-volume',
          resourceId: 'vol-1',
          title: 'EBS volume vol-1 (100 GiB gp2)',
          evidence: {},
          monthlySavingsUsd: 10,
        },
        {
          ...base,
          fingerprint: 'b',
          kind: 'unassociated-elastic-ips',
          executor: 'release-elastic-ip',
          resourceId: 'eipalloc-1',
          title: 'Elastic IP 52.1.2.3',
          evidence: {},
          monthlySavingsUsd: 3.6,
        },
        {
          ...base,
          fingerprint: 'c',
          kind: 'unauthorized-instances',
          executor: 'terminate-instance',
          resourceId: 'i-0abc',
          title: 'Instance i-0abc',
          evidence: {},
          monthlySavingsUsd: 0,
          dueAt: new Date('2026-11-25T08:00:00Z'),
        },
      ])
      .returning();
    await t.db.db.insert(executions).values({
      recommendationId: vol!.id,
      accountId: account.id,
      region: 'us-east-1',
      executor: 'release-elastic-ip',
      params: {},
      requestedBy: 'system',
      approvedBy: 'U0BOB',
      dryRun: false,
      status: 'succeeded',
      summary: 'Deleted vol-1 after snapshot snap-1',
      estimatedMonthlySavings: 10,
      actualMonthlySavings: 10,
      finishedAt: new Date('2026-11-24T11:00:00Z'),
    });
    await recordInterruption(
      t.db.db,
      { region: 'us-east-1', az: 'use1-az1', instanceType: 'm5.large' },
      { accountId: account.id, environment: 'PROD', at: new Date('2026-11-24T10:00:00Z') },
      { poisonDays: 15 },
    );
  });
  afterAll(() => t.stop());

  const all = (r: { text: string; blocks?: unknown[] }) => `${r.text} ${JSON.stringify(r.blocks ?? [])}`;

  it('/spot waste totals open waste per account and kind', async () => {
    const r = all(await t.commandReply('waste'));
    expect(r).toContain('Unattached EBS volumes');
    expect(r).toContain('$10.00');
    expect(r).toContain('Unassociated Elastic IPs');
    expect(r).not.toContain('i-0abc');
  });

  it('/spot waste <account> checks the account exists', async () => {
    expect((await t.commandReply('waste nope')).text).toContain('There is no account called `nope`');
  });

  it('/spot shadow counts untagged instances per region', async () => {
    const r = all(await t.commandReply('shadow payments'));
    expect(r).toContain('us-east-1');
    expect(r).toMatch(/1 untagged instance|untagged instances/);
  });

  it('/spot history lists executions with who approved them', async () => {
    const r = all(await t.commandReply('history'));
    expect(r).toContain('Deleted vol-1 after snapshot snap-1');
    expect(r).toContain('<@U0BOB>');
  });

  it('/spot status <id> shows a recommendation and its executions; a bad id gets the usage', async () => {
    expect(all(await t.commandReply('status #1'))).toContain('succeeded');
    expect((await t.commandReply('status one')).text).toContain('Usage: `/spot status [id]`');
    expect((await t.commandReply('status 999')).text).toContain('Recommendation 999 does not exist');
  });

  it('/spot savings compares measured (never the estimate copied) with estimated, with the ESR', async () => {
    expect(all(await t.commandReply('savings'))).toContain('No measured savings yet');
    const [exec] = await t.db.db.select().from(executions);
    await t.db.db.insert(measuredSavings).values({
      executionId: exec!.id,
      kind: 'unattached-ebs-volumes',
      method: 'still-gone',
      hours: 24,
      savedUsd: 0.33,
      monthlyRateUsd: 10,
      estimatedMonthlyUsd: 10,
      measuredAt: new Date('2026-11-25T11:00:00Z'),
    });
    const r = all(await t.commandReply('savings'));
    expect(r).toContain('$10.00/month measured');
    expect(r).toContain('100% of estimate');
    expect(r).toContain('Effective Savings Rate');
  });

  it('/spot pools lists poisoned pools by AZ ID; /spot pool clear is for approvers and audited', async () => {
    expect(all(await t.commandReply('pools'))).toContain('us-east-1/use1-az1/m5.large');
    expect(
      (await t.commandReply('pool clear us-east-1/use1-az1/m5.large', { user: 'U0MALLORY' })).text,
    ).toContain('Only an approver');
    expect(
      (await t.commandReply('pool clear us-east-1/us-east-1a/m5.large', { user: 'U0BOB' })).text,
    ).toContain('AZ name, which differs between accounts');
    expect(
      (await t.commandReply('pool clear us-east-1/use1-az1/m5.large', { user: 'U0BOB' })).text,
    ).toContain('no longer avoided');
    expect(all(await t.commandReply('pools'))).not.toContain('use1-az1/m5.large');
  });

  it('/spot digest posts the digest in the channel', async () => {
    expect((await t.commandReply('digest')).text).toContain('Posted the digest');
    await t.deliverOutbox();
    const posted = t.slack.messages.find(
      (m) => m.channel === 'C0OPS' && /digest|open findings/i.test(`${m.text}`),
    );
    expect(posted).toBeDefined();
  });

  it('publishes App Home when it is opened', async () => {
    const body = JSON.stringify({
      token: 'x',
      team_id: 'T0001',
      api_app_id: 'A0SPOTOPS',
      type: 'event_callback',
      event_id: 'Ev01',
      event_time: 1767225600,
      event: {
        type: 'app_home_opened',
        user: 'U0BOB',
        channel: 'D0BOB',
        tab: 'home',
        event_ts: '1767225600.000100',
      },
    });
    const res = await slackPost(t.url, body, { contentType: 'application/json' });
    expect(res.status).toBe(200);
    const call = await t.slack.waitFor(() => t.slack.callsOf('views.publish')[0]);
    expect(call.args.user_id).toBe('U0BOB');
    expect(JSON.stringify(call.args.view)).toContain('payments');
  });
});
