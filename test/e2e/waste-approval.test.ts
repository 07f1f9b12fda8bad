// The first complete user story, through the real Bolt app and a fake Slack: a scan finds an
// unassociated Elastic IP, a card is posted, a person approves, the worker releases it in
// (mocked) AWS, and the card's thread tells the whole story.
import { DescribeAddressesCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, executions, recommendations } from '../../src/db/schema.js';
import { scanAndPost } from '../../src/jobs/scan-and-post.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp } from '../helpers/app.js';

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const dryRunOk = () =>
  Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
  });

function fakeAddresses() {
  let released = false;
  ec2.on(DescribeAddressesCommand).callsFake(async () => ({
    Addresses: released
      ? []
      : [
          {
            AllocationId: 'eipalloc-0abc',
            PublicIp: '52.1.2.3',
            Domain: 'vpc',
            NetworkBorderGroup: 'us-east-1',
            Tags: [],
          },
        ],
  }));
  ec2.on(ReleaseAddressCommand).callsFake(async (input) => {
    if (input.DryRun) throw dryRunOk();
    released = true;
    return {};
  });
}

async function scanned(t: TestApp) {
  await verifiedAccount(t.db.db);
  await scanAndPost(t.deps, ['unassociated-elastic-ips']);
  await t.deliverOutbox();
  const [rec] = await t.db.db.select().from(recommendations);
  return rec!;
}

describe.each([
  { dryRun: false, executed: 'Released 52.1.2.3' },
  { dryRun: true, executed: 'Would have released' },
])('a waste item approved in Slack (DRY_RUN=$dryRun)', ({ dryRun, executed }) => {
  let t: TestApp;
  beforeEach(async () => {
    ec2.reset();
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date('2030-01-01T00:00:00Z'),
      },
    });
    fakeAddresses();
    t = await startTestApp({ env: { DRY_RUN: String(dryRun) } });
  });
  afterEach(() => t.stop());

  it('tells the whole story in the card thread, in order', async () => {
    const rec = await scanned(t);
    expect(rec).toMatchObject({
      status: 'posted',
      slackChannel: 'C0OPS',
      resourceId: 'eipalloc-0abc',
      monthlySavingsUsd: 3.65,
    });
    const res = await t.interact(
      buttonClick(ACTIONS.approve, String(rec.id), { user: 'U0BOB', messageTs: rec.slackTs! }),
    );
    expect(res.status).toBe(200);
    await t.runQueued(1);

    const thread = t.slack.thread(rec.slackTs!).map((m) => m.text ?? '');
    expect(thread).toEqual([
      expect.stringMatching(/^Found 1 unassociated Elastic IP \(\$3\.65\/month\)\.$/),
      expect.stringMatching(/^Approved by <@U0BOB>.*validating\.\.\.$/),
      expect.stringMatching(/^Validated: /),
      expect.stringContaining(executed),
      ...(dryRun ? [] : [expect.stringMatching(/^Verified: /)]),
    ]);
    const sent = ec2.commandCalls(ReleaseAddressCommand).map((c) => c.args[0].input.DryRun);
    expect(sent).toEqual(dryRun ? [true, true] : [true, true, false]);

    const card = t.slack.messages.find((m) => m.ts === rec.slackTs)!;
    expect(card.updates).toBeGreaterThan(0);
    expect(JSON.stringify(card.blocks)).toContain(dryRun ? '52.1.2.3' : 'released by <@U0BOB>');
    const [exec] = await t.db.db.select().from(executions);
    expect(exec).toMatchObject({ status: 'succeeded', dryRun, approvedBy: 'U0BOB' });
    const [after] = await t.db.db.select().from(recommendations);
    expect(after!.status).toBe(dryRun ? 'posted' : 'executed');
  });
});

describe('approving a waste item', () => {
  let t: TestApp;
  beforeEach(async () => {
    ec2.reset();
    fakeAddresses();
    t = await startTestApp({ env: { DRY_RUN: 'false' } });
  });
  afterEach(() => t.stop());

  it('runs the executor exactly once for 50 concurrent clicks', async () => {
    const rec = await scanned(t);
    const clicks = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.interact(buttonClick(ACTIONS.approve, String(rec.id), { messageTs: rec.slackTs! })),
      ),
    );
    expect(clicks.every((r) => r.status === 200)).toBe(true);
    await t.runQueued(1);
    expect(await t.db.db.select().from(executions)).toHaveLength(1);
    const executed = await t.db.db.select().from(auditEvents).where(eq(auditEvents.event, 'executed'));
    expect(executed).toHaveLength(1);
    expect(
      ec2.commandCalls(ReleaseAddressCommand).filter((c) => c.args[0].input.DryRun === false),
    ).toHaveLength(1);
  });

  it("changes nothing for a non-approver's click, audits it and tells them who can", async () => {
    const rec = await scanned(t);
    await t.interact(
      buttonClick(ACTIONS.approve, String(rec.id), { user: 'U0MALLORY', messageTs: rec.slackTs! }),
    );
    const eph = await t.slack.waitFor(() => t.slack.callsOf('chat.postEphemeral')[0]);
    expect(eph.args).toMatchObject({ channel: 'C0OPS', user: 'U0MALLORY' });
    expect(eph.args.text).toContain('only <@U0BOB> can approve');
    await t.worker.kick();
    expect(await t.db.db.select().from(executions)).toHaveLength(0);
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('posted');
    const denied = await t.db.db.select().from(auditEvents).where(eq(auditEvents.event, 'denied'));
    expect(denied).toMatchObject([{ actor: 'U0MALLORY', recommendationId: rec.id, slackTs: null }]);
  });

  it('stops as stale when the address got associated since the card, and says why', async () => {
    const rec = await scanned(t);
    ec2.on(DescribeAddressesCommand).resolves({
      Addresses: [
        {
          AllocationId: 'eipalloc-0abc',
          PublicIp: '52.1.2.3',
          AssociationId: 'eipassoc-1',
          InstanceId: 'i-0new',
        },
      ],
    });
    await t.interact(buttonClick(ACTIONS.approve, String(rec.id), { messageTs: rec.slackTs! }));
    await t.runQueued(1);
    const thread = t.slack.thread(rec.slackTs!).map((m) => m.text);
    expect(thread.at(-1)).toMatch(/^No longer valid: .*i-0new.*Nothing was changed\.$/);
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0);
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('stale');
    const card = t.slack.messages.find((m) => m.ts === rec.slackTs)!;
    expect(JSON.stringify(card.blocks)).toContain('no longer valid');
  });

  it('lets an approver ignore an item for good', async () => {
    const rec = await scanned(t);
    await t.interact(buttonClick(ACTIONS.ignore, String(rec.id), { messageTs: rec.slackTs! }));
    await t.slack.waitFor(() =>
      JSON.stringify(t.slack.messages.find((m) => m.ts === rec.slackTs)!.blocks).includes(
        'ignored by <@U0BOB>',
      ),
    );
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('ignored');
    await t.interact(buttonClick(ACTIONS.approve, String(rec.id), { messageTs: rec.slackTs! }));
    const eph = await t.slack.waitFor(() => t.slack.callsOf('chat.postEphemeral')[0]);
    expect(eph.args.text).toContain('Already ignored');
  });
});
