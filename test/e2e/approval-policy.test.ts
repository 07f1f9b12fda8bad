// The approval policy through the Bolt app and a fake Slack: N-of-M approvals by distinct
// approvers (double clicks count once, the requester never counts), auto-approval with a cancel
// window and Cancel, the hourly maximum, approvals voided by a changed resource, expiry,
// supersede, run windows (injected clock) and the typed resource id of a CRITICAL change.
import { DescribeAddressesCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  accounts,
  approvalPolicies,
  approvals,
  auditEvents,
  executions,
  type Recommendation,
  recommendations,
} from '../../src/db/schema.js';
import { approveRecommendation } from '../../src/engine/approval.js';
import { supersedeOlder } from '../../src/engine/approval-lifecycle.js';
import { type ApprovalPolicy, defaultPolicy } from '../../src/engine/policy.js';
import { runApprovalPolicy } from '../../src/jobs/approval-policy.js';
import { scanAndPost } from '../../src/jobs/scan-and-post.js';
import { HOUR, type ManualClock, MINUTE } from '../../src/lib/clock.js';
import { ACTIONS, INPUTS, VIEWS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';
import { actionIds } from '../helpers/slack-limits.js';

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

/** Live ReleaseAddress calls (not DryRun): what actually changed AWS. */
const liveReleases = () =>
  ec2.commandCalls(ReleaseAddressCommand).filter((c) => !c.args[0].input.DryRun).length;

const directory = {
  isWorkspaceAdmin: async () => false,
  groupMembers: async () => [],
  displayName: async (u: string) => u,
};

describe('approval policy', () => {
  let t: TestApp;
  let clock: ManualClock;
  let accountId: number;

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
    t = await startTestApp({ env: { DRY_RUN: 'false' } });
    clock = t.clock as ManualClock;
    accountId = (await verifiedAccount(t.db.db, { approvers: ['U0BOB', 'U0CAROL', 'U0DAN'] })).id;
  });
  afterEach(() => t.stop());

  async function setPolicy(change: (p: ApprovalPolicy) => void) {
    const p = defaultPolicy({ environment: 'LAB' });
    change(p);
    await t.db.db
      .insert(approvalPolicies)
      .values({ accountId, policy: p, updatedBy: 'U0BOB' })
      .onConflictDoUpdate({ target: approvalPolicies.accountId, set: { policy: p } });
  }

  async function scanned(): Promise<Recommendation> {
    await scanAndPost(t.deps, ['unassociated-elastic-ips']);
    await t.deliverOutbox();
    const [rec] = await t.db.db.select().from(recommendations);
    return rec!;
  }

  const click = (rec: Recommendation, user: string, action: string = ACTIONS.approve) =>
    t.interact(buttonClick(action, String(rec.id), { user, messageTs: rec.slackTs! }));
  const card = (rec: Recommendation) =>
    JSON.stringify(t.slack.messages.find((m) => m.ts === rec.slackTs)!.blocks);
  /** Waits until the delivered card shows `text` (card refreshes are coalesced by the relay). */
  const cardShows = (rec: Recommendation, text: string) =>
    t.slack.waitFor(async () => {
      await t.deliverOutbox();
      return card(rec).includes(text);
    });
  const execs = () => t.db.db.select().from(executions);
  const events = async (event: string) =>
    (await t.db.db.select().from(auditEvents)).filter((e) => e.event === event);

  it('queues only when N distinct approvers approved; a double click counts once', async () => {
    await setPolicy((p) => {
      p.autoApprove.enabled = false;
      p.approversNeeded.LOW = 2;
    });
    const rec = await scanned();
    await click(rec, 'U0BOB');
    await click(rec, 'U0BOB');
    await t.slack.waitFor(async () => (await events('approval_recorded')).length >= 1);
    await t.deliverOutbox();
    expect(await execs()).toHaveLength(0);
    expect(await t.db.db.select().from(approvals)).toHaveLength(1);
    await cardShows(rec, '1 of 2 approvals: <@U0BOB>');
    expect(card(rec)).toContain(':lock: Approval: LOW change · <@U0BOB>, <@U0CAROL>, <@U0DAN> (2 needed)');

    await click(rec, 'U0CAROL');
    await t.runQueued(1);
    const [exec] = await execs();
    expect(exec).toMatchObject({ status: 'succeeded', approvedBy: 'U0CAROL' });
    expect(liveReleases()).toBe(1);
    expect((await t.db.db.select().from(approvals)).map((a) => a.status)).toEqual(['consumed', 'consumed']);
    expect(t.slack.thread(rec.slackTs!).map((m) => m.text)).toContain(
      'Approved by <@U0BOB> and <@U0CAROL>, validating...',
    );
  });

  it('never counts the requester towards N', async () => {
    await setPolicy((p) => {
      p.autoApprove.enabled = false;
      p.approversNeeded.LOW = 2;
    });
    const rec = await scanned();
    await t.db.db
      .update(recommendations)
      .set({ evidence: { ...rec.evidence, requestedBy: 'U0BOB' } })
      .where(eq(recommendations.id, rec.id));
    const r = await approveRecommendation(t.deps, directory, rec.id, 'U0BOB');
    expect(r).toEqual({
      ok: false,
      message: 'You asked for this LOW change: 2 other approvers of lab must approve it.',
    });
    expect(await t.db.db.select().from(approvals)).toHaveLength(0);
    expect(await approveRecommendation(t.deps, directory, rec.id, 'U0CAROL')).toMatchObject({ ok: true });
    expect(await execs()).toHaveLength(0);
    await approveRecommendation(t.deps, directory, rec.id, 'U0DAN');
    expect(await execs()).toHaveLength(1);
  });

  it('auto-approves a small LOW change a cancel window ahead; Cancel during the countdown means it never runs', async () => {
    const rec = await scanned();
    await runApprovalPolicy(t.deps, () => {});
    const [exec] = await execs();
    expect(exec).toMatchObject({
      status: 'approved',
      autoApproved: true,
      scheduledFor: new Date(clock.now().getTime() + 10 * MINUTE),
    });
    await t.worker.kick();
    await t.deliverOutbox();
    expect(liveReleases()).toBe(0); // the countdown is running
    await cardShows(rec, 'auto-approved by the account policy');
    expect(actionIds(t.slack.messages.find((m) => m.ts === rec.slackTs)!.blocks!)).toContain(
      ACTIONS.cancelExecution,
    );

    await t.interact(
      buttonClick(ACTIONS.cancelExecution, String(exec!.id), { user: 'U0CAROL', messageTs: rec.slackTs! }),
    );
    await t.slack.waitFor(async () => (await execs())[0]!.status === 'cancelled');
    clock.advance(11 * MINUTE);
    await t.worker.kick();
    await runApprovalPolicy(t.deps, () => {}); // a cancelled automated run is never re-approved by itself
    await t.worker.kick();
    await t.deliverOutbox();
    expect(liveReleases()).toBe(0);
    expect(await execs()).toHaveLength(1);
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('posted');
    expect(t.slack.thread(rec.slackTs!).map((m) => m.text)).toContain(
      `Execution #${exec!.id} cancelled by <@U0CAROL> before it started; nothing was changed.`,
    );
  });

  it('lets only approvers or the requester cancel, and /spot cancel works too', async () => {
    await scanned();
    await runApprovalPolicy(t.deps, () => {});
    const [exec] = await execs();
    const refused = await t.commandReply(`cancel ${exec!.id}`, { user: 'U0EVE' });
    expect(refused.text).toContain('Only an approver of lab or the requester can cancel');
    const ok = await t.commandReply(`cancel ${exec!.id}`, { user: 'U0DAN' });
    expect(ok.text).toBe(`Execution #${exec!.id} cancelled; it will not run.`);
    expect((await execs())[0]!.status).toBe('cancelled');
  });

  it('does not auto-approve in PROD by default, nor above the threshold', async () => {
    await t.db.db.update(accounts).set({ environment: 'PROD' }).where(eq(accounts.id, accountId));
    await scanned();
    await runApprovalPolicy(t.deps, () => {});
    expect(await execs()).toHaveLength(0);
    await t.db.db.update(accounts).set({ environment: 'LAB' }).where(eq(accounts.id, accountId));
    await setPolicy((p) => {
      p.autoApprove.maxMonthlySavingsUsd = 3; // the address costs $3.65/month
    });
    await runApprovalPolicy(t.deps, () => {});
    expect(await execs()).toHaveLength(0);
  });

  it('beyond the hourly maximum of automated actions, waits for a person and says why', async () => {
    await setPolicy((p) => {
      p.maxAutomatedActionsPerHour = 0;
    });
    const rec = await scanned();
    await runApprovalPolicy(t.deps, () => {});
    await runApprovalPolicy(t.deps, () => {});
    await t.deliverOutbox();
    expect(await execs()).toHaveLength(0);
    expect(await events('auto_approval_held')).toHaveLength(1); // said once
    expect(t.slack.thread(rec.slackTs!).map((m) => m.text)).toContain(
      'Waits for a person: lab reached its maximum of 0 automated actions per hour.',
    );
  });

  it('voids an approval when the resource changed before it ran, and asks again', async () => {
    await setPolicy((p) => {
      p.autoApprove.enabled = false;
    });
    const rec = await scanned();
    expect(await approveRecommendation(t.deps, directory, rec.id, 'U0BOB')).toEqual({ ok: true });
    // A re-scan saw the address differently (evidence shown on the card changed).
    await t.db.db
      .update(recommendations)
      .set({ evidence: { ...rec.evidence, publicIp: '52.9.9.9' } })
      .where(eq(recommendations.id, rec.id));
    await t.runQueued(1);
    const [exec] = await execs();
    expect(exec).toMatchObject({ status: 'stale' });
    expect(exec!.error).toContain('approval void: the resource changed');
    expect(liveReleases()).toBe(0);
    expect(ec2.commandCalls(ReleaseAddressCommand)).toHaveLength(0); // not even validated
    expect((await t.db.db.select().from(approvals))[0]!.status).toBe('void');
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('posted');
    expect(await events('approval_void')).toHaveLength(1);
    expect(actionIds(t.slack.messages.find((m) => m.ts === rec.slackTs)!.blocks!)).toContain(ACTIONS.approve);
  });

  it('expires pending approvals after the TTL (audited, card refreshed)', async () => {
    await setPolicy((p) => {
      p.autoApprove.enabled = false;
      p.approversNeeded.LOW = 2;
    });
    const rec = await scanned();
    await approveRecommendation(t.deps, directory, rec.id, 'U0BOB');
    clock.advance(71 * HOUR);
    await runApprovalPolicy(t.deps, () => {});
    expect((await t.db.db.select().from(approvals))[0]!.status).toBe('active');
    clock.advance(1 * HOUR);
    await runApprovalPolicy(t.deps, () => {});
    await t.deliverOutbox();
    expect((await t.db.db.select().from(approvals))[0]!.status).toBe('expired');
    expect(t.slack.thread(rec.slackTs!).map((m) => m.text)).toContain(
      'The approval of <@U0BOB> expired (older than 72 h); approve again to go ahead.',
    );
    await t.slack.waitFor(async () => {
      await t.deliverOutbox();
      return !card(rec).includes('approvals: <@U0BOB>');
    });
    // Carol's approval is now the first of two.
    expect(await approveRecommendation(t.deps, directory, rec.id, 'U0CAROL')).toEqual({
      ok: true,
      pending: true,
      message: 'Your approval is recorded: 1 of 2 approvals: <@U0CAROL>.',
    });
  });

  it('a newer recommendation for the same resource supersedes the older one and its approvals', async () => {
    await setPolicy((p) => {
      p.autoApprove.enabled = false;
      p.approversNeeded.LOW = 2;
    });
    const rec = await scanned();
    await approveRecommendation(t.deps, directory, rec.id, 'U0BOB');
    const [newer] = await t.db.db
      .insert(recommendations)
      .values({
        ...rec,
        id: undefined,
        fingerprint: `${rec.fingerprint}:v2`,
        status: 'open',
        slackTs: null,
        updatedAt: clock.now(),
      } as never)
      .returning();
    await supersedeOlder(t.deps, newer!);
    await t.deliverOutbox();
    const older = (await t.db.db.select().from(recommendations).where(eq(recommendations.id, rec.id)))[0]!;
    expect(older.status).toBe('superseded');
    expect((await t.db.db.select().from(approvals))[0]!.status).toBe('superseded');
    await cardShows(rec, 'superseded by a newer recommendation');
    expect(await approveRecommendation(t.deps, directory, rec.id, 'U0CAROL')).toMatchObject({ ok: false });
  });

  it('outside a maintenance window nothing runs; at its start it does (and never inside a freeze)', async () => {
    clock.set('2026-11-24T12:00:00Z');
    await setPolicy((p) => {
      p.autoApprove.enabled = false;
      p.timeZone = 'Europe/Paris';
      p.maintenanceWindows = [{ cron: '0 22 * * *', durationMinutes: 60 }]; // 21:00 UTC in November
      p.freezes = [
        { start: new Date('2026-11-24T20:30:00Z'), end: new Date('2026-11-24T21:30:00Z'), reason: 'release' },
      ];
    });
    const rec = await scanned();
    await click(rec, 'U0BOB');
    await t.slack.waitFor(async () => (await execs()).length === 1);
    await t.worker.kick();
    await t.worker.kick();
    await t.deliverOutbox();
    let [exec] = await execs();
    // The 21:00 window starts inside the freeze: the first allowed minute is the freeze's end.
    expect(exec).toMatchObject({ status: 'approved', scheduledFor: new Date('2026-11-24T21:30:00Z') });
    expect(liveReleases()).toBe(0);
    expect(await events('waiting')).toHaveLength(1); // said once
    await cardShows(rec, 'waiting: outside the maintenance windows');

    clock.set('2026-11-24T21:00:00Z'); // the window opens, but the freeze holds
    await t.worker.kick();
    expect((await execs())[0]!.status).toBe('approved');
    expect(liveReleases()).toBe(0);

    clock.set('2026-11-24T21:30:00Z');
    await t.worker.kick();
    await t.deliverOutbox();
    [exec] = await execs();
    expect(exec!.status).toBe('succeeded');
    expect(liveReleases()).toBe(1);
  });
});

describe('a CRITICAL change', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.stop());

  it('asks the approver to type the resource id; a wrong id approves nothing', async () => {
    const account = await verifiedAccount(t.db.db, {
      name: 'payments',
      environment: 'PROD',
      approvers: ['U0BOB'],
    });
    const [rec] = await t.db.db
      .insert(recommendations)
      .values({
        fingerprint: 'terminate:i-0abc',
        kind: 'spot-lab',
        executor: 'terminate-instance',
        accountId: account.id,
        region: 'us-east-1',
        resourceId: 'i-0abc1234def567890',
        title: 'Terminate i-0abc1234def567890',
        params: { instanceId: 'i-0abc1234def567890' },
        evidence: {},
        status: 'posted',
        slackChannel: 'C0OPS',
      })
      .returning();
    await t.interact(buttonClick(ACTIONS.approve, String(rec!.id), { user: 'U0BOB' }));
    const modal = await t.slack.waitFor(() => t.slack.callsOf('views.open')[0]);
    expect(modal.args.view.callback_id).toBe(VIEWS.confirmCritical);
    const typed = (value: string) => ({
      [INPUTS.confirmResource.block]: {
        [INPUTS.confirmResource.action]: { type: 'plain_text_input', value },
      },
    });
    const wrong = await t.interact(
      viewSubmission(VIEWS.confirmCritical, modal.args.view.private_metadata, typed('i-0abc'), 'U0BOB'),
    );
    expect(JSON.parse(await wrong.text())).toEqual({
      response_action: 'errors',
      errors: {
        [INPUTS.confirmResource.block]:
          'That is not the resource id: type i-0abc1234def567890 exactly to approve.',
      },
    });
    expect(await t.db.db.select().from(executions)).toHaveLength(0);
    await t.interact(
      viewSubmission(
        VIEWS.confirmCritical,
        modal.args.view.private_metadata,
        typed('i-0abc1234def567890'),
        'U0BOB',
      ),
    );
    await t.slack.waitFor(async () => (await t.db.db.select().from(executions)).length === 1);
    expect((await t.db.db.select().from(executions))[0]).toMatchObject({
      riskLevel: 'CRITICAL',
      approvedBy: 'U0BOB',
    });
  });
});
